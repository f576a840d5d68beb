"""Charts for the overview (/admin/): the last twelve months, drawn like the report's."""

import datetime

from models.roles import EVALUATOR, REPORT_VIEWERS
from reports import charts, figures, suppress
from reports.figures import Scope
from reports.report import Layout, _active_over_time, _referrals_per_month, finish, smallest_shown


def overview_charts(user):
    """[(table, svg)] of referrals per month and active collaboration over time — two queries
    (three for an evaluator), suppressed for evaluators; nothing for other roles."""
    if not user.is_authenticated or user.role not in REPORT_VIEWERS:
        return []
    today = datetime.date.today()
    start = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    org_ids = (user.organisation_id,)
    scope = Scope(org_ids, start, today, today)
    data = {
        "referrals_per_month": figures.referrals_per_month(scope),
        "active_over_time": figures.active_over_time(scope),
    }
    layout = Layout()
    tables = [_referrals_per_month(layout, data), _active_over_time(layout, data)]
    k = smallest_shown(org_ids) if user.role == EVALUATOR else None
    finish(tables, suppress.suppress(layout.values, layout.lines, k) if k else {}, k, None)
    for table in tables:  # a person reads these: Danish dates, not the machine's ISO keys
        for row in table.rows:
            row.label = _danish_day(row.label)
    return [(table, charts.draw(table)) for table in tables]


def _danish_day(label):
    """ "2026-03-31" → "31.03.2026"; any other label as it is."""
    try:
        return datetime.date.fromisoformat(str(label)).strftime("%d.%m.%Y")
    except ValueError:
        return label
