"""Privacy (issue 11): consents as data, anonymisation marks, retention settings, the erasure
tombstone, session note choices, and an append-only audit log on PostgreSQL."""

import peewee as pw
from peewee_migrate import Migrator

from database import core_table

# The audit log is append-only. The trigger (two on SQLite) refuses UPDATE and DELETE for every role, the app's
# included; TRUNCATE (test teardown, a deliberate wipe by the database owner) is not a row change.
# Erasure never needs to change an entry: entries hold record ids, never names.
AUDIT_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""


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
        migrator.sql(AUDIT_TRIGGER)
    else:
        for op in ("UPDATE", "DELETE"):
            migrator.sql(
                f"CREATE TRIGGER audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op} refused'); END"
            )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        migrator.sql("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        migrator.sql("DROP TRIGGER IF EXISTS audit_log_no_update")
        migrator.sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
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
