"""The partner's phone page: today's and this week's occurrences, the session register (tick who
came, save once) and the partner's own listings, proposed for the organisation's approval."""

import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from extensions import db
from forms.activity import ListingForm
from forms.base import Form
from i18n import _
from models import Activity, ActivitySession, Citizen, ListingChange
from models.audit import AuditLog
from models.listing import PENDING, divert_to_approval
from models.schedule import ScheduleError
from models.sessions import duplicate_message, log_session, participant_labels, present_in, this_week

bp = Blueprint("partner_page", __name__, url_prefix="/partner")
RECENT_DAYS = 14


@bp.before_request
@login_required
def _partners_only():
    if current_user.role != "partner" or not current_user.partner_id:
        abort(403)


def _activity(activity_id):
    activity = Activity.visible_to(current_user).where(Activity.id == activity_id).first()
    if activity is None:
        abort(404)
    return activity


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.route("/")
def start():
    """*I dag* and *Denne uge*: each occurrence one tap from its register."""
    today = datetime.date.today()
    monday, sunday = this_week(today)
    activities = list(Activity.visible_to(current_user).order_by(Activity.name))
    start_day = min(monday, today - datetime.timedelta(days=RECENT_DAYS))
    logged = {
        (s.activity_id, s.date): s
        for s in ActivitySession.visible_to(current_user).where(
            (ActivitySession.date >= start_day) & (ActivitySession.date <= sunday)
        )
    }
    todays, week, recent, ad_hoc = [], [], [], []
    for activity in activities:
        schedule = activity.schedule
        if not schedule.is_recurring:
            ad_hoc.append(activity)
            continue
        for occurrence in schedule.between(start_day, sunday):
            item = (activity, occurrence, logged.get((activity.id, occurrence.date)))
            if occurrence.date == today:
                todays.append(item)
            elif monday <= occurrence.date <= sunday:
                week.append(item)
            elif occurrence.date < today:
                recent.append(item)
    recent.sort(key=lambda item: item[1].date, reverse=True)
    return render_template(
        "partner/start.html",
        today=today,
        todays=todays,
        week=week,
        recent=recent,
        ad_hoc=ad_hoc,
        activities=activities,
        pending=_pending_changes(),
    )


def _pending_changes():
    return {c.activity_id for c in ListingChange.visible_to(current_user).where(ListingChange.status == PENDING)}


@bp.route("/log", methods=["POST"])
def pick_date():
    """An ad hoc activity: the date chosen on the start page opens its register."""
    activity = _activity(request.form.get("activity", type=int))
    day = request.form.get("date") or datetime.date.today().isoformat()
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        flash(_("Choose a date."), "error")
        return redirect(url_for(".start"))
    return redirect(url_for(".register", activity_id=activity.id, day=day))


@bp.route("/register/<int:activity_id>/<day>", methods=["GET", "POST"])
def register(activity_id, day):
    """One session's register: the referred participants as a tick list, the head count, save."""
    activity = _activity(activity_id)
    date = _day(day)
    session = (
        ActivitySession.select()
        .where((ActivitySession.activity == activity.id) & (ActivitySession.date == date))
        .first()
    )
    citizens = list(
        Citizen.visible_to_partner(current_user.partner_id, activity.id)
        .where(Citizen.organisation == current_user.organisation_id)
        .order_by(Citizen.name, Citizen.initials)
    )
    labels = participant_labels(citizens)
    allowed = set(labels)
    org = current_user.organisation
    form = Form()
    problem = None
    try:
        activity.check_session_date(date)
    except ScheduleError as exc:
        problem = str(exc)
    if request.method == "POST" and problem is None and form.validate():
        try:
            present = [int(x) for x in request.form.getlist("present")]
        except ValueError:
            present = None
        if present is None:
            problem = _("One of the ticked participants cannot be recorded for this activity.")
        else:
            try:
                result = log_session(
                    current_user,
                    activity,
                    date,
                    present,
                    allowed,
                    head_count=request.form.get("head_count"),
                    men=request.form.get("men") if org.session_demographics else None,
                    women=request.form.get("women") if org.session_demographics else None,
                    newcomers=request.form.get("newcomers") if org.session_demographics else None,
                    notes=None if org.minimal_records else request.form.get("notes"),
                    session_id=request.form.get("session_id", type=int),
                )
            except ScheduleError as exc:
                problem = str(exc)
            else:
                if result.merged:
                    flash(
                        duplicate_message(result.session)
                        + " "
                        + _(
                            "Your ticks were added to it (%(n)s new). Head count now %(count)s.",
                            n=len(result.added),
                            count=result.session.head_count or 0,
                        ),
                        "warning",
                    )
                    return redirect(url_for(".register", activity_id=activity.id, day=date.isoformat()))
                flash(
                    _(
                        "Saved: %(activity)s %(date)s, %(count)s present.",
                        activity=activity.name,
                        date=date.strftime("%d.%m.%Y"),
                        count=result.session.head_count or 0,
                    ),
                    "success",
                )
                return redirect(url_for(".start"))
    if session is not None:
        AuditLog.record("view", session, session.id)
    present = present_in(session)
    return render_template(
        "partner/register.html",
        activity=activity,
        date=date,
        session=session,
        participants=[(c, labels[c.id]) for c in citizens],
        present=present,
        form=form,
        problem=problem,
        demographics=org.session_demographics,
        notes_allowed=not org.minimal_records,
        existing_message=duplicate_message(session) if session is not None else None,
    ), (400 if problem and request.method == "POST" else 200)


@bp.route("/listing/<int:activity_id>", methods=["GET", "POST"])
def listing(activity_id):
    """The partner's listing of an activity: changes go to the organisation for approval."""
    activity = _activity(activity_id)
    form = ListingForm()
    pending = (
        ListingChange.visible_to(current_user)
        .where((ListingChange.activity == activity.id) & (ListingChange.status == PENDING))
        .first()
    )
    status = 200
    if request.method == "GET":
        form.fill(activity)
        if pending is not None:
            form.fill(_proposed(activity, pending))
    elif form.validate():
        draft = Activity.get_by_id(activity.id)
        try:
            form.apply(draft)
        except ScheduleError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            with db.atomic():
                change = divert_to_approval(draft, current_user)
                draft.save()
                AuditLog.record("update", draft, draft.id)
            if change is not None:
                flash(_("Your changes are sent to the organisation for approval."), "success")
            elif draft.public:
                flash(_("Nothing was changed."), "info")
            else:
                flash(_("Saved. The activity is not published; the organisation publishes it."), "success")
            return redirect(url_for(".start"))
    else:
        status = 400
    return render_template("partner/listing.html", activity=activity, form=form, pending=pending), status


def _proposed(activity, change):
    """A copy of the activity with a pending change applied (for showing it in the form)."""
    draft = Activity.get_by_id(activity.id)
    for name, value in change.values().items():
        setattr(draft, name, value)
    return draft
