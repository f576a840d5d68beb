"""The public activity directory of an organisation (no login): search and filters, an activity's
page, iCal feeds and the Open Referral HSDS export. Only published activities of active partners;
nothing here reads a citizen, a case or a session. Rate-limited like the public referral form."""

import datetime
import json
import re

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_date

from extensions import limiter
from i18n import _, _l
from models import Activity, ActivityCategory, Organisation, Partner
from models.activity import PRICE, WEEKDAYS
from models.listing import WaitingListEntry
from models.search import fold
from views import feeds

bp = Blueprint("directory", __name__, url_prefix="/aktiviteter")
ACCESS = (
    ("step_free", _l("Step-free access")),
    ("accessible_toilet", _l("Accessible toilet")),
    ("hearing_loop", _l("Hearing loop")),
)
POSTAL = re.compile(r"^\d{1,4}$")
MAX_LISTED = 500


def _rate_limit():
    return current_app.config["DIRECTORY_RATE_LIMIT"]


# One shared budget for all public directory pages and feeds (per client address), on each route.
limited = limiter.shared_limit(_rate_limit, scope="public-directory")


def init_directory(app):
    app.config.setdefault("DIRECTORY_RATE_LIMIT", "120 per minute;2000 per hour")

    @app.template_filter("weekday_date")
    def weekday_date(day):
        """'onsdag den 3. december' style, in the user's language."""
        return format_date(day, "EEEE d. MMMM yyyy")

    @app.template_global()
    def activity_capacity(activities):
        """{activity id: (places taken, capacity, waiting)} for activities with a capacity (one query
        each for places and waiting lists): the suggestion list shows full activities as full."""
        with_capacity = [a for a in activities if a.capacity]
        taken = Activity.places_taken(a.id for a in with_capacity)
        waiting = WaitingListEntry.waiting_counts(a.id for a in with_capacity)
        return {a.id: (taken.get(a.id, 0), a.capacity, waiting.get(a.id, 0)) for a in with_capacity}


def _organisation(slug):
    org = Organisation.get_or_none(Organisation.slug == slug)
    if org is None or not org.is_active:  # a deactivated organisation has no public directory
        abort(404)
    return org


def _published(org):
    return Activity.published(org.id)


def _published_one(org, activity_id):
    activity = _published(org).where(Activity.id == activity_id).first()
    if activity is None:
        abort(404)
    return activity


class Filters:
    """The directory's query parameters, validated: a tampered value is ignored with a message."""

    def __init__(self, args, categories):
        self.errors = []
        self.q = (args.get("q") or "").strip()[:100]
        self.category = self._choice(args.get("kategori"), {c.id for c in categories}, _("category"))
        self.weekday = self._choice(args.get("ugedag"), {d for d, _label in WEEKDAYS}, _("weekday"))
        self.price = args.get("pris") or None
        if self.price is not None and self.price not in dict(PRICE):
            self.errors.append(_("Unknown %(what)s; it was left out of the search.", what=_("price")))
            self.price = None
        self.postal_code = (args.get("postnummer") or "").strip() or None
        if self.postal_code is not None and not POSTAL.match(self.postal_code):
            self.errors.append(_("Write the postal code as digits, e.g. 2450."))
            self.postal_code = None
        self.age = self._number(args.get("alder"), 0, 120, _("age"))
        self.access = [code for code in args.getlist("adgang") if code in dict(ACCESS)]
        if len(self.access) != len(args.getlist("adgang")):
            self.errors.append(_("Unknown %(what)s; it was left out of the search.", what=_("accessibility")))

    def _choice(self, value, allowed, what):
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except ValueError:
            number = None
        if number not in allowed:
            self.errors.append(_("Unknown %(what)s; it was left out of the search.", what=what))
            return None
        return number

    def _number(self, value, low, high, what):
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            self.errors.append(
                _("Write the %(what)s as a number from %(low)s to %(high)s.", what=what, low=low, high=high)
            )
            return None
        return number

    def apply(self, query):
        if self.q:
            query = query.where(Activity.search_key.contains(fold(self.q)) | Partner.search_key.contains(fold(self.q)))
        if self.category is not None:
            query = query.where(Activity.category == self.category)
        if self.price:
            query = query.where(Activity.price == self.price)
        if self.postal_code:
            query = query.where(Activity.postal_code.startswith(self.postal_code))
        if self.age is not None:
            query = query.where(
                (Activity.age_min.is_null() | (Activity.age_min <= self.age))
                & (Activity.age_max.is_null() | (Activity.age_max >= self.age))
            )
        for code in self.access:
            query = query.where(getattr(Activity, code) == True)  # noqa: E712
        return query

    def keep(self, activity):
        """Filters on the schedule, applied to the rows (the rule is not a column)."""
        return self.weekday is None or self.weekday in activity.schedule.rule.weekdays


@bp.route("/<slug>/")
@limited
def index(slug):
    org = _organisation(slug)
    categories = list(ActivityCategory.choices_for_organisation(org.id))
    filters = Filters(request.args, categories)
    rows = filters.apply(_published(org)).order_by(Activity.name).limit(MAX_LISTED)
    activities = [a for a in rows if filters.keep(a)]
    today = datetime.date.today()
    upcoming = {a.id: a.schedule.upcoming(today, count=1) for a in activities}
    return render_template(
        "directory/index.html",
        org=org,
        activities=activities,
        upcoming=upcoming,
        categories=categories,
        filters=filters,
        weekdays=WEEKDAYS,
        prices=PRICE,
        access=ACCESS,
        referral_links="intake_public" in current_app.blueprints,
    ), (400 if filters.errors and not activities else 200)


@bp.route("/<slug>/<int:activity_id>")
@limited
def activity(slug, activity_id):
    org = _organisation(slug)
    item = _published_one(org, activity_id)
    return render_template(
        "directory/activity.html",
        org=org,
        activity=item,
        upcoming=item.schedule.upcoming(count=6),
        access=[label for code, label in ACCESS if getattr(item, code)],
    )


def _host():
    return request.host.split(":")[0] or "brobygger"


def _ics(body, filename):
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _activity_url(org):
    return lambda a: url_for("directory.activity", slug=org.slug, activity_id=a.id, _external=True)


@bp.route("/<slug>/kalender.ics")
@limited
def organisation_ics(slug):
    org = _organisation(slug)
    return _ics(
        feeds.calendar(org.name, list(_published(org).order_by(Activity.id)), _activity_url(org), _host()),
        f"{org.slug}.ics",
    )


@bp.route("/<slug>/partner/<int:partner_id>.ics")
@limited
def partner_ics(slug, partner_id):
    org = _organisation(slug)
    partner = Partner.get_or_none(
        (Partner.id == partner_id) & (Partner.organisation == org.id) & (Partner.active == True)
    )  # noqa: E712
    if partner is None:
        abort(404)
    rows = list(_published(org).where(Activity.partner == partner.id).order_by(Activity.id))
    return _ics(feeds.calendar(partner.name, rows, _activity_url(org), _host()), f"{org.slug}-partner-{partner.id}.ics")


@bp.route("/<slug>/<int:activity_id>.ics")
@limited
def activity_ics(slug, activity_id):
    org = _organisation(slug)
    item = _published_one(org, activity_id)
    return _ics(feeds.calendar(item.name, [item], _activity_url(org), _host()), f"{org.slug}-{item.id}.ics")


def _services(org):
    public_url = url_for("directory.index", slug=org.slug, _external=True)
    url_of = _activity_url(org)
    return [feeds.hsds_service(org, a, public_url, url_of(a)) for a in _published(org).order_by(Activity.id)]


@bp.route("/<slug>/hsds/services")
@limited
def hsds_services(slug):
    """HSDS 3.0: the published directory as a page of services (fully nested)."""
    org = _organisation(slug)
    body = json.dumps(feeds.hsds_page(_services(org)), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json")


@bp.route("/<slug>/hsds.zip")
@limited
def hsds_package(slug):
    """HSDS 3.0 as a downloadable data package: datapackage.json and one CSV per table."""
    org = _organisation(slug)
    body = feeds.hsds_package(_services(org), f"brobygger-{org.slug}", org.name)
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="hsds-{org.slug}.zip"'
    return response
