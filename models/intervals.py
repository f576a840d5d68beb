"""Each case's statuses as intervals, materialised: what the reports read for "status on date D".

A case is Received from its received date until its first status change; each change opens an
interval that the next change (by effective date, then time of entry, then id) closes; the last
one lasts (`until_on` = OPEN_END). Several changes on one day leave empty intervals for all but
the last, and empty intervals are not stored: none of them is the status on any day.

The table is derived from `status_change` and `referral` only, and kept in step by database
triggers (SQLite and PostgreSQL): every write of a status change or of a case's received date,
citizen or organisation recomputes that case's intervals in the same transaction — the workflow,
imports, demo data, backfills, the plugin API and raw SQL alike. Migration 032 built it for the
existing data with `REBUILD_SQL` (`rebuild()` does the same). `intervals_from_history` is the
definition the table must always agree with (tests compare the two).
"""

# The SQL below names our own tables; values are bound parameters or the trigger's row.
# ruff: noqa: S608

import datetime

from peewee import CharField, DateField, ForeignKeyField, PostgresqlDatabase, Value, fn

from extensions import db
from models.base import BaseModel
from models.citizen import Citizen
from models.organisation import Organisation
from models.referral import Referral
from models.workflow import StatusChange

OPEN_END = datetime.date(9999, 12, 31)  # `until_on` of the status a case is in now


class StatusInterval(BaseModel):
    """[from_on, until_on): the status `referral` had on those days (derived; never edited)."""

    referral = ForeignKeyField(Referral, backref="+", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, backref="+", on_delete="CASCADE")
    citizen = ForeignKeyField(Citizen, backref="+", on_delete="CASCADE")
    status = CharField(max_length=20)
    from_on = DateField()
    until_on = DateField()

    class Meta:
        table_name = "status_interval"
        # "status on D": by organisation and status, the intervals that end after D (a few per
        # case that is still going on D or started later), then from_on <= D; covering.
        indexes = (
            (("organisation", "status", "until_on", "from_on", "citizen", "referral"), False),
            (("referral",), False),
        )


def _intervals_select(where_changes, where_cases, open_end):
    """SELECT (referral_id, organisation_id, citizen_id, status, from_on, until_on) of the cases
    the two conditions pick (the same cases: one on status_change sc, one on referral r)."""
    sql = f"""
        SELECT iv.referral_id, r.organisation_id, r.citizen_id, iv.status, iv.from_on, iv.until_on
        FROM (
            SELECT sc.referral_id AS referral_id, sc.to_status AS status, sc.effective_on AS from_on,
                   COALESCE(LEAD(sc.effective_on) OVER (
                       PARTITION BY sc.referral_id ORDER BY sc.effective_on, sc.at, sc.id), {open_end}) AS until_on
            FROM status_change sc WHERE {where_changes}
            UNION ALL
            SELECT r.id, 'received', r.received_on,
                   COALESCE((SELECT MIN(f.effective_on) FROM status_change f WHERE f.referral_id = r.id), {open_end})
            FROM referral r WHERE {where_cases}
        ) iv
        JOIN referral r ON r.id = iv.referral_id
        WHERE iv.until_on > iv.from_on
    """  # nosec B608 - our own SQL; the conditions are constants or the trigger's row
    return sql


COLUMNS = "created_at, updated_at, referral_id, organisation_id, citizen_id, status, from_on, until_on"


def _insert(select):
    return (
        f"INSERT INTO status_interval ({COLUMNS}) "
        f"SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, q.* FROM ({select}) q"  # nosec B608 - our own SQL
    )


def _sqlite_refresh(case):
    """The statements that recompute one case's intervals (`case`: NEW.id, OLD.referral_id...)."""
    select = _intervals_select(f"sc.referral_id = {case}", f"r.id = {case}", "'9999-12-31'")
    return f"DELETE FROM status_interval WHERE referral_id = {case}; {_insert(select)};"  # nosec B608


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER status_interval_change_insert AFTER INSERT ON status_change BEGIN "
    f"{_sqlite_refresh('new.referral_id')} END",
    f"CREATE TRIGGER status_interval_change_delete AFTER DELETE ON status_change BEGIN "
    f"{_sqlite_refresh('old.referral_id')} END",
    f"CREATE TRIGGER status_interval_change_update AFTER UPDATE OF referral_id, to_status, effective_on, at "
    f"ON status_change BEGIN {_sqlite_refresh('old.referral_id')} {_sqlite_refresh('new.referral_id')} END",
    f"CREATE TRIGGER status_interval_case_insert AFTER INSERT ON referral BEGIN {_sqlite_refresh('new.id')} END",
    f"CREATE TRIGGER status_interval_case_update AFTER UPDATE OF received_on, citizen_id, organisation_id "
    f"ON referral BEGIN {_sqlite_refresh('new.id')} END",
    "CREATE TRIGGER status_interval_case_delete AFTER DELETE ON referral BEGIN "
    "DELETE FROM status_interval WHERE referral_id = old.id; END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS status_interval_{name}"
    for name in ("change_insert", "change_delete", "change_update", "case_insert", "case_update", "case_delete")
]

_PG_REFRESH_SELECT = _intervals_select("sc.referral_id = case_id", "r.id = case_id", "DATE '9999-12-31'")
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION status_interval_refresh(case_id integer) RETURNS void AS $$
    BEGIN
        DELETE FROM status_interval WHERE referral_id = case_id;
        {_insert(_PG_REFRESH_SELECT)};
    END $$ LANGUAGE plpgsql""",  # nosec B608 - our own SQL
    """CREATE OR REPLACE FUNCTION status_interval_on_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM status_interval_refresh(OLD.referral_id); END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.referral_id IS DISTINCT FROM OLD.referral_id) THEN
            PERFORM status_interval_refresh(NEW.referral_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION status_interval_on_case() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM status_interval WHERE referral_id = OLD.id;
        ELSE
            PERFORM status_interval_refresh(NEW.id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER status_interval_change AFTER INSERT OR DELETE OR UPDATE OF referral_id, to_status, "
    "effective_on, at ON status_change FOR EACH ROW EXECUTE FUNCTION status_interval_on_change()",
    "CREATE TRIGGER status_interval_case AFTER INSERT OR DELETE OR UPDATE OF received_on, citizen_id, "
    "organisation_id ON referral FOR EACH ROW EXECUTE FUNCTION status_interval_on_case()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS status_interval_change ON status_change",
    "DROP TRIGGER IF EXISTS status_interval_case ON referral",
    "DROP FUNCTION IF EXISTS status_interval_on_change()",
    "DROP FUNCTION IF EXISTS status_interval_on_case()",
    "DROP FUNCTION IF EXISTS status_interval_refresh(integer)",
]


def rebuild_sql(database):
    """The statements that rebuild the whole table from the histories (one pass, windowed)."""
    open_end = "'9999-12-31'" if not isinstance(database, PostgresqlDatabase) else "DATE '9999-12-31'"
    return ["DELETE FROM status_interval", _insert(_intervals_select("1 = 1", "1 = 1", open_end))]


def trigger_sql(database):
    return POSTGRES_TRIGGERS if isinstance(database, PostgresqlDatabase) else SQLITE_TRIGGERS


def drop_trigger_sql(database):
    return POSTGRES_DROP if isinstance(database, PostgresqlDatabase) else SQLITE_DROP


def rebuild(database=None):
    """Recompute every interval from the histories (a repair; the triggers keep it in step)."""
    database = database or db.obj
    with database.atomic():
        for sql in rebuild_sql(database):
            database.execute_sql(sql)


def intervals_from_history(organisation_ids):
    """The definition: (case, status, from_on, until_on) of the organisations' cases, computed
    from status_change and referral now (non-empty intervals; until_on OPEN_END when still so)."""
    sc = StatusChange.alias("sc")
    r = Referral.alias("ri")
    following = fn.LEAD(sc.effective_on).over(partition_by=[sc.referral], order_by=[sc.effective_on, sc.at, sc.id])
    changes = (
        sc.select(sc.referral.alias("case_id"), sc.to_status.alias("status"), sc.effective_on.alias("from_on"))
        .select_extend(following.alias("until_on"))
        .join(r, on=(r.id == sc.referral))
        .where(r.organisation.in_(list(organisation_ids)))
    )
    first = StatusChange.alias("sf")
    rr = Referral.alias("rr")
    received = rr.select(
        rr.id.alias("case_id"),
        Value("received").alias("status"),
        rr.received_on.alias("from_on"),
        first.select(fn.MIN(first.effective_on)).where(first.referral == rr.id).alias("until_on"),
    ).where(rr.organisation.in_(list(organisation_ids)))
    rows = set()
    for case_id, status, from_on, until_on in changes.union_all(received).tuples():
        from_on, until_on = _date(from_on), _date(until_on) or OPEN_END
        if from_on is not None and until_on > from_on:
            rows.add((case_id, status, from_on, until_on))
    return rows


def stored_intervals(organisation_ids):
    """The table's rows for the organisations, as intervals_from_history gives them."""
    query = StatusInterval.select(
        StatusInterval.referral, StatusInterval.status, StatusInterval.from_on, StatusInterval.until_on
    ).where(StatusInterval.organisation.in_(list(organisation_ids)))
    return {(case_id, status, _date(f), _date(u)) for case_id, status, f, u in query.tuples()}


def _date(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])
