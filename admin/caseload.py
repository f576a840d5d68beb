"""Caseload: a bridge builder's own open cases and what needs action; the team's for coordinators."""

import datetime

from flask import current_app, request
from flask_admin import expose
from flask_login import current_user
from peewee import JOIN, fn

from admin.pages import RoleView
from i18n import _l
from models import Contact, Referral, User
from models.roles import CASE_WORKERS, TEAM_LEADS


def open_cases(user, only_mine):
    """Open cases the user may see (only theirs when `only_mine`) with their last contact date."""
    last_contact = (
        Contact.select(Contact.referral.alias("case_id"), fn.MAX(Contact.date).alias("last"))
        .where(Contact.organisation == user.organisation_id)
        .group_by(Contact.referral)
        .alias("lc")
    )
    query = (
        Referral.visible_to(user)
        .select(Referral, User.name.alias("builder"), last_contact.c.last.alias("last_contact"))
        .join(User, JOIN.LEFT_OUTER, on=(Referral.assigned_to == User.id))
        .switch(Referral)
        .join(last_contact, JOIN.LEFT_OUTER, on=(last_contact.c.case_id == Referral.id))
        .where(Referral.open_filter())
        .order_by(Referral.received_on)
    )
    if only_mine:
        query = query.where(Referral.assigned_to == user.id)
    return query


def flags(case, today, first_contact_days, idle_weeks):
    """What needs action on an open case, as short labels."""
    found = []
    if case.first_contact_on is None and (today - case.received_on).days > first_contact_days:
        found.append(("no_first_contact", _l("No first contact after %(days)s days", days=first_contact_days)))
    last = case.last_contact
    if isinstance(last, str):
        last = datetime.date.fromisoformat(last)
    if case.first_contact_on is not None and (last is None or (today - last).days > idle_weeks * 7):
        found.append(("idle", _l("No contact for %(weeks)s weeks", weeks=idle_weeks)))
    if case.review_on and case.review_on < today:
        found.append(("review", _l("Review date passed")))
    return found


class CaseloadView(RoleView):
    roles = CASE_WORKERS

    @expose("/")
    def index(self):
        team = current_user.role in TEAM_LEADS and request.args.get("mine") != "1"
        today = datetime.date.today()
        first_days = current_app.config["CASE_FIRST_CONTACT_DAYS"]
        idle_weeks = current_app.config["CASE_IDLE_WEEKS"]
        cases = list(open_cases(current_user, only_mine=not team).limit(2000).objects())
        rows = [(case, flags(case, today, first_days, idle_weeks)) for case in cases]
        per_builder = {}
        for case, found in rows:
            entry = per_builder.setdefault(case.builder or "—", {"open": 0, "flagged": 0})
            entry["open"] += 1
            entry["flagged"] += bool(found)
        return self.render(
            "admin/caseload.html",
            team=team,
            rows=[r for r in rows if r[1]] + [r for r in rows if not r[1]],
            per_builder=sorted(per_builder.items()),
            flagged=sum(1 for _case, found in rows if found),
        )
