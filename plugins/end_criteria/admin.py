"""The end_criteria plugin's pages: the criteria list, agreeing criteria, the closures summary."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from plugins.api import (
    ADMIN,
    CASE_WORKERS,
    COORDINATOR,
    TEAM_LEADS,
    BrobyggerModelView,
    Referral,
    RoleView,
    _,
    _l,
    csv_response,
    format_day,
    to_int,
    visible_or_404,
    xlsx_response,
)
from plugins.end_criteria import service
from plugins.end_criteria.models import JUSTIFICATIONS, AgreedCriterion


class EndCriterionAdmin(BrobyggerModelView):
    """The organisation's end criteria, in order; required ones need a justification when unmet."""

    access = {ADMIN: "rcedx", COORDINATOR: "r"}
    column_list = ("name", "required", "position", "active")
    column_default_sort = [("position", False), ("name", False)]
    form_columns = ("name", "required", "position", "active")
    form_args = {"name": {"label": _l("Criterion")}}


class AgreeView(RoleView):
    """Set the criteria agreed with the citizen for a case (from the case page)."""

    roles = CASE_WORKERS
    in_menu = False

    @expose("/", methods=("POST",))
    def index(self):
        referral = visible_or_404(Referral, request.form.get("referral"))
        ids = [to_int(v) for v in request.form.getlist("criteria")]
        try:
            if None in ids:
                raise ValueError(_l("Unknown end criterion."))
            service.set_agreed(referral, ids, current_user)
        except ValueError as exc:
            flash(str(exc.args[0]), "error")
        else:
            flash(_("The agreed end criteria are saved."), "success")
        return redirect(url_for("referral.details_view", id=referral.id))


def _period():
    """The chosen period (defaults to the last 12 months), or None when the dates are not valid."""
    today = datetime.date.today()
    try:
        start = request.args.get("start") or (today - datetime.timedelta(days=365)).isoformat()
        end = request.args.get("end") or today.isoformat()
        start, end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    except ValueError:
        return None
    return (start, end) if start <= end else None


class ClosuresView(RoleView):
    """Closure tracking for coordinators: per period, bridge builder and reason, with exports."""

    roles = TEAM_LEADS

    @expose("/")
    def index(self):
        period = _period()
        if period is None:
            flash(_("Choose a valid period: two dates, the first not after the second."), "error")
            today = datetime.date.today()
            period = (today - datetime.timedelta(days=365), today)
        data = service.summary(current_user, *period)
        return self.render("end_criteria/closures.html", start=period[0], end=period[1], **data)

    @expose("/export/<fmt>/")
    def export(self, fmt):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        period = _period()
        if period is None:
            abort(404)
        header = [
            str(_l("Case")),
            str(_l("Received")),
            str(_l("Closed")),
            str(_l("Days")),
            str(_l("Bridge builder")),
            str(_l("Closure reason")),
            str(_l("Required criteria unmet")),
        ]
        rows = (
            [
                r["case_id"],
                format_day(r["received_on"]),
                format_day(r["closed_on"]),
                (r["closed_on"] - r["received_on"]).days,
                r["builder"] or "",
                r["reason"],
                "" if r["unmet_required"] is None else r["unmet_required"],
            ]
            for r in service.closure_rows(current_user, *period)
        )
        name = f"afslutninger-{period[0]}-{period[1]}.{fmt}"
        if fmt == "csv":
            return csv_response(name, header, rows, audit="CaseClosure")
        return xlsx_response(name, [(str(_("Closures")), header, rows)], audit="CaseClosure")


def case_queries(referral, user):
    """The case page's end-criteria panel as queries (run with the page's others in one statement)."""
    return {
        "ec_criteria": service.criteria_query(user.organisation_id),
        "ec_agreed": AgreedCriterion.select().where(AgreedCriterion.referral == referral.id),
    }


def case_panel(referral, user, rows):
    criteria = rows.get("ec_criteria", [])
    if not criteria:
        return None
    return {
        "title": _("End criteria"),
        "template": "end_criteria/case_panel.html",
        "context": {
            "criteria": criteria,
            "agreed": {a.criterion_id for a in rows.get("ec_agreed", ())},
            "referral": referral,
            "can_edit": user.role in CASE_WORKERS,
        },
    }


def close_section(referral, user, form):
    criteria = service.criteria_for(user.organisation_id)
    if not criteria:
        return None
    agreed = service.agreed_ids(referral)
    checked = {to_int(v) for v in form.get("criteria_met") or ()}
    return {
        "title": _("End criteria"),
        "template": "end_criteria/close_section.html",
        "context": {
            "criteria": criteria,
            "agreed": agreed,
            "checked": checked,
            "justification": form.get("justification", ""),
            "justification_code": form.get("justification_code", ""),
            "minimal": user.organisation.minimal_records,
            "justifications": JUSTIFICATIONS,
        },
    }
