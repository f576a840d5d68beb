"""The work queue: new referrals nobody has taken, and open cases that need action.

The same rows serve the start page (first page of each list) and Cases → Caseload (every list,
paged and sortable): a bridge builder's own cases, a coordinator's whole team. What "needs action"
means is the organisation's settings (Organisation.queue_settings) plus what plugins say is due
(hook brobygger_cases_due, e.g. a follow-up).
"""

import datetime
import math

from flask import request
from flask_admin import expose
from flask_login import current_user

from admin.loading import to_int
from admin.pages import RoleView
from i18n import _l
from models import Citizen, Referral, User
from models.lookups import ReferralChannel
from plugins import hook

TEAM_ROLES = ("admin", "coordinator")
PAGE_SIZE = 25

# Sort keys offered in the column headers; the value is the SQL expression (and the tie-breaker).
SORTS = {
    "received": lambda: Referral.received_on,
    "name": lambda: Citizen.search_key,
    "age": lambda: Citizen.birth_year,  # descending birth year = ascending age (flipped below)
    "channel": lambda: ReferralChannel.name,
    "last_contact": lambda: Referral.last_contact_expr(),
}
LISTS = {
    "new": _l("New referrals"),
    "due": _l("Cases needing action"),
    "open": _l("Open cases"),
}


def plugin_due(user, today):
    """{referral_id: [(code, label)]} from every plugin (follow-ups due...)."""
    merged = {}
    for found in hook().brobygger_cases_due(user=user, today=today):
        for referral_id, items in (found or {}).items():
            merged.setdefault(referral_id, []).extend(items)
    return merged


def queue_query(user, which, team, today, extra):
    settings = user.organisation.queue_settings
    if which == "new":
        return Referral.unassigned_new(user)
    if which == "due":
        return Referral.needing_action(user, settings, team=team, today=today, extra_ids=extra.keys())
    return Referral.open_for(user, team=team)


def queue_page(user, which, team, page=0, sort="received", desc=False, page_size=PAGE_SIZE, today=None):
    """One page of a work-queue list: rows (case, what is due), the page, page count and total."""
    today = today or datetime.date.today()
    extra = plugin_due(user, today)
    query = queue_query(user, which, team, today, extra)
    total = query.count()
    sort = sort if sort in SORTS else "received"
    expression = SORTS[sort]()
    descending = desc != (sort == "age")
    order = expression.desc(nulls="LAST") if descending else expression.asc(nulls="LAST")
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page or 0, 0), pages - 1)
    cases = list(query.order_by(order, Referral.id).limit(page_size).offset(page * page_size))
    settings = user.organisation.queue_settings
    rows = [(case, case.due_items(settings, today, extra.get(case.id, ()))) for case in cases]
    return {
        "which": which,
        "title": LISTS[which],
        "rows": rows,
        "page": page,
        "pages": pages,
        "total": total,
        "sort": sort,
        "desc": desc,
        "team": team,
    }


def queue_counts(user, team, today=None):
    """How many cases each list holds, for the overview's counters."""
    today = today or datetime.date.today()
    extra = plugin_due(user, today)
    return {which: queue_query(user, which, team, today, extra).count() for which in LISTS}


def assignees_query(user):
    """Who a coordinator may give a case to (a query)."""
    return (
        User.visible_to(user)
        .where(User.role.in_(("bridge_builder", "coordinator", "admin")) & (User.active == True))  # noqa: E712
        .order_by(User.name)
    )


def assignees(user):
    """Who a coordinator may give a case to."""
    return list(assignees_query(user))


class CaseloadView(RoleView):
    roles = ("admin", "coordinator", "bridge_builder")

    @expose("/")
    def index(self):
        which = request.args.get("show", "due")
        which = which if which in LISTS else "due"
        team = current_user.role in TEAM_ROLES and request.args.get("mine") != "1"
        queue = queue_page(
            current_user,
            which,
            team,
            page=to_int(request.args.get("page")) or 0,
            sort=request.args.get("sort", "received"),
            desc=request.args.get("desc") == "1",
        )
        return self.render(
            "admin/caseload.html",
            queue=queue,
            team=team,
            lists=LISTS,
            assignees=assignees(current_user) if current_user.role in TEAM_ROLES else [],
        )
