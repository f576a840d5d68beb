"""The day each status change took effect (reports reconstruct a case's status on any date from
it), and a status history for cases that came in without one."""

import peewee as pw
from peewee_migrate import Migrator

NO_HISTORY = (
    "NOT EXISTS (SELECT 1 FROM status_change s WHERE s.referral_id = r.id AND (s.note IS NULL OR s.note <> 'backfill'))"
)
COLUMNS = "created_at, updated_at, referral_id, from_status, to_status, at, effective_on, note"


def backfill(timestamp):
    """Cases past 'received' without a history: contacted on the first contact date, then their
    current status on the last closing date (closed) or the first contact (or received) date."""
    on_date = (
        "COALESCE(CASE WHEN r.status = 'closed' THEN"
        " (SELECT MAX(c.closed_on) FROM case_closure c WHERE c.referral_id = r.id) END,"
        " r.first_contact_on, r.received_on)"
    )
    return (
        f"INSERT INTO status_change ({COLUMNS}) SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, r.id, 'received',"  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
        f" 'contacted', {timestamp('r.first_contact_on')}, r.first_contact_on, 'backfill' FROM referral r"
        f" WHERE r.status <> 'received' AND r.first_contact_on IS NOT NULL AND {NO_HISTORY}",
        f"INSERT INTO status_change ({COLUMNS}) SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, r.id,"  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
        " CASE WHEN r.first_contact_on IS NULL THEN 'received' ELSE 'contacted' END, r.status,"
        f" {timestamp(on_date)}, {on_date}, 'backfill' FROM referral r"
        f" WHERE r.status NOT IN ('received', 'contacted') AND {NO_HISTORY}",
    )


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Nullable: adding a NOT NULL column makes SQLite rebuild the table, which its foreign keys forbid.
    migrator.add_fields("status_change", effective_on=pw.DateField(null=True))
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql("UPDATE status_change SET effective_on = CAST(at AS DATE)")
        statements = backfill(lambda date: f"CAST({date} AS TIMESTAMP)")
    else:
        migrator.sql("UPDATE status_change SET effective_on = date(at)")
        statements = backfill(lambda date: f"datetime({date})")
    for statement in statements:
        migrator.sql(statement)
    migrator.add_index("status_change", "referral", "effective_on")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("status_change", "referral", "effective_on")
    migrator.sql("DELETE FROM status_change WHERE note = 'backfill'")
    migrator.remove_fields("status_change", "effective_on")
