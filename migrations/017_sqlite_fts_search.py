"""SQLite: FTS5 trigram indexes over the folded search keys of citizens and cases, kept in step by
triggers and built here for existing rows (models/search.py uses them; PostgreSQL has its trigram
GIN indexes from migration 006 instead)."""

# The table names are this file's constants, never input.
# ruff: noqa: S608

import logging

import peewee as pw
from peewee_migrate import Migrator

log = logging.getLogger(__name__)
TABLES = ("citizen", "referral")


def statements(table):
    fts = f"{table}_fts"
    add = f"INSERT INTO {fts}(rowid, search_key) VALUES (new.id, new.search_key);"  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    remove = f"INSERT INTO {fts}({fts}, rowid, search_key) VALUES ('delete', old.id, old.search_key);"  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_key, content='{table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_key ON {table} "
        f"WHEN old.search_key IS NOT new.search_key BEGIN {remove} {add} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    ]


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    if not isinstance(database, pw.SqliteDatabase):
        return

    def create():
        try:
            database.execute_sql("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x, tokenize='trigram')")
            database.execute_sql("DROP TABLE temp.fts_probe")
        except pw.OperationalError as exc:  # an SQLite without FTS5 trigrams: search scans, unindexed
            log.warning("SQLite has no FTS5 trigram tokenizer (%s); search keys are not indexed", exc)
            return
        with database.atomic():
            for table in TABLES:
                for sql in statements(table):
                    database.execute_sql(sql)

    migrator.run(create)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if isinstance(database, pw.SqliteDatabase):
        for table in TABLES:
            for suffix in ("insert", "delete", "update"):
                migrator.sql(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            migrator.sql(f"DROP TABLE IF EXISTS {table}_fts")
