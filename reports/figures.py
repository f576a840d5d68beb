"""The counting rules, written once: one function per figure of the report.

Every figure is an SQL aggregate over a *base* query — the rows the figure counts (a case, its
citizen and the group it falls in) — so the list of cases behind a figure is the same query
without the aggregate (`cases_behind`). Statuses and bridge builders are read from their
histories (`StatusChange.effective_on`, `CaseAssignment`), never from the case's current state,
so a report for a past date gives the same answer after later changes. "Status on date D" is read
from the status intervals that triggers keep in step with the history (`models.intervals`).

`Scope` says which organisations, which period (from–to, both included) and which reference
date. Each function returns plain data (dicts, lists, numbers); `RULES` holds the one-line
counting rule shown beside each figure.
"""

import datetime
from dataclasses import dataclass

from peewee import JOIN, SQL, Case, PostgresqlDatabase, Select, Value, fn

from extensions import db
from i18n import _l
from models import (
    Activity,
    ActivitySession,
    Attendance,
    CaseAssignment,
    CaseClosure,
    Citizen,
    ClosureReason,
    Instrument,
    Match,
    Measurement,
    Organisation,
    Referral,
    ReferralChannel,
    ReferralReason,
    ReferralReasonLink,
)
from models.citizen import AGE_BANDS
from models.intervals import StatusInterval
from models.referral import ACTIVE, CONTACTED, JOINED, OPEN_STATUSES, STOPPED, TRIED, WAITING

# "In active collaboration": contacted, active or waiting on the date (not received: nobody has
# talked with the citizen yet; not closed or declined).
COLLABORATING = (CONTACTED, ACTIVE, WAITING)
NONE_KEY = "-"  # the group of rows without a channel, a bridge builder, a birth year...

RULES = {
    "active": _l(
        "Active collaboration = citizens with a case whose status on the reference date was Contacted, "
        "Active or Waiting (from the status history)."
    ),
    "active_by_builder": _l(
        "Per bridge builder: the bridge builder the case was assigned to on the reference date; a citizen "
        "with cases at two bridge builders counts at both."
    ),
    "new": _l(
        "New citizens = citizens whose first case in the organisation was received in the period "
        "(a citizen referred twice counts once)."
    ),
    "new_by_builder": _l("Per bridge builder: the bridge builder of the citizen's first case on the reference date."),
    "referrals_by_channel": _l("Referrals = cases received in the period, each counted once, by referral channel."),
    "referrals_by_reason": _l(
        "Referrals received in the period by reason; a referral with two reasons counts under both."
    ),
    "referrals_by_age": _l("Referrals received in the period by the citizen's age on the reference date."),
    "closings_by_reason": _l(
        "Closings = closings dated in the period, by closure reason (a case reopened and closed again counts twice)."
    ),
    "closings_continuing": _l(
        "Continues in a lasting activity = closings in the period where the citizen had joined an activity that "
        "is not a practice community and it was still ongoing at the closing (the closing ends the practice "
        "community's match, not this one)."
    ),
    "open_too_long": _l(
        "Cases open on the reference date (Received, Contacted, Active or Waiting) that were received longer "
        "ago than the organisation's case length limit."
    ),
    "days_to_contact": _l(
        "Median days from received to first contact, for cases received in the period and contacted by the "
        "reference date."
    ),
    "days_to_joined": _l(
        "Median days from received to the first activity joined, for cases received in the period that "
        "joined one by the reference date."
    ),
    "caseload": _l(
        "Caseload = open cases (Received, Contacted, Active or Waiting) on the reference date per bridge builder."
    ),
    "attendance": _l(
        "Sessions held in the period per activity, their head counts added up, and the referred citizens "
        "recorded as attending."
    ),
    "practice": _l(
        "Practice communities: citizens who took part in the period, and of those how many joined the lasting "
        "activity it leads to by the reference date."
    ),
    "volunteers": _l("Volunteers = citizens who started an activity as a volunteer in the period."),
    "outcomes": _l(
        "Outcome change = the score at the last closure measurement in the period minus the first intake score "
        "of the same case and instrument; improved = changed in the instrument's better direction."
    ),
    "referrals_per_month": _l("Referrals received per month of the period, by channel."),
    "active_over_time": _l("Citizens in active collaboration at each month's end in the period, by gender."),
}


@dataclass(frozen=True)
class Scope:
    """Which organisations, which period (both dates included) and which reference date."""

    organisation_ids: tuple
    start: datetime.date
    end: datetime.date
    on: datetime.date


# -- dialect helpers ---------------------------------------------------------------------------
def _postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def _days(later, earlier):
    if _postgres():
        return (later - earlier).cast("INTEGER")
    return (fn.julianday(later) - fn.julianday(earlier)).cast("INTEGER")


def _month(field):
    """'YYYY-MM' of a date column."""
    if _postgres():
        return fn.to_char(field, "YYYY-MM")
    return fn.strftime("%Y-%m", field)


def stable_key(model):
    """The key entries of a list are compared by across organisations: the entry's stable `code`
    where the list has one, else its name. The one place to change when every list has codes."""
    if "code" in model._meta.fields:
        return fn.COALESCE(fn.NULLIF(model.code, ""), model.name)
    return model.name


def _in_scope(model, scope):
    return model.organisation.in_(list(scope.organisation_ids))


# -- histories ---------------------------------------------------------------------------------
def _dates_table(dates):
    """SELECT d1 AS on_date UNION ALL SELECT d2 ... (SQLite names no VALUES columns)."""
    query = None
    for day in dates:
        part = Select(columns=[Value(day).alias("on_date")])
        query = part if query is None else query.union_all(part)
    return query


def cases_in_status_on(scope, statuses, dates):
    """(case_id, citizen_id, on_date) of the scope's cases whose status on each of `dates` was in
    `statuses`: from the materialised status intervals (models/intervals.py), which the index
    (organisation, status, until_on, from_on) answers with the intervals still going on the date."""
    si = StatusInterval.alias("si")
    days = _dates_table(dates).alias("days")
    return (
        Select(
            from_list=[si],
            columns=[si.referral.alias("case_id"), si.citizen.alias("citizen_id"), days.c.on_date],
        )
        .join(days, on=((si.until_on > days.c.on_date) & (si.from_on <= days.c.on_date)))
        .where(si.organisation.in_(list(scope.organisation_ids)) & si.status.in_(list(statuses)))
    )


def builders_on(scope):
    """(case_id, builder_id, has_history) of the scope's cases with an assignment history: the
    bridge builder each was assigned to at the end of the reference date (NULL when the history
    starts after it), by one window over the history instead of a look-up per case."""
    ca = CaseAssignment.alias("ca")
    cr = Referral.alias("cr")
    on = scope.on
    not_yet = Case(None, [(ca.effective_on <= on, 0)], 1)
    rank = fn.ROW_NUMBER().over(
        partition_by=[ca.referral], order_by=[not_yet, ca.effective_on.desc(), ca.at.desc(), ca.id.desc()]
    )
    ranked = (
        ca.select(
            ca.referral.alias("case_id"),
            Case(None, [(ca.effective_on <= on, ca.assigned_to)], None).alias("builder_id"),
            rank.alias("rank"),
        )
        .join(cr, on=(cr.id == ca.referral))
        .where(cr.organisation.in_(list(scope.organisation_ids)))
        .alias("ranked")
    )
    return (
        Select(from_list=[ranked], columns=[ranked.c.case_id, ranked.c.builder_id])
        .where(ranked.c.rank == 1)
        .alias("bo")
    )


def with_builder(query, scope):
    """`query` (on Referral) joined to `builders_on`; returns (query, builder expression): the
    bridge builder on the reference date from the assignment history where the case has one,
    else its current bridge builder (a case with no history has had it all along)."""
    bo = builders_on(scope)
    query = query.join(bo, JOIN.LEFT_OUTER, on=(bo.c.case_id == Referral.id))
    return query, Case(None, [(bo.c.case_id.is_null(False), bo.c.builder_id)], Referral.assigned_to)


def gender_key():
    """Men, women, and other or not stated together (SQL)."""
    return Case(Citizen.gender, [("male", "male"), ("female", "female")], "other")


def _key(expr):
    """A group key as text ('-' for none), so keys compare alike on both databases."""
    return fn.COALESCE(expr.cast("VARCHAR"), NONE_KEY)


# -- bases: the rows each figure counts -----------------------------------------------------------
def base_active(scope, by_builder=False):
    """Cases in active collaboration on the reference date, by gender (or by bridge builder)."""
    hits = cases_in_status_on(scope, COLLABORATING, [scope.on]).alias("hit")
    if not by_builder:
        # The intervals carry the case's citizen: by gender needs no look-up of the case itself
        # (250 000 of them at 500 000 referrals; 2.3 -> 1.4 s on SQLite).
        return Citizen.select(hits.c.case_id, hits.c.citizen_id, gender_key().alias("key")).join(
            hits, on=(hits.c.citizen_id == Citizen.id)
        )
    query = Referral.select().join(hits, on=(hits.c.case_id == Referral.id)).switch(Referral)
    query, key = with_builder(query, scope)
    return query.select(Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), _key(key).alias("key"))


def base_active_by_builder(scope):
    return base_active(scope, by_builder=True)


def _first_case(scope):
    """Cases that are their citizen's first in the organisation and were received in the period:
    no case of the citizen was received before it (cases received the same first day all count)."""
    earlier = Referral.alias("earlier")
    # A citizen belongs to one organisation, so all of their cases are in it; by citizen alone the
    # sub-select probes the citizen index (with the organisation SQLite scanned the organisation).
    # NOT EXISTS rather than `= (SELECT MIN …)`: an anti-join PostgreSQL estimates well; the
    # correlated MIN's cost estimate set off JIT compilation (0.5 s a query at 500 000).
    none_before = ~fn.EXISTS(
        earlier.select(SQL("1")).where(
            (earlier.citizen == Referral.citizen) & (earlier.received_on < Referral.received_on)
        )
    )
    return _in_scope(Referral, scope) & Referral.received_on.between(scope.start, scope.end) & none_before


def base_new(scope):
    return (
        Referral.select(Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), gender_key().alias("key"))
        .join(Citizen, on=(Citizen.id == Referral.citizen))
        .where(_first_case(scope))
    )


def base_new_by_builder(scope):
    query, key = with_builder(Referral.select(), scope)
    return query.select(
        Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), _key(key).alias("key")
    ).where(_first_case(scope))


def _received_in_period(scope):
    return _in_scope(Referral, scope) & Referral.received_on.between(scope.start, scope.end)


def _by_list(query, lookup, on, where, join_type=JOIN.LEFT_OUTER):
    """`query` (the ids of the rows counted) grouped by the entries of a list (`lookup`): the
    entry's stable key as `key`, its name as `label` (a row without one: key '-')."""
    return (
        query.select_extend(_key(stable_key(lookup)).alias("key"), lookup.name.alias("label"))
        .join(lookup, join_type, on=on)
        .where(where)
    )


def _referral_ids(*extra):
    return Referral.select(Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), *extra)


def base_referrals_by_channel(scope, by_month=False):
    month = [_month(Referral.received_on).alias("month")] if by_month else []
    return _by_list(
        _referral_ids(*month), ReferralChannel, ReferralChannel.id == Referral.channel, _received_in_period(scope)
    )


def base_referrals_by_reason(scope):
    linked = _referral_ids().join(ReferralReasonLink, JOIN.LEFT_OUTER, on=(ReferralReasonLink.referral == Referral.id))
    return _by_list(linked, ReferralReason, ReferralReason.id == ReferralReasonLink.reason, _received_in_period(scope))


def age_band_expr(year):
    """The age band of a citizen in `year` (SQL), by birth year; '-' when it is not known."""
    age = Value(year) - Citizen.birth_year
    return Case(
        None,
        [(Citizen.birth_year.is_null(), NONE_KEY)] + [(age <= high, label) for _low, high, label in AGE_BANDS],
        AGE_BANDS[-1][2],
    )


def base_referrals_by_age(scope):
    return (
        Referral.select(
            Referral.id.alias("case_id"),
            Referral.citizen.alias("citizen_id"),
            age_band_expr(scope.on.year).alias("key"),
        )
        .join(Citizen, on=(Citizen.id == Referral.citizen))
        .where(_received_in_period(scope))
    )


def base_closings_by_reason(scope):
    closings = CaseClosure.select(CaseClosure.referral.alias("case_id"), CaseClosure.id.alias("unit_id"))
    in_period = _in_scope(CaseClosure, scope) & CaseClosure.closed_on.between(scope.start, scope.end)
    return _by_list(closings, ClosureReason, ClosureReason.id == CaseClosure.reason, in_period, JOIN.INNER)


CONTINUES, ENDS = "continues", "ends"


def base_closings_continuing(scope):
    """Closings in the period, key `continues` when the citizen stayed in a lasting activity: a
    match to an activity that is not a practice community, joined by the closing date and not
    ended by it (closing ends the practice community's match and keeps this one), else `ends`."""
    lasting = Match.alias("lm")
    activity = Activity.alias("la")
    continues = fn.EXISTS(
        lasting.select(SQL("1"))
        .join(activity, on=(activity.id == lasting.activity))
        .where(
            (lasting.referral == CaseClosure.referral)
            & (activity.is_practice == False)  # noqa: E712 (SQL)
            & (lasting.status == JOINED)
            & lasting.started_on.is_null(False)
            & (lasting.started_on <= CaseClosure.closed_on)
            & (lasting.ended_on.is_null() | (lasting.ended_on > CaseClosure.closed_on))
        )
    )
    return CaseClosure.select(
        CaseClosure.referral.alias("case_id"),
        CaseClosure.id.alias("unit_id"),
        Case(None, [(continues, CONTINUES)], ENDS).alias("key"),
    ).where(_in_scope(CaseClosure, scope) & CaseClosure.closed_on.between(scope.start, scope.end))


def base_caseload(scope):
    hits = cases_in_status_on(scope, OPEN_STATUSES, [scope.on]).alias("hit")
    query, key = with_builder(Referral.select().join(hits, on=(hits.c.case_id == Referral.id)).switch(Referral), scope)
    return query.select(Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), _key(key).alias("key"))


def base_open_too_long(scope):
    """Open on the reference date and received before the organisation's limit (per organisation)."""
    limits = dict(
        Organisation.select(Organisation.id, Organisation.max_case_days)
        .where(Organisation.id.in_(list(scope.organisation_ids)))
        .tuples()
    )
    cutoff = Case(
        Referral.organisation,
        [(org_id, scope.on - datetime.timedelta(days=days or 0)) for org_id, days in limits.items()],
        None,
    )
    hits = cases_in_status_on(scope, OPEN_STATUSES, [scope.on]).alias("hit")
    return (
        Referral.select(Referral.id.alias("case_id"), Referral.citizen.alias("citizen_id"), Value("all").alias("key"))
        .join(hits, on=(hits.c.case_id == Referral.id))
        .where(Referral.received_on < cutoff)
    )


def base_days_to_contact(scope):
    return Referral.select(
        Referral.id.alias("case_id"),
        Referral.citizen.alias("citizen_id"),
        _days(Referral.first_contact_on, Referral.received_on).alias("key"),
    ).where(_received_in_period(scope) & (Referral.first_contact_on <= scope.on))


def base_days_to_joined(scope):
    m = Match.alias("m")
    first_joined = (
        m.select(m.referral.alias("case_id"), fn.MIN(m.started_on).alias("joined_on"))
        .where(
            m.organisation.in_(list(scope.organisation_ids))
            & (m.status == JOINED)
            & m.started_on.is_null(False)
            & (m.started_on <= scope.on)
        )
        .group_by(m.referral)
        .alias("fj")
    )
    return (
        Referral.select(
            Referral.id.alias("case_id"),
            Referral.citizen.alias("citizen_id"),
            _days(first_joined.c.joined_on, Referral.received_on).alias("key"),
        )
        .join(first_joined, on=(first_joined.c.case_id == Referral.id))
        .where(_received_in_period(scope))
    )


def _took_part_in_period(match, scope):
    """A match to an activity that the citizen took part in during the period."""
    return (
        match.started_on.is_null(False)
        & (match.started_on <= scope.end)
        & (match.ended_on.is_null() | (match.ended_on >= scope.start))
        & match.status.in_((TRIED, JOINED, STOPPED))
    )


def _moved_on(scope):
    """SQL: the citizen of the current practice-community row joined the lasting activity it
    leads to by the reference date (in any of their cases)."""
    lasting = Match.alias("lasting")
    citizen_case = Referral.alias("cc")
    return fn.EXISTS(
        lasting.select(SQL("1"))
        .join(citizen_case, on=(citizen_case.id == lasting.referral))
        .where(
            (citizen_case.citizen == Referral.citizen)
            & (lasting.activity == Activity.leads_to)
            & (lasting.status == JOINED)
            & lasting.started_on.is_null(False)
            & (lasting.started_on <= scope.on)
        )
    )


def base_practice(scope, moved_on=False, with_moved_on=False):
    """Citizens who took part in a practice community in the period (key: the community); with
    `moved_on`, only those who joined the lasting activity it leads to by the reference date;
    with `with_moved_on`, all of them and a column `moved_on` (1 or 0)."""
    columns = [
        Match.referral.alias("case_id"),
        Referral.citizen.alias("citizen_id"),
        _key(Activity.id).alias("key"),
        Activity.name.alias("label"),
    ]
    if with_moved_on:
        columns.append(Case(None, [(_moved_on(scope), 1)], 0).alias("moved_on"))
    query = (
        Match.select(*columns)
        .join(Activity, on=(Activity.id == Match.activity))
        .switch(Match)
        .join(Referral, on=(Referral.id == Match.referral))
        .where(_in_scope(Match, scope) & (Activity.is_practice == True) & _took_part_in_period(Match, scope))  # noqa: E712
    )
    if moved_on:
        query = query.where(_moved_on(scope))
    return query


def base_volunteers(scope):
    return (
        Match.select(Match.referral.alias("case_id"), Referral.citizen.alias("citizen_id"), Value("all").alias("key"))
        .join(Referral, on=(Referral.id == Match.referral))
        .where(
            _in_scope(Match, scope)
            & (Match.role == "volunteer")
            & Match.started_on.between(scope.start, scope.end)
            & Match.status.in_((TRIED, JOINED, STOPPED))
        )
    )


def base_outcomes(scope):
    """One row per case and instrument with both: the last closure score in the period and the
    first intake (by date, then id). Both are picked by "no other one before/after it" (NOT
    EXISTS, an anti-join) and the intake joined once: as a correlated ORDER BY … LIMIT 1 per
    closing, PostgreSQL planned the sub-select once per use of the score (three times a row)
    and its cost estimate set off JIT compilation (1.2 of 2.1 s at 500 000 referrals)."""
    closing = Measurement.alias("mc")
    later = Measurement.alias("ml")
    intake = Measurement.alias("mi")
    earlier = Measurement.alias("me")
    first_intake = (
        (intake.referral == closing.referral)
        & (intake.instrument == closing.instrument)
        & (intake.phase == "intake")
        & ~fn.EXISTS(
            earlier.select(SQL("1")).where(
                (earlier.referral == intake.referral)
                & (earlier.instrument == intake.instrument)
                & (earlier.phase == "intake")
                & (
                    (earlier.taken_on < intake.taken_on)
                    | ((earlier.taken_on == intake.taken_on) & (earlier.id < intake.id))
                )
            )
        )
    )
    no_later = ~fn.EXISTS(
        later.select(SQL("1")).where(
            (later.referral == closing.referral)
            & (later.instrument == closing.instrument)
            & (later.phase == "closure")
            & (later.taken_on <= scope.end)
            & ((later.taken_on > closing.taken_on) | ((later.taken_on == closing.taken_on) & (later.id > closing.id)))
        )
    )
    return (
        closing.select(
            closing.referral.alias("case_id"),
            Instrument.id.alias("instrument_id"),
            _key(stable_key(Instrument)).alias("key"),
            Instrument.name.alias("label"),
            Instrument.higher_is_better.alias("higher_is_better"),
            intake.score.alias("intake"),
            closing.score.alias("closure"),
        )
        .join(Instrument, on=(Instrument.id == closing.instrument))
        .switch(closing)
        .join(intake, on=first_intake)
        .where(
            closing.organisation.in_(list(scope.organisation_ids))
            & (closing.phase == "closure")
            & closing.taken_on.between(scope.start, scope.end)
            & no_later
        )
    )


# The figures that count cases or citizens, and which column of their base they count.
BASES = {
    "active": (base_active, "citizen_id"),
    "active_by_builder": (base_active_by_builder, "citizen_id"),
    "new": (base_new, "citizen_id"),
    "new_by_builder": (base_new_by_builder, "citizen_id"),
    "referrals_by_channel": (base_referrals_by_channel, "case_id"),
    "referrals_by_reason": (base_referrals_by_reason, "case_id"),
    "referrals_by_age": (base_referrals_by_age, "case_id"),
    "closings_by_reason": (base_closings_by_reason, "unit_id"),
    "closings_continuing": (base_closings_continuing, "unit_id"),
    "caseload": (base_caseload, "case_id"),
    "open_too_long": (base_open_too_long, "case_id"),
    "days_to_contact": (base_days_to_contact, "case_id"),
    "days_to_joined": (base_days_to_joined, "case_id"),
    "practice": (base_practice, "citizen_id"),
    "practice_moved_on": (lambda scope: base_practice(scope, moved_on=True), "citizen_id"),
    "volunteers": (base_volunteers, "citizen_id"),
}


# -- aggregates --------------------------------------------------------------------------------
def count_by_key(base, unit, partition=False, total=None):
    """{key: {"label": ..., "n": distinct units}} and the distinct total: one query when the keys
    partition the units (each unit in one group: the total is the groups' sum) or when the total
    is known already (the same units counted by another figure), else two."""
    sub = base.alias("b")
    has_label = any(getattr(c, "_alias", None) == "label" for c in base._returning)
    columns = [sub.c.key, fn.COUNT(fn.DISTINCT(getattr(sub.c, unit)))]
    if has_label:
        columns.append(fn.MAX(sub.c.label))
    rows = Select(from_list=[sub], columns=columns).group_by(sub.c.key).bind(db).tuples()
    groups = {}
    for row in rows:
        key = row[0]
        groups[str(key)] = {"label": row[2] if has_label else None, "n": row[1]}
    if partition:
        return {"groups": groups, "total": sum(g["n"] for g in groups.values())}
    if total is not None:
        return {"groups": groups, "total": total}
    total = (
        Select(from_list=[base.alias("t")], columns=[fn.COUNT(fn.DISTINCT(getattr(base.alias("t").c, unit)))])
        .bind(db)
        .scalar()
    )
    return {"groups": groups, "total": total or 0}


def count_distinct(base, unit):
    sub = base.alias("b")
    return Select(from_list=[sub], columns=[fn.COUNT(fn.DISTINCT(getattr(sub.c, unit)))]).bind(db).scalar() or 0


def median_of_days(base):
    """Median and n of the day counts in a base's `key` column: a histogram in SQL, the median from it."""
    sub = base.alias("b")
    histogram = sorted(
        (int(days), n)
        for days, n in Select(from_list=[sub], columns=[sub.c.key, fn.COUNT(SQL("*"))])
        .group_by(sub.c.key)
        .bind(db)
        .tuples()
        if days is not None
    )
    n = sum(count for _days_, count in histogram)
    if not n:
        return {"n": 0, "median": None}
    middle = [(n - 1) // 2, n // 2]
    values, seen = [], 0
    for days, count in histogram:
        for index in middle:
            if seen <= index < seen + count:
                values.append(days)
        seen += count
    return {"n": n, "median": sum(values) / 2}


# -- the figures -------------------------------------------------------------------------------
def active_by_gender(scope):
    return count_by_key(base_active(scope), "citizen_id", partition=True)


def active_by_builder(scope, total=None):
    """`total`: the citizens in active collaboration (active_by_gender's total: the same citizens)."""
    return count_by_key(base_active_by_builder(scope), "citizen_id", total=total)


def new_by_gender(scope):
    return count_by_key(base_new(scope), "citizen_id", partition=True)


def new_by_builder(scope, total=None):
    """`total`: the new citizens (new_by_gender's total: the same citizens)."""
    return count_by_key(base_new_by_builder(scope), "citizen_id", total=total)


def referrals_by_channel(scope):
    return count_by_key(base_referrals_by_channel(scope), "case_id", partition=True)


def referrals_by_reason(scope, total=None):
    """`total`: the referrals in the period (referrals_by_channel's total: every referral has a
    row in this base, with or without a reason)."""
    return count_by_key(base_referrals_by_reason(scope), "case_id", total=total)


def referrals_by_age(scope):
    return count_by_key(base_referrals_by_age(scope), "case_id", partition=True)


def closings_by_reason(scope):
    return count_by_key(base_closings_by_reason(scope), "unit_id", partition=True)


def closings_continuing(scope):
    return count_by_key(base_closings_continuing(scope), "unit_id", partition=True)


def caseload(scope):
    return count_by_key(base_caseload(scope), "case_id", partition=True)


def open_too_long(scope):
    return count_distinct(base_open_too_long(scope), "case_id")


def days_to_contact(scope):
    return median_of_days(base_days_to_contact(scope))


def days_to_joined(scope):
    return median_of_days(base_days_to_joined(scope))


def practice_communities(scope):
    """Per practice community: the citizens who took part and, of them, those who moved on — one
    query (the moved-on rule is a column of the same rows, not a second pass)."""
    sub = base_practice(scope, with_moved_on=True).alias("b")
    moved = Case(None, [(sub.c.moved_on == 1, sub.c.citizen_id)], None)
    rows = (
        Select(
            from_list=[sub],
            columns=[
                sub.c.key,
                fn.MAX(sub.c.label),
                fn.COUNT(fn.DISTINCT(sub.c.citizen_id)),
                fn.COUNT(fn.DISTINCT(moved)),
            ],
        )
        .group_by(sub.c.key)
        .bind(db)
        .tuples()
    )
    return {str(key): {"label": label, "n": n, "moved_on": moved_on} for key, label, n, moved_on in rows}


def volunteers(scope):
    return count_distinct(base_volunteers(scope), "citizen_id")


def attendance(scope):
    """Per activity with a session in the period: sessions, head count, referred participants."""
    sessions = (
        ActivitySession.select(
            ActivitySession.activity,
            fn.MAX(Activity.name),
            fn.COUNT(ActivitySession.id),
            fn.COALESCE(fn.SUM(ActivitySession.head_count), 0),
        )
        .join(Activity, on=(Activity.id == ActivitySession.activity))
        .where(_in_scope(ActivitySession, scope) & ActivitySession.date.between(scope.start, scope.end))
        .group_by(ActivitySession.activity)
        .tuples()
    )
    participants = dict(
        Attendance.select(ActivitySession.activity, fn.COUNT(fn.DISTINCT(Attendance.citizen)))
        .join(ActivitySession, on=(ActivitySession.id == Attendance.session))
        .where(_in_scope(ActivitySession, scope) & ActivitySession.date.between(scope.start, scope.end))
        .group_by(ActivitySession.activity)
        .tuples()
    )
    return {
        str(activity_id): {
            "label": name,
            "sessions": count,
            "head_count": int(heads),
            "referred": participants.get(activity_id, 0),
        }
        for activity_id, name, count, heads in sessions
    }


def outcomes(scope):
    """Per instrument: n cases with both scores, mean change, and how many improved."""
    sub = base_outcomes(scope).alias("o")
    change = sub.c.closure - sub.c.intake
    improved = Case(
        None,
        [
            ((sub.c.higher_is_better == False) & (change < 0), 1),  # noqa: E712 (SQL)
            ((sub.c.higher_is_better == True) & (change > 0), 1),  # noqa: E712 (SQL)
        ],
        0,
    )
    rows = (
        Select(
            from_list=[sub],
            columns=[sub.c.key, fn.MAX(sub.c.label), fn.COUNT(SQL("*")), fn.AVG(change), fn.SUM(improved)],
        )
        .where(sub.c.intake.is_null(False))
        .group_by(sub.c.key)
        .bind(db)
        .tuples()
    )
    return {
        str(key): {
            "label": label,
            "n": n,
            "mean_change": round(float(mean), 2) if mean is not None else None,
            "improved": int(better or 0),
        }
        for key, label, n, mean, better in rows
    }


def referrals_per_month(scope):
    """{month: {channel key: n}} and the channels' labels, for the chart."""
    b = base_referrals_by_channel(scope, by_month=True).alias("b")
    rows = (
        Select(from_list=[b], columns=[b.c.month, b.c.key, fn.MAX(b.c.label), fn.COUNT(fn.DISTINCT(b.c.case_id))])
        .group_by(b.c.month, b.c.key)
        .bind(db)
        .tuples()
    )
    months, labels = {}, {}
    for month, key, label, n in rows:
        months.setdefault(month, {})[str(key)] = n
        labels[str(key)] = label
    return {"months": {m: months.get(m, {}) for m in month_keys(scope)}, "labels": labels}


def month_keys(scope):
    keys, day = [], scope.start.replace(day=1)
    while day <= scope.end:
        keys.append(f"{day:%Y-%m}")
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return keys


def series_dates(scope, limit=36):
    """The month ends in the period (and the period's last day), at most `limit` of them."""
    dates, day = [], scope.start.replace(day=1)
    while day <= scope.end:
        month_end = (day + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        dates.append(min(month_end, scope.end))
        day = month_end + datetime.timedelta(days=1)
    if len(dates) > limit:
        step = len(dates) / limit
        dates = [dates[int(i * step)] for i in range(limit - 1)] + [dates[-1]]
    return dates


def active_over_time(scope):
    """{date: {gender: citizens in active collaboration}} at each date of `series_dates`, in one
    window pass, a sum per date instead of a distinct count per date over every case that was
    open: a citizen's collaboration intervals (over all their cases) in order of start, each
    with the latest end of the ones before it (`prev_until`); on date D the citizen is counted
    by the first interval covering D, the one covering D with no earlier interval reaching past
    D (`prev_until` <= D): every earlier one started on or before D, so it covers D unless it
    ended by D; every later one has the first covering interval before it, ending after D."""
    dates = series_dates(scope)
    if not dates:
        return {}
    param = db.obj.param
    orgs = ", ".join([param] * len(scope.organisation_ids))
    statuses = ", ".join([param] * len(COLLABORATING))
    covers = (
        f"SUM(CASE WHEN m.from_on <= {param} AND m.until_on > {param} "
        f"AND (m.prev_until IS NULL OR m.prev_until <= {param}) THEN 1 ELSE 0 END)"
    )
    per_date = ", ".join([covers] * len(dates))
    # Intervals that end by the first date or start after the last cover none of the dates and
    # never make a covering one second, so they are left out before the window.
    sql = f"""
        WITH iv AS (
            SELECT citizen_id, from_on, until_on FROM status_interval
            WHERE organisation_id IN ({orgs}) AND status IN ({statuses}) AND until_on > {param} AND from_on <= {param}
        ), marked AS (
            SELECT citizen_id, from_on, until_on,
                   MAX(until_on) OVER (
                       PARTITION BY citizen_id ORDER BY from_on, until_on
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ) AS prev_until
            FROM iv
        )
        SELECT CASE c.gender WHEN 'male' THEN 'male' WHEN 'female' THEN 'female' ELSE 'other' END AS g, {per_date}
        FROM marked m JOIN citizen c ON c.id = m.citizen_id
        GROUP BY CASE c.gender WHEN 'male' THEN 'male' WHEN 'female' THEN 'female' ELSE 'other' END
    """  # noqa: S608  # nosec B608 - our own SQL; every value is a bound parameter
    days = [d.isoformat() for d in dates]
    params = [*scope.organisation_ids, *COLLABORATING, days[0], days[-1]]
    for day in days:
        params += [day, day, day]
    series = {day: {} for day in days}
    for gender, *counts in db.execute_sql(sql, params).fetchall():
        for day, n in zip(days, counts, strict=True):
            if n:
                series[day][gender] = int(n)
    return series


def active_over_time_by_distinct_count(scope):
    """The same series as active_over_time, counted the plain way (distinct citizens per date over
    every interval covering it): the definition the one-pass version is tested against."""
    dates = series_dates(scope)
    hits = cases_in_status_on(scope, COLLABORATING, dates).alias("hit")
    rows = (
        Citizen.select(hits.c.on_date, gender_key(), fn.COUNT(fn.DISTINCT(hits.c.citizen_id)))
        .join(hits, on=(hits.c.citizen_id == Citizen.id))
        .group_by(hits.c.on_date, gender_key())
        .tuples()
    )
    series = {d.isoformat(): {} for d in dates}
    for on_date, gender, n in rows:
        key = on_date if isinstance(on_date, str) else on_date.isoformat()
        series.setdefault(key[:10], {})[gender] = n
    return series


# -- the cases behind a figure -----------------------------------------------------------------
def cases_behind(figure, scope, key=None, limit=1000):
    """Ids of the cases a figure counted (in `key`'s group when given), for roles that see cases."""
    builder, _unit = BASES[figure]
    base = builder(scope).alias("b")
    query = Select(from_list=[base], columns=[base.c.case_id]).distinct()
    if key is not None:
        query = query.where(base.c.key == str(key))
    return [row[0] for row in query.order_by(base.c.case_id).limit(limit).bind(db).tuples()]
