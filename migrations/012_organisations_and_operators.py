"""Organisations have a kind and can be deactivated; operators are users of no organisation.

SQLite cannot drop a NOT NULL without rebuilding the table, and rebuilding `user` (which most
tables refer to) breaks their foreign keys. Removing a NOT NULL changes nothing stored, so on
SQLite the table's definition is edited in place, as SQLite's ALTER TABLE documentation allows
for exactly this change (PRAGMA writable_schema, then a new schema_version).
"""

import peewee as pw
from peewee_migrate import Migrator


def _sqlite_drop_not_null(database, table, column):
    (sql,) = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    new = sql.replace(f'"{column}" INTEGER NOT NULL', f'"{column}" INTEGER', 1)
    if new == sql:
        return
    (version,) = database.execute_sql("PRAGMA schema_version").fetchone()
    database.execute_sql("PRAGMA writable_schema = ON")
    database.execute_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new, table))
    database.execute_sql(f"PRAGMA schema_version = {int(version) + 1}")
    database.execute_sql("PRAGMA writable_schema = OFF")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "organisation",
        kind=pw.CharField(max_length=30, default="volunteer_centre", null=True),
        active=pw.BooleanField(default=True, null=True),
    )
    if isinstance(database, pw.SqliteDatabase):
        migrator.run(_sqlite_drop_not_null, database, "user", "organisation_id")
        migrator.orm["user"]._meta.fields["organisation"].null = True
    else:
        migrator.drop_not_null("user", "organisation")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("organisation", "kind", "active")
