"""Figures for the start page. Aggregates only: evaluators see no personal data here."""

from peewee import fn

from i18n import _l
from models import Referral
from models.referral import OPEN_STATUSES, STATUSES
from models.roles import BRIDGE_BUILDER, EVALUATOR, PARTNER, TEAM_LEADS


def figures_for(user):
    """A few counts the user's role may see, as (label, value) pairs plus per-status counts."""
    if user.role == PARTNER:
        return {"cards": [], "by_status": []}
    cases = Referral.visible_to(user)
    if user.role == EVALUATOR:
        # Aggregates over the whole organisation, no rows.
        cases = Referral.select().where(Referral.organisation == user.organisation_id)
    counts = dict(cases.select(Referral.status, fn.COUNT(Referral.id)).group_by(Referral.status).tuples())
    open_cases = sum(counts.get(s, 0) for s in OPEN_STATUSES)
    cards = [(_l("Open cases"), open_cases), (_l("Closed cases"), counts.get("closed", 0))]
    if user.role == BRIDGE_BUILDER:
        mine = Referral.visible_to(user).where((Referral.assigned_to == user.id) & Referral.open_filter()).count()
        cards.insert(0, (_l("My open cases"), mine))
    if user.role in (*TEAM_LEADS, EVALUATOR):
        # The report's counting rule: contacted, active or waiting today, from the status history
        # (a man referred but never contacted is not in active collaboration).
        import datetime

        from reports.figures import Scope, active_by_gender

        today = datetime.date.today()
        active = active_by_gender(Scope((user.organisation_id,), today, today, today))
        men = active["groups"].get("male", {}).get("n", 0)
        if user.role == EVALUATOR:
            from reports.report import smallest_shown

            k = smallest_shown((user.organisation_id,))
            men = f"<{k}" if 0 < men < k else men
        cards.append((_l("Men in active collaboration"), men))
    by_status = [(label, counts.get(code, 0)) for code, label in STATUSES]
    return {"cards": cards, "by_status": by_status}
