"""Charts for the overview (/admin/): the last twelve months, drawn like the report's."""

import datetime

from models.roles import EVALUATOR, REPORT_VIEWERS
from reports import charts
from reports.report import Layout, present, report_data, smallest_shown

OVERVIEW_ROLES = REPORT_VIEWERS


def overview_charts(user):
    """[(table, svg)] of active collaboration over time and referrals per month, suppressed for
    evaluators; nothing for other roles."""
    if not user.is_authenticated or user.role not in OVERVIEW_ROLES:
        return []
    today = datetime.date.today()
    start = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    org_ids = (user.organisation_id,)
    k = smallest_shown(org_ids) if user.role == EVALUATOR else None
    tables = present(report_data(org_ids, start, today, today), k=k, layout=Layout())
    wanted = [t for t in tables if t.id in ("active_over_time", "referrals_per_month")]
    return [(table, charts.draw(table)) for table in wanted]
