"""Opening the database from DATABASE_URL, per-request connections and schema migrations."""

from pathlib import Path

import click
from flask.cli import AppGroup
from peewee import SqliteDatabase
from peewee_migrate import Router
from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase

from extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16000,
}


class SchemaError(RuntimeError):
    """The database schema is not the one this code knows."""


def open_database(url, max_connections=20):
    """A peewee database for a sqlite:/// or postgresql:// URL."""
    if url.startswith("sqlite:"):
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else ":memory:"
        if path not in (":memory:", ""):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS)
    if url.startswith(("postgres:", "postgresql:")):
        params = parse(url)
        return PooledPostgresqlDatabase(max_connections=max_connections, stale_timeout=300, timeout=10, **params)
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def router(database=None):
    return Router(
        database or db.obj, migrate_dir=str(MIGRATIONS_DIR), migrate_table="migrate_history", ignore=["lookup"]
    )


def migration_names():
    return sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))


def check_schema(database):
    """Raise SchemaError unless every known migration, and no unknown one, is applied."""
    known = migration_names()
    if not database.table_exists("migrate_history"):
        raise SchemaError("The database has no schema yet. Run: flask --app app db upgrade")
    done = [row[0] for row in database.execute_sql("SELECT name FROM migrate_history ORDER BY id")]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise SchemaError(
            f"The database has migrations this code does not know: {', '.join(unknown)}. "
            "Run a newer version of Brobygger."
        )
    missing = [name for name in known if name not in done]
    if missing:
        raise SchemaError(
            f"The database schema is out of date ({len(missing)} migration(s) pending). Run: flask --app app db upgrade"
        )


def init_db(app):
    database = open_database(app.config["DATABASE_URL"], app.config["POOL_MAX_CONNECTIONS"])
    db.initialize(database)
    app.extensions["database"] = database

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed() and not db.in_transaction():
            db.close()

    if app.config["CHECK_SCHEMA"]:
        # Checked on the first request, not at import, so `flask db upgrade` can run on an old
        # schema; wsgi.py calls verify_schema() eagerly so a server refuses to boot instead.
        @app.before_request
        def _schema_known():
            if not app.extensions.get("schema_ok"):
                verify_schema(app)

    @app.errorhandler(SchemaError)
    def _schema_error(exc):
        from flask import render_template

        from i18n import _

        app.logger.error("Schema check failed: %s", exc)
        message = _("The database is not at the schema this version of Brobygger needs. "
                    "An administrator must run: flask --app app db upgrade")
        return render_template("error.html", code=503, title=_("Not ready"), message=message), 503

    app.cli.add_command(db_cli)


def verify_schema(app):
    """Raise SchemaError if the app's database schema is not the current one."""
    database = app.extensions["database"]
    database.connect(reuse_if_open=True)
    check_schema(database)
    app.extensions["schema_ok"] = True


db_cli = AppGroup("db", help="Database schema commands.")


@db_cli.command("upgrade", help="Bring the database to the current schema.")
def upgrade():
    with db.obj.connection_context():
        applied = router().run()
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "The schema is up to date.")


@db_cli.command("status", help="List applied and pending migrations.")
def status():
    r = router()
    click.echo("applied: " + (", ".join(r.done) or "none"))
    click.echo("pending: " + (", ".join(r.diff) or "none"))
