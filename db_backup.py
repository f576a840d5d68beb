"""`flask db backup PATH` and `flask db restore PATH`: consistent copies of a live database.

SQLite: the online backup API copies the database in one step under a read snapshot (WAL mode
lets writers go on meanwhile), never a file copy of a live database; the copy is integrity-checked
and renamed into place, so PATH is either a whole backup or absent. PostgreSQL: `pg_dump -Fc`
(one snapshot of the whole database) and `pg_restore`. Restore only ever goes into an empty
database, and checks the result (integrity, schema, row counts) before it reports success.
"""

# The commands run pg_dump/pg_restore with arguments built here, never through a shell.
# ruff: noqa: S603, S607, S608

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import click
import psycopg2
from flask import current_app
from peewee import SqliteDatabase

from database import SchemaError, check_schema, db_cli, migration_sets

COUNTED = ("organisation", "user", "citizen", "referral", "contact", "match", "audit_log")


def _sqlite_path(url):
    path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else ""
    if path in ("", ":memory:"):
        raise click.ClickException("An in-memory SQLite database cannot be backed up or restored.")
    return Path(path)


def _pg_env(url):
    """pg_dump/pg_restore read the password from the environment, not from the command line."""
    env = dict(os.environ)
    password = urlsplit(url).password
    if password:
        env["PGPASSWORD"] = password
    return env


def _pg_dsn(url):
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    netloc = f"{parts.username or 'postgres'}@{host}:{port}"
    return f"postgresql://{netloc}{parts.path}"


def sqlite_backup(source, target):
    """Copy the SQLite database `source` into the file `target` (which must not exist)."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The backup failed its integrity check: {check}")
    os.replace(partial, target)


def sqlite_tables(path):
    if not Path(path).exists() or Path(path).stat().st_size == 0:
        return []
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def sqlite_restore(backup, target):
    target = Path(target)
    if sqlite_tables(target):
        raise click.ClickException(f"{target} is not empty; restore only into a new, empty database.")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"{backup} is damaged (integrity check failed).")
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


def pg_tables(url):
    conn = psycopg2.connect(_pg_dsn(url), password=urlsplit(url).password)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def pg_backup(url, target):
    if not shutil.which("pg_dump"):
        raise click.ClickException("pg_dump is not installed (apt install postgresql-client).")
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    cmd = ["pg_dump", "-Fc", "--no-owner", "-f", str(partial), _pg_dsn(url)]
    result = subprocess.run(cmd, env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
    os.replace(partial, target)


def pg_restore(url, backup):
    if pg_tables(url):
        raise click.ClickException("The target database is not empty; restore only into a new, empty database.")
    cmd = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "-d", _pg_dsn(url), str(backup)]
    result = subprocess.run(cmd, env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"pg_restore failed (nothing was restored): {result.stderr.strip()}")


def counts(database):
    """Rows per table that matters, for the operator to compare with the source."""
    return {t: database.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED}  # nosec B608 - identifiers are our own table names, values are bound parameters or constants


def verify(database):
    """Integrity and schema of a restored database; raises ClickException if either is wrong."""
    if isinstance(database, SqliteDatabase):
        problems = [r[0] for r in database.execute_sql("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise click.ClickException(f"Integrity check failed: {'; '.join(problems[:5])}")
        if database.execute_sql("PRAGMA foreign_key_check").fetchall():
            raise click.ClickException("Foreign key check failed.")
        for (name,) in database.execute_sql("SELECT name FROM sqlite_master WHERE name LIKE '%\\_fts' ESCAPE '\\'"):
            database.execute_sql(f"INSERT INTO {name}({name}, rank) VALUES ('integrity-check', 1)")  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    try:
        check_schema(database, migration_sets(current_app))
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc


@db_cli.command("backup", help="Write a consistent backup of the live database to PATH.")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path):
    url = current_app.config["DATABASE_URL"]
    if Path(path).exists():
        raise click.ClickException(f"{path} exists; choose a new file name.")
    if url.startswith("sqlite:"):
        sqlite_backup(_sqlite_path(url), path)
    else:
        pg_backup(url, path)
    click.echo(f"Backup written to {path} ({Path(path).stat().st_size} bytes).")


@db_cli.command("restore", help="Restore the backup PATH into the (empty) configured database.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore(path):
    url = current_app.config["DATABASE_URL"]
    database = current_app.extensions["database"]
    if not database.is_closed():
        database.close()
    if url.startswith("sqlite:"):
        try:
            sqlite_restore(path, _sqlite_path(url))
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"{path} is not an SQLite backup ({exc}); nothing was restored.") from exc
    else:
        pg_restore(url, path)
    with database.connection_context():
        verify(database)
        found = counts(database)
    click.echo("Restored and checked (integrity, schema): " + ", ".join(f"{k} {v}" for k, v in found.items()))
