"""Privacy (issue 11): consents as data, anonymisation marks, retention settings, the erasure
tombstone, session note choices, and an append-only audit log (triggers on PostgreSQL and SQLite)."""

import peewee as pw
from peewee_migrate import Migrator

from database import core_table

# The audit log is append-only. Triggers refuse DELETE, and every UPDATE but one: filling in an
# entry's row count (`rows`, NULL until the page has counted what it showed — audit_trail.py) with
# every other column unchanged. Items (audit_log_item) are insert-only. TRUNCATE (test teardown, a
# deliberate wipe by the database owner) is not a row change. Erasure never changes an entry:
# entries hold record ids, never names.
AUDIT_COLUMNS = ("id", "created_at", "updated_at", "organisation_id", "user_id", "role", "action", "model")
AUDIT_COLUMNS += ("record_id", "at", "detail")
UNCHANGED = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in AUDIT_COLUMNS)
PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.rows IS NULL AND {UNCHANGED} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_item_append_only BEFORE UPDATE OR DELETE ON audit_log_item
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"WHEN NOT (OLD.rows IS NULL AND {UNCHANGED.replace('IS NOT DISTINCT FROM', 'IS')}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_log_item_no_update BEFORE UPDATE ON audit_log_item "
    "BEGIN SELECT RAISE(ABORT, 'audit_log_item is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_item_no_delete BEFORE DELETE ON audit_log_item "
    "BEGIN SELECT RAISE(ABORT, 'audit_log_item is append-only: DELETE refused'); END",
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Every new column is nullable: a NOT NULL column makes SQLite rebuild the table, which its
    # foreign keys forbid.
    migrator.add_fields(
        "citizen",
        consent_how=pw.CharField(max_length=20, null=True),
        partner_consent_on=pw.DateField(null=True),
        partner_consent_how=pw.CharField(max_length=20, null=True),
        gp_consent_on=pw.DateField(null=True),
        gp_consent_how=pw.CharField(max_length=20, null=True),
        erased_at=pw.DateTimeField(null=True),
    )
    migrator.add_fields("referral", age_band=pw.CharField(max_length=10, null=True))
    migrator.add_fields(
        "organisation",
        retention_closed_months=pw.IntegerField(default=24, null=True),
        retention_declined_months=pw.IntegerField(default=6, null=True),
    )
    migrator.add_fields("activity_session", note_code=pw.CharField(max_length=20, null=True))

    @migrator.create_model
    class Erasure(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=core_table("organisation"))
        citizen_number = pw.IntegerField(index=True)
        cases = pw.IntegerField(default=0)
        reason = pw.CharField(max_length=20)
        by = pw.ForeignKeyField(column_name="by_id", field="id", model=core_table("user"), null=True)
        at = pw.DateTimeField()

        class Meta:
            table_name = "erasure"

    # Contacts given before this version were consents to be contacted; say so.
    migrator.sql("UPDATE citizen SET consent_how = 'oral' WHERE consent_on IS NOT NULL")
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql(PG_TRIGGERS)
    else:
        for statement in SQLITE_TRIGGERS:
            migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        migrator.sql("DROP TRIGGER IF EXISTS audit_log_item_append_only ON audit_log_item")
        migrator.sql("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        for name in (
            "audit_log_no_update",
            "audit_log_no_delete",
            "audit_log_item_no_update",
            "audit_log_item_no_delete",
        ):
            migrator.sql(f"DROP TRIGGER IF EXISTS {name}")
    migrator.remove_model("erasure")
    migrator.remove_fields("activity_session", "note_code")
    migrator.remove_fields("organisation", "retention_closed_months", "retention_declined_months")
    migrator.remove_fields("referral", "age_band")
    migrator.remove_fields(
        "citizen",
        "consent_how",
        "partner_consent_on",
        "partner_consent_how",
        "gp_consent_on",
        "gp_consent_how",
        "erased_at",
    )
