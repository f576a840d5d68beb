"""Batch loaders for the case page (issues 14 and 15): the case with what its header shows in one
query (with_case_labels), and every kind of row the page shows (contacts, matches, notes, status
changes, measurements, closings, and the plugins' rows from brobygger_case_queries) together in
ONE statement (rows_in_one_query). tests/test_performance.py holds the case page to 10 queries,
whatever the number of rows; every loader selects by the case alone (the case itself was fetched
through the user's scope)."""

import json

from peewee import JOIN, DateTimeField, PostgresqlDatabase, Select, fn

from models.activity import Activity
from models.citizen import Citizen
from models.lookups import ContactKind, ReferralChannel, ReferralReason
from models.outcomes import CaseClosure, ClosureReason, Instrument, Measurement
from models.referral import CaseNote, Contact, Match, Referral, ReferralReasonLink
from models.user import User
from models.workflow import StatusChange

SEPARATOR = "\x1f"  # ASCII unit separator: never in a reason's name


def _reason_names():
    """A correlated sub-select: the names of the case's reasons, joined by SEPARATOR."""
    database = Referral._meta.database
    database = getattr(database, "obj", database)
    if isinstance(database, PostgresqlDatabase):
        names = fn.STRING_AGG(ReferralReason.name, SEPARATOR)
    else:
        names = fn.GROUP_CONCAT(ReferralReason.name, SEPARATOR)
    return (
        ReferralReasonLink.select(names)
        .join(ReferralReason, on=(ReferralReasonLink.reason == ReferralReason.id))
        .where(ReferralReasonLink.referral == Referral.id)
    )


def reason_names(referral):
    """The case's reasons' names in alphabetical order (from with_case_labels, or one query)."""
    joined = getattr(referral, "case_reason_names", None)
    if joined is None and "case_reason_names" not in referral.__dict__:
        joined = Referral.select(_reason_names().alias("names")).where(Referral.id == referral.id).scalar()
    return sorted((joined or "").split(SEPARATOR)) if joined else []


def with_case_labels(query):
    """`query` on Referral, with the citizen, channel, bridge builder and reasons' names in (one query)."""
    return (
        query.select_extend(
            Citizen,
            ReferralChannel.id,
            ReferralChannel.name,
            User.id,
            User.name,
            _reason_names().alias("case_reason_names"),
        )
        .join(Citizen, on=(Referral.citizen == Citizen.id))
        .switch(Referral)
        .join(ReferralChannel, JOIN.LEFT_OUTER, on=(Referral.channel == ReferralChannel.id))
        .switch(Referral)
        .join(User, JOIN.LEFT_OUTER, on=(Referral.assigned_to == User.id))
        .switch(Referral)
    )


# The case page's rows, as queries (run together by rows_in_one_query), with only the columns the
# page shows of what they join (a user's name, not their password hash). They select by the case
# alone: the case itself was fetched through the user's scope, and an organisation filter here
# makes SQLite walk the organisation's whole (organisation, date) index instead of the case's own
# (measured: 221-347 ms at 200 000 cases).
def case_contacts(referral_id, limit=200):
    """The case's contacts, newest first, with their kinds."""
    return (
        Contact.select(Contact, ContactKind.id, ContactKind.name)
        .join(ContactKind, JOIN.LEFT_OUTER, on=(Contact.kind == ContactKind.id))
        .where(Contact.referral == referral_id)
        .order_by(Contact.date.desc(), Contact.id.desc())
        .limit(limit)
    )


def _activity_columns(activity):  # what the case page shows of an activity
    return (activity.id, activity.name, activity.is_practice, activity.leads_to)


def case_matches(referral_id):
    """The case's matches with their activities and what each practice community leads to."""
    leads_to = Activity.alias()
    return (
        Match.select(Match, *_activity_columns(Activity), leads_to.id, leads_to.name)
        .join(Activity, on=(Match.activity == Activity.id))
        .join(leads_to, JOIN.LEFT_OUTER, on=(Activity.leads_to == leads_to.id))
        .where(Match.referral == referral_id)
        .order_by(Match.created_at, Match.id)
    )


def case_status_changes(referral_id, limit=50):
    """The case's status changes, newest first, with who made them."""
    return (
        StatusChange.select(StatusChange, User.id, User.name)
        .join(User, JOIN.LEFT_OUTER, on=(StatusChange.by == User.id))
        .where(StatusChange.referral == referral_id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(limit)
    )


def case_closures(referral_id):
    """The case's closings (a reopened case keeps them), newest first, with their reasons."""
    return (
        CaseClosure.select(CaseClosure, ClosureReason.id, ClosureReason.name)
        .join(ClosureReason, on=(CaseClosure.reason == ClosureReason.id))
        .where(CaseClosure.referral == referral_id)
        .order_by(CaseClosure.id.desc())
    )


def case_notes(referral_id, limit=200):
    """The case's notes, newest first, with their authors."""
    return (
        CaseNote.select(CaseNote, User.id, User.name)
        .join(User, JOIN.LEFT_OUTER, on=(CaseNote.by == User.id))
        .where(CaseNote.referral == referral_id)
        .order_by(CaseNote.date.desc(), CaseNote.id.desc())
        .limit(limit)
    )


def case_measurements(referral_id):
    """The case's outcome measurements in the order they were taken, with their instruments."""
    return (
        Measurement.select(Measurement, Instrument.id, Instrument.name, Instrument.higher_is_better)
        .join(Instrument, on=(Measurement.instrument == Instrument.id))
        .where(Measurement.referral == referral_id)
        .order_by(Measurement.taken_on, Measurement.id)
    )


# -- several SELECTs in one statement ----------------------------------------------------------
# The case page shows a dozen kinds of rows (contacts, matches, notes, status changes,
# measurements, closings and the plugins' rows). Loaded one query each they cost a round trip
# each; `rows_in_one_query` sends them as ONE statement instead: every query becomes a scalar
# sub-select that returns its rows as a JSON array, and the rows are then turned into model
# instances by the query's own peewee row machinery (joined models, field converters), exactly
# as if the query had run alone.


class _JsonRows:
    """A DB-API cursor over rows decoded from JSON (what peewee's cursor wrappers read)."""

    def __init__(self, names, rows):
        self.description = [(name,) for name in names]
        self._rows = iter(rows)

    def fetchone(self):
        return next(self._rows, None)

    def close(self):
        pass


def _is_postgres(database):
    return isinstance(getattr(database, "obj", database), PostgresqlDatabase)


def _column_name(node):
    """The name a database reports for a selected node (what peewee's wrappers expect)."""
    if node.is_alias():
        return node._alias
    unwrapped = node.unwrap()
    return getattr(unwrapped, "column_name", None) or getattr(unwrapped, "name", None) or "?"


def _as_json_array(query, postgres):
    """`query` as a scalar sub-select: one JSON array of its rows (each an array of its columns,
    then the row's place in the query's order)."""
    columns = list(query._returning)
    inner = query.clone()
    order = fn.ROW_NUMBER().over(order_by=list(query._order_by or ()) or None)
    inner._returning = [node.unwrap().alias(f"c{i}") for i, node in enumerate(columns)] + [order.alias("n")]
    table = inner.alias("rows_")
    cells = [table.c[f"c{i}"] for i in range(len(columns))] + [table.c.n]
    if len(cells) > 100:  # PostgreSQL's json_build_array takes at most 100 arguments, SQLite 127
        raise ValueError(f"{len(columns)} columns: select only the columns the page shows")
    if postgres:
        rows = fn.JSON_AGG(fn.JSON_BUILD_ARRAY(*cells))
    else:
        rows = fn.JSON_GROUP_ARRAY(fn.JSON_ARRAY(*cells))
    return Select([table], [rows])


def _decode(query, value):
    """The rows of one sub-select, in the query's order, as the query itself would give them."""
    if value is None:  # PostgreSQL's json_agg of no rows
        rows = []
    elif isinstance(value, (bytes, str)):
        rows = json.loads(value)
    else:
        rows = value
    rows.sort(key=lambda row: row[-1])
    columns = list(query._returning)
    datetimes = [i for i, node in enumerate(columns) if isinstance(node.unwrap(), DateTimeField)]
    decoded = []
    for row in rows:
        row = row[:-1]
        for i in datetimes:  # PostgreSQL's JSON writes 2025-01-07T09:00:00; peewee reads a space
            if isinstance(row[i], str):
                row[i] = row[i].replace("T", " ")
        decoded.append(tuple(row))
    cursor = _JsonRows([_column_name(node) for node in columns], decoded)
    return list(query._get_cursor_wrapper(cursor))


def rows_in_one_query(**queries):
    """Run several SELECT queries (peewee, each with its own WHERE/ORDER/LIMIT and joins) as ONE
    statement; returns {name: [rows]} with the rows each query would have returned."""
    if not queries:
        return {}
    names = list(queries)
    database = queries[names[0]].model._meta.database
    postgres = _is_postgres(database)
    statement = Select(columns=[_as_json_array(queries[n], postgres).alias(f"q{i}") for i, n in enumerate(names)])
    values = database.execute(statement).fetchone()
    return {name: _decode(queries[name], values[i]) for i, name in enumerate(names)}
