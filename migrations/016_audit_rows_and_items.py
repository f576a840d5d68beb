"""The audit trail names what lists, searches and exports showed: row counts, a non-content
detail (format, a search term's hash) and one audit_log_item row per record shown."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "audit_log",
        rows=pw.IntegerField(null=True),
        detail=pw.CharField(max_length=200, null=True),
    )
    migrator.sql(
        "CREATE TABLE audit_log_item ("
        + ("id SERIAL PRIMARY KEY" if isinstance(database, pw.PostgresqlDatabase) else "id INTEGER PRIMARY KEY")
        + ", audit_id INTEGER NOT NULL REFERENCES audit_log (id) ON DELETE CASCADE"
        ", model VARCHAR(60) NOT NULL, record_id INTEGER NOT NULL)"
    )
    migrator.sql("CREATE INDEX audit_log_item_audit_id ON audit_log_item (audit_id)")
    migrator.sql("CREATE INDEX audit_log_item_model_record_id ON audit_log_item (model, record_id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP TABLE audit_log_item")
    migrator.remove_fields("audit_log", "rows", "detail")
