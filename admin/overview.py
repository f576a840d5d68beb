"""The start page: the work queue for case workers, and counters that lead to their lists.

Evaluators and partners see aggregates only (no rows, no names).
"""

import datetime

from flask import url_for
from peewee import fn

from admin.loading import to_int
from i18n import _l
from models import Referral
from models.referral import OPEN_STATUSES, STATUSES
from models.roles import EVALUATOR, TEAM_LEADS
from reports.figures import Scope, active_by_gender
from reports.report import smallest_shown

CASE_WORKERS = ("admin", "coordinator", "bridge_builder")
TEAM_ROLES = ("admin", "coordinator")
START_PAGE_SIZE = 10


def _card(label, value, href=None, code=""):
    return {"label": label, "value": value, "href": href, "code": code}


def figures_for(user):
    """Counters the user's role may see (each with the link to its list) and per-status counts."""
    if user.role == "partner":
        return {"cards": [], "by_status": []}
    cases = Referral.visible_to(user)
    if user.role == "evaluator":
        # Aggregates over the whole organisation, no rows.
        cases = Referral.select().where(Referral.organisation == user.organisation_id)
    counts = dict(cases.select(Referral.status, fn.COUNT(Referral.id)).group_by(Referral.status).tuples())
    open_cases = sum(counts.get(s, 0) for s in OPEN_STATUSES)
    links = user.role in CASE_WORKERS
    team = user.role in TEAM_ROLES

    def caseload(show, mine=None):
        if not links:
            return None
        return url_for("caseload.index", show=show, mine=mine or ("0" if team else "1"))

    def by_status(code):
        # Flask-Admin's list filter "Status equals": filter 0 of ReferralAdmin.column_filters.
        return url_for("referral.index_view", flt0_0=code) if links else None

    cards = []
    if links:
        # import here: cycle caseload → pages → overview
        from admin.caseload import queue_counts

        queued = queue_counts(user, team)
        cards.append(_card(_l("New referrals"), queued["new"], caseload("new"), "new"))
        cards.append(
            _card(
                _l("Team cases needing action") if team else _l("My cases needing action"),
                queued["due"],
                caseload("due"),
                "due",
            )
        )
    if user.role == "bridge_builder":
        mine = (
            Referral.visible_to(user)
            .where((Referral.assigned_to == user.id) & Referral.status.in_(OPEN_STATUSES))
            .count()
        )
        cards.append(_card(_l("My open cases"), mine, caseload("open", "1"), "mine"))
    cards.append(_card(_l("Open cases"), open_cases, caseload("open", "0"), "open"))
    cards.append(_card(_l("Closed cases"), counts.get("closed", 0), by_status("closed"), "closed"))
    if user.role in (*TEAM_LEADS, EVALUATOR):
        # The report's counting rule: contacted, active or waiting today, from the status history
        # (a man referred but never contacted is not in active collaboration).
        today = datetime.date.today()
        active = active_by_gender(Scope((user.organisation_id,), today, today, today))
        men = active["groups"].get("male", {}).get("n", 0)
        if user.role == EVALUATOR:
            k = smallest_shown((user.organisation_id,))
            men = f"<{k}" if 0 < men < k else men
        cards.append(_card(_l("Men in active collaboration"), men, None, "men"))
    by_status_rows = [(label, counts.get(code, 0), by_status(code)) for code, label in STATUSES]
    return {"cards": cards, "by_status": by_status_rows}


def start_page(user, args):
    """Everything the start page shows: the counters, and for case workers the work queue's two
    lists (new referrals to take, cases needing action), each paged and sortable on its own."""
    context = {"figures": figures_for(user), "queues": []}
    if user.role not in CASE_WORKERS:
        return context
    # import here: cycle caseload → pages → overview
    from admin.caseload import assignees, queue_page

    team = user.role in TEAM_ROLES
    for which in ("new", "due"):
        prefix = f"{which}_"
        context["queues"].append(
            (
                prefix,
                queue_page(
                    user,
                    which,
                    team,
                    page=to_int(args.get(prefix + "page")) or 0,
                    sort=args.get(prefix + "sort", "received"),
                    desc=args.get(prefix + "desc") == "1",
                    page_size=START_PAGE_SIZE,
                ),
            )
        )
    context["assignees"] = assignees(user) if team else []
    context["base_args"] = {k: v for k, v in args.items() if k.split("_", 1)[0] in ("new", "due")}
    return context
