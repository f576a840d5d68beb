"""A whole report: every figure as plain data (`report_data`), and the same figures laid out as
tables (`present`), suppressed for evaluators, for the page, the charts and the exports.

Suppression treats the whole report as one problem: every published count is a cell with a
stable id, and every table row, column and margin that adds up to a shown total is a line
(`reports.suppress`). Cells shared between tables (the active citizens on the reference date,
the number of referrals) have one id, so they are hidden alike everywhere.
"""

import datetime
from dataclasses import dataclass, field

from flask_babel import format_decimal

from i18n import _l
from models import Organisation, User
from reports import figures, suppress
from reports.figures import CONTINUES, ENDS, NONE_KEY, RULES, Scope

GENDER_LABELS = {"male": _l("Men"), "female": _l("Women"), "other": _l("Other or not stated")}
GENDER_ORDER = ("male", "female", "other")


def report_data(organisation_ids, start, end, on):
    """Every figure of the report for these organisations, period and reference date, as plain
    data (dicts, lists, numbers, strings) — what the page, the exports and tests compare."""
    scope = Scope(tuple(sorted(organisation_ids)), start, end, on)
    # A figure by bridge builder or by reason counts the same citizens or cases as the one by
    # gender or by channel: its total is that one's (a unit in two groups counts once in it).
    active = figures.active_by_gender(scope)
    new = figures.new_by_gender(scope)
    by_channel = figures.referrals_by_channel(scope)
    return {
        "scope": {"organisation_ids": list(scope.organisation_ids), "start": start, "end": end, "on": on},
        "active": active,
        "active_by_builder": figures.active_by_builder(scope, total=active["total"]),
        "new": new,
        "new_by_builder": figures.new_by_builder(scope, total=new["total"]),
        "referrals_by_channel": by_channel,
        "referrals_by_reason": figures.referrals_by_reason(scope, total=by_channel["total"]),
        "referrals_by_age": figures.referrals_by_age(scope),
        "closings_by_reason": figures.closings_by_reason(scope),
        "closings_continuing": figures.closings_continuing(scope),
        "open_too_long": figures.open_too_long(scope),
        "days_to_contact": figures.days_to_contact(scope),
        "days_to_joined": figures.days_to_joined(scope),
        "caseload": figures.caseload(scope),
        "attendance": figures.attendance(scope),
        "practice": figures.practice_communities(scope),
        "volunteers": figures.volunteers(scope),
        "outcomes": figures.outcomes(scope),
        "referrals_per_month": figures.referrals_per_month(scope),
        "active_over_time": figures.active_over_time(scope),
    }


# -- tables --------------------------------------------------------------------------------------
@dataclass
class Cell:
    id: tuple
    value: object  # a count (int), or a number that is not a count (median, mean, share) or None
    count: bool = True
    link: tuple = None  # (figure, key) of the cases behind it
    fmt: str = None  # "decimal", "signed", "percent" for numbers that are not counts
    shown: object = None  # filled in by present()
    href: str = None


@dataclass
class Row:
    label: str
    cells: list
    total: bool = False


@dataclass
class Table:
    id: str
    title: str
    rule: str
    columns: list
    rows: list = field(default_factory=list)
    chart: str = None  # the chart kind drawn from this table (reports.charts)


class Layout:
    """Collects the tables and the suppression lines of one report."""

    def __init__(self, prefix=()):
        self.prefix = prefix
        self.tables = []
        self.lines = []
        self.values = {}

    def cell(self, cell_id, value, **kw):
        cell = Cell(self.prefix + cell_id, value, **kw)
        if cell.count:
            self.values[cell.id] = int(value or 0)
        return cell

    def line(self, cells, total):
        self.lines.append(([c.id for c in cells], total.id))


def _sorted_groups(groups):
    return sorted(groups, key=lambda k: (k == NONE_KEY, str(groups[k].get("label") or k)))


def _distribution(layout, table_id, title, rule, data, figure, labels, columns, **how):
    """A one-way table: a row per group and a total row, one suppression line.

    `how`: keys (the rows, in order), key_id / total_id (cell ids shared with other tables),
    line=False when another table already declares the line."""
    table = Table(table_id, title, rule, columns)
    key_id = how.get("key_id") or (lambda key: (table_id, key))
    cells = []
    keys = how.get("keys")
    for key in keys if keys is not None else _sorted_groups(data["groups"]):
        group = data["groups"].get(key, {})
        cell = layout.cell(key_id(key), group.get("n", 0), link=(figure, key))
        cells.append(cell)
        table.rows.append(Row(str(labels(key, group)), [cell]))
    total = layout.cell(how.get("total_id") or (table_id, "total"), data["total"], link=(figure, None))
    table.rows.append(Row(str(_l("Total")), [total], total=True))
    if how.get("line", True):
        layout.line(cells, total)
    return table


def build_tables(data, layout, builder_label):
    """The report's tables from `report_data` output, in page order."""

    def group_label(key, group):
        if key == NONE_KEY:
            return _l("Not stated")
        return group.get("label") or key

    def gender(key, _group):
        return GENDER_LABELS.get(key, key)

    citizens, cases = [str(_l("Citizens"))], [str(_l("Cases"))]
    tables = layout.tables
    on = data["scope"]["on"].isoformat()
    active_total = ("active_at", on, "total")  # the same cells as that date in the series, if it is one
    tables.append(
        _distribution(
            layout,
            "active",
            _l("In active collaboration on the reference date"),
            RULES["active"],
            data["active"],
            "active",
            gender,
            citizens,
            keys=list(GENDER_ORDER),
            key_id=lambda key: ("active_at", on, key),
            total_id=active_total,
        )
    )
    tables.append(
        _distribution(
            layout,
            "active_by_builder",
            _l("In active collaboration per bridge builder"),
            RULES["active_by_builder"],
            data["active_by_builder"],
            "active_by_builder",
            builder_label,
            citizens,
            total_id=active_total,
        )
    )
    tables.append(
        _distribution(
            layout,
            "new",
            _l("New citizens in the period"),
            RULES["new"],
            data["new"],
            "new",
            gender,
            citizens,
            keys=list(GENDER_ORDER),
            total_id=("new", "total"),
        )
    )
    tables.append(
        _distribution(
            layout,
            "new_by_builder",
            _l("New citizens per bridge builder"),
            RULES["new_by_builder"],
            data["new_by_builder"],
            "new_by_builder",
            builder_label,
            citizens,
            total_id=("new", "total"),
        )
    )
    tables.append(_referrals_per_month(layout, data))
    # The channel table is the month × channel table's column margin: the same cells and lines.
    tables.append(
        _distribution(
            layout,
            "referrals_by_channel",
            _l("Referrals in the period per channel"),
            RULES["referrals_by_channel"],
            data["referrals_by_channel"],
            "referrals_by_channel",
            group_label,
            cases,
            key_id=lambda key: ("month_channel", "col", key),
            total_id=("referrals", "total"),
            line=False,
        )
    )
    for table_id, title in (
        ("referrals_by_reason", _l("Referrals in the period per reason")),
        ("referrals_by_age", _l("Referrals in the period per age band")),
    ):
        tables.append(
            _distribution(
                layout,
                table_id,
                title,
                RULES[table_id],
                data[table_id],
                table_id,
                group_label,
                cases,
                total_id=("referrals", "total"),
            )
        )
    closings = _distribution(
        layout,
        "closings_by_reason",
        _l("Closings in the period per reason"),
        RULES["closings_by_reason"],
        data["closings_by_reason"],
        "closings_by_reason",
        group_label,
        [str(_l("Closings"))],
    )
    closings.chart = "bars"
    tables.append(closings)
    continuing = {CONTINUES: _l("Continues in a lasting activity"), ENDS: _l("Does not continue in one")}
    tables.append(
        _distribution(
            layout,
            "closings_continuing",
            _l("Closings: the citizen continues in a lasting activity"),
            RULES["closings_continuing"],
            data["closings_continuing"],
            "closings_continuing",
            lambda key, _group: continuing[key],
            [str(_l("Closings"))],
            keys=[CONTINUES, ENDS],
            total_id=("closings_by_reason", "total"),
        )
    )
    tables.append(
        _distribution(
            layout,
            "caseload",
            _l("Caseload per bridge builder on the reference date"),
            RULES["caseload"],
            data["caseload"],
            "caseload",
            builder_label,
            cases,
        )
    )
    single = Table("open_too_long", _l("Cases open longer than the limit"), RULES["open_too_long"], cases)
    count = layout.cell(("open_too_long",), data["open_too_long"], link=("open_too_long", None))
    single.rows.append(Row(str(_l("Cases")), [count]))
    tables.append(single)
    days = Table(
        "days",
        _l("Days to first contact and to the first activity"),
        f"{RULES['days_to_contact']} {RULES['days_to_joined']}",
        [str(_l("Cases")), str(_l("Median days"))],
    )
    for figure, label in (
        ("days_to_contact", _l("To first contact")),
        ("days_to_joined", _l("To the first activity joined")),
    ):
        n = layout.cell((figure, "n"), data[figure]["n"], link=(figure, None))
        median = layout.cell((figure, "median"), data[figure]["median"], count=False, fmt="decimal")
        median.depends = (n.id,)
        days.rows.append(Row(str(label), [n, median]))
    tables.append(days)
    tables.append(_attendance(layout, data))
    tables.append(_practice(layout, data))
    volunteers = Table("volunteers", _l("Citizens who became volunteers"), RULES["volunteers"], citizens)
    count = layout.cell(("volunteers",), data["volunteers"], link=("volunteers", None))
    volunteers.rows.append(Row(str(_l("Citizens")), [count]))
    tables.append(volunteers)
    tables.append(_outcomes(layout, data))
    tables.append(_active_over_time(layout, data))
    return tables


def _referrals_per_month(layout, data):
    per_month = data["referrals_per_month"]
    keys = sorted(per_month["labels"], key=lambda k: (k == NONE_KEY, str(per_month["labels"][k] or k)))
    labels = [str(per_month["labels"][k] or _l("Not stated")) for k in keys]
    table = Table(
        "referrals_per_month",
        _l("Referrals per month by channel"),
        RULES["referrals_per_month"],
        labels + [str(_l("Total"))],
        chart="stacked",
    )
    col_cells = {k: [] for k in keys}
    for month, counts in per_month["months"].items():
        cells = [layout.cell(("month_channel", month, k), counts.get(k, 0)) for k in keys]
        total = layout.cell(("month_channel", "row", month), sum(counts.values()))
        for k, cell in zip(keys, cells, strict=True):
            col_cells[k].append(cell)
        layout.line(cells, total)
        table.rows.append(Row(month, [*cells, total]))
    margins = [layout.cell(("month_channel", "col", k), sum(c.value for c in col_cells[k])) for k in keys]
    grand = layout.cell(("referrals", "total"), sum(m.value for m in margins))
    for k, margin in zip(keys, margins, strict=True):
        layout.line(col_cells[k], margin)
    layout.line(margins, grand)
    layout.line([r.cells[-1] for r in table.rows], grand)
    table.rows.append(Row(str(_l("Total")), [*margins, grand], total=True))
    table.table_keys = keys
    return table


def _attendance(layout, data):
    columns = [str(_l("Sessions")), str(_l("Head count")), str(_l("Referred participants"))]
    table = Table("attendance", _l("Attendance per activity in the period"), RULES["attendance"], columns)
    per_column = {name: [] for name in ("sessions", "head_count", "referred")}
    for key, row in sorted(data["attendance"].items(), key=lambda item: item[1]["label"]):
        cells = [layout.cell(("attendance", key, name), row[name]) for name in per_column]
        for name, cell in zip(per_column, cells, strict=True):
            per_column[name].append(cell)
        table.rows.append(Row(row["label"], cells))
    totals = [layout.cell(("attendance", "total", name), sum(c.value for c in per_column[name])) for name in per_column]
    for name, total in zip(per_column, totals, strict=True):
        layout.line(per_column[name], total)
    table.rows.append(Row(str(_l("Total")), totals, total=True))
    return table


def _practice(layout, data):
    columns = [str(_l("Took part")), str(_l("Moved on to the lasting activity"))]
    table = Table("practice", _l("Practice communities"), RULES["practice"], columns)
    for key, row in sorted(data["practice"].items(), key=lambda item: item[1]["label"]):
        n = layout.cell(("practice", key, "n"), row["n"], link=("practice", key))
        moved = layout.cell(("practice", key, "moved"), row["moved_on"], link=("practice_moved_on", key))
        stayed = layout.cell(("practice", key, "stayed"), row["n"] - row["moved_on"])
        layout.line([moved, stayed], n)
        table.rows.append(Row(row["label"], [n, moved]))
    return table


def _outcomes(layout, data):
    columns = [str(_l("Cases")), str(_l("Mean change")), str(_l("Share improved"))]
    table = Table("outcomes", _l("Outcome change from intake to closure"), RULES["outcomes"], columns, chart="bars")
    for key, row in sorted(data["outcomes"].items(), key=lambda item: item[1]["label"]):
        n = layout.cell(("outcomes", key, "n"), row["n"])
        better = layout.cell(("outcomes", key, "improved"), row["improved"])
        other = layout.cell(("outcomes", key, "not_improved"), row["n"] - row["improved"])
        layout.line([better, other], n)
        mean = layout.cell(("outcomes", key, "mean"), row["mean_change"], count=False, fmt="signed")
        mean.depends = (n.id,)
        share = layout.cell(
            ("outcomes", key, "share"), row["improved"] / row["n"] if row["n"] else None, count=False, fmt="percent"
        )
        share.depends = (n.id, better.id, other.id)
        table.rows.append(Row(row["label"], [n, mean, share]))
    return table


def _active_over_time(layout, data):
    columns = [str(GENDER_LABELS[g]) for g in GENDER_ORDER] + [str(_l("Total"))]
    table = Table(
        "active_over_time",
        _l("Active collaboration over time by gender"),
        RULES["active_over_time"],
        columns,
        chart="lines",
    )
    for day, counts in data["active_over_time"].items():
        cells = [layout.cell(("active_at", day, g), counts.get(g, 0)) for g in GENDER_ORDER]
        total = layout.cell(("active_at", day, "total"), sum(counts.values()))
        layout.line(cells, total)
        table.rows.append(Row(day, [*cells, total]))
    return table


# -- presenting ----------------------------------------------------------------------------------
def _format(value, fmt):
    if value is None:
        return "–"
    if fmt == "decimal":
        return format_decimal(value, "0.0")
    if fmt == "signed":
        return ("+" if value > 0 else "") + format_decimal(value, "0.00")
    if fmt == "percent":
        return format_decimal(value * 100, "0") + "%"
    return value


def present(data, k=None, link=None, builder_names=None, layout=None):
    """The report's tables with every cell's shown value.

    `k`: suppress for an evaluator (no links then, bridge builders numbered, not named).
    `link(figure, key)`: the URL of the cases behind a figure, for roles that see cases."""
    layout = layout or Layout()
    names = builder_names or {}
    numbered = {}

    def builder_label(key, _group):
        if key == NONE_KEY:
            return _l("No bridge builder")
        if k is not None:
            return _l("Bridge builder %(n)s", n=letter(numbered.setdefault(key, len(numbered))))
        return names.get(key, key)

    tables = build_tables(data, layout, builder_label)
    state = suppress.suppress(layout.values, layout.lines, k) if k is not None else {}
    finish(tables, state, k, link)
    return tables


def letter(index):
    """A, B, ... Z, A2, B2...: bridge builders as evaluators see them (no names, no numbers that
    could be read as a count)."""
    return chr(ord("A") + index % 26) + (str(index // 26 + 1) if index >= 26 else "")


def finish(tables, state, k, link):
    """Fill in what each cell shows (and links to), given the suppression state."""
    for table in tables:
        table.k = k
        for row in table.rows:
            for cell in row.cells:
                if cell.count:
                    cell.shown = (
                        suppress.shown(int(cell.value or 0), state.get(cell.id), k) if k else int(cell.value or 0)
                    )
                else:
                    depends = getattr(cell, "depends", ())
                    hidden = k is not None and any(state.get(d) for d in depends)
                    cell.shown = "×" if hidden else _format(cell.value, cell.fmt)
                cell.href = link(*cell.link) if link and cell.link and k is None and cell.shown else None


def builder_names(data):
    ids = set()
    for figure in ("active_by_builder", "new_by_builder", "caseload"):
        ids |= {key for key in data[figure]["groups"] if key != NONE_KEY}
    if not ids:
        return {}
    return {str(u.id): u.name for u in User.select(User.id, User.name).where(User.id.in_([int(i) for i in ids]))}


def organisation_names(organisation_ids):
    return [
        o.name
        for o in Organisation.select(Organisation.name)
        .where(Organisation.id.in_(list(organisation_ids)))
        .order_by(Organisation.name)
    ]


def smallest_shown(organisation_ids):
    """The k of a report over these organisations: the largest any of them asks for."""
    ks = [
        k or 5
        for (k,) in Organisation.select(Organisation.report_k)
        .where(Organisation.id.in_(list(organisation_ids)))
        .tuples()
    ]
    return max(ks or [5])


def default_period(today=None):
    today = today or datetime.date.today()
    start = today.replace(month=1, day=1)
    return start, today, today
