"""PostgreSQL: trigram indexes so a search anywhere in a name (LIKE '%søren%' on the folded
search key) uses an index instead of scanning every citizen and case. SQLite has no such index;
there the search scans the narrow search_key column (see bench/README.md for the cost)."""

import logging

import peewee as pw
from peewee_migrate import Migrator

log = logging.getLogger(__name__)
TABLES = ("citizen", "referral", "partner", "activity")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    if not isinstance(database, pw.PostgresqlDatabase):
        return

    def create():
        try:
            with database.atomic():
                database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except pw.DatabaseError as exc:  # not allowed to create it: search still works, unindexed
            log.warning("pg_trgm is not available (%s); search keys are not trigram-indexed", exc)
            return
        for table in TABLES:
            database.execute_sql(
                f'CREATE INDEX IF NOT EXISTS "{table}_search_key_trgm" ON "{table}" '  # noqa: S608
                "USING gin (search_key gin_trgm_ops)"
            )

    migrator.run(create)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if isinstance(database, pw.PostgresqlDatabase):
        for table in TABLES:
            migrator.sql(f'DROP INDEX IF EXISTS "{table}_search_key_trgm"')
