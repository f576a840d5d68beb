"""Sessions that end (a per-user session epoch), TOTP second factor with recovery codes, and the
organisation's choice to require two-factor login for every role."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Nullable: adding a NOT NULL column makes SQLite rebuild the table, which its foreign keys forbid.
    migrator.add_fields(
        "user",
        session_epoch=pw.IntegerField(default=0, null=True),
        totp_secret=pw.CharField(max_length=64, null=True),
        totp_enabled_at=pw.DateTimeField(null=True),
        totp_last_step=pw.IntegerField(null=True),
        recovery_codes=pw.TextField(default="", null=True),
    )
    migrator.add_fields("organisation", mfa_required=pw.BooleanField(default=False, null=True))
    migrator.sql("UPDATE \"user\" SET session_epoch = 0, recovery_codes = ''")
    migrator.sql(
        "UPDATE organisation SET mfa_required = %s" % ("FALSE" if isinstance(database, pw.PostgresqlDatabase) else "0")  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields(
        "user", "session_epoch", "totp_secret", "totp_enabled_at", "totp_last_step", "recovery_codes"
    )
    migrator.remove_fields("organisation", "mfa_required")
