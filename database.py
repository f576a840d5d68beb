"""Opening the database from DATABASE_URL, per-request connections and schema migrations."""

import logging
import threading
from pathlib import Path

import click
import peewee
from flask import current_app, render_template
from flask.cli import AppGroup
from peewee import SqliteDatabase
from peewee_migrate import Router
from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase

from extensions import db
from i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    # FULL: a write the app acknowledged survives a power cut too, not only a crash of the app.
    "synchronous": "full",
    "cache_size": -16000,
    # Erasure (privacy/erasure.py) must leave no trace of deleted or overwritten text in the file.
    "secure_delete": 1,
}


log = logging.getLogger(__name__)


class _AfterCommitAtomic(peewee._callable_context_manager):
    """db.atomic() that also runs the callbacks queued with after_commit() once the outermost
    transaction has committed, and drops those queued inside a block that rolled back."""

    __slots__ = ("database", "inner", "mark")

    def __init__(self, database, inner):
        self.database, self.inner = database, inner

    def _build_ctx(self):  # used as a decorator: a fresh context per call
        return type(self)(self.database, self.inner._build_ctx())

    def __enter__(self):
        self.mark = len(self.database._pending_callbacks())
        return self.inner.__enter__()

    def __exit__(self, exc_type, exc_value, traceback):
        pending = self.database._pending_callbacks()
        try:
            result = self.inner.__exit__(exc_type, exc_value, traceback)
        except BaseException:
            del pending[self.mark :]
            raise
        if exc_type is not None:
            del pending[self.mark :]
        elif not self.database.in_transaction():
            self.database._run_callbacks()
        return result


class AfterCommitMixin:
    """Commit hooks for peewee databases: `after_commit(fn)` runs fn once the data it follows is
    committed — at once outside a transaction, never when the transaction rolls back."""

    def _pending_callbacks(self):
        local = self.__dict__.setdefault("_after_commit_local", threading.local())
        if not hasattr(local, "callbacks"):
            local.callbacks = []
        return local.callbacks

    def atomic(self, *args, **kwargs):
        return _AfterCommitAtomic(self, super().atomic(*args, **kwargs))

    def after_commit(self, callback):
        if not self.in_transaction():
            self._call(callback)
            return
        self._pending_callbacks().append(callback)

    def _run_callbacks(self):
        pending = self._pending_callbacks()
        while pending:
            self._call(pending.pop(0))

    @staticmethod
    def _call(callback):
        # The data is committed: a failing side effect (a mail server down) is logged, not raised.
        try:
            callback()
        except Exception:
            log.exception("An after-commit callback failed")


class Sqlite(AfterCommitMixin, SqliteDatabase):
    """SQLite with commit hooks.

    SQLite itself rolls a transaction back when a write fails with SQLITE_FULL (a full disk or
    max_page_count), SQLITE_IOERR or SQLITE_NOMEM. peewee's ROLLBACK (or ROLLBACK TO SAVEPOINT)
    afterwards would fail with "no transaction is active" and hide the real error, so a full disk
    answered 500 instead of 503 (issue 15): when the connection is no longer in a transaction,
    those rollbacks have nothing left to undo and are skipped."""

    def __init__(self, *args, pragmas=(), **kwargs):
        super().__init__(*args, pragmas=pragmas, **kwargs)
        # What a commit waits for, as configured (models/base.py relaxed_transaction restores it).
        self.configured_synchronous = str(dict(pragmas or ()).get("synchronous", "full")).lower()

    def _already_rolled_back(self):
        conn = self._state.conn
        return conn is not None and not conn.in_transaction

    def rollback(self):
        if self._already_rolled_back():
            return
        super().rollback()

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if sql.startswith("ROLLBACK TO SAVEPOINT") and self._already_rolled_back():
            return None
        return super().execute_sql(sql, params, *args, **kwargs)


class PooledPostgres(AfterCommitMixin, PooledPostgresqlDatabase):
    """Pooled PostgreSQL with commit hooks."""


def after_commit(callback):
    """Run `callback()` after the current transaction commits (at once outside one); never
    after a rollback. For side effects that must not happen for undone work: mail, SMS."""
    db.obj.after_commit(callback)


class SchemaError(RuntimeError):
    """The database schema is not the one this code knows."""


PG_LOCK_TIMEOUT_MS = 10000


def open_database(url, max_connections=20, lock_timeout_ms=None):
    """A peewee database for a sqlite:/// or postgresql:// URL.

    Waiting for a lock ends after `lock_timeout_ms` (SQLite's busy timeout, PostgreSQL's
    lock_timeout); the request then answers 503 "try again" (resilience.py). On SQLite every
    transaction takes the write lock when it begins (BEGIN IMMEDIATE): a transaction that read
    first and wrote later would otherwise fail at once with "database is locked" whenever another
    writer committed in between, whatever the busy timeout.
    """
    if url.startswith("sqlite:"):
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else ":memory:"
        if path not in (":memory:", ""):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pragmas = dict(SQLITE_PRAGMAS)
        if lock_timeout_ms is not None:
            pragmas["busy_timeout"] = int(lock_timeout_ms)
        return Sqlite(path, pragmas=pragmas, lock_type="IMMEDIATE")
    if url.startswith(("postgres:", "postgresql:")):
        params = parse(url)
        timeout = int(lock_timeout_ms if lock_timeout_ms is not None else PG_LOCK_TIMEOUT_MS)
        params["options"] = f"{params.get('options', '')} -c lock_timeout={timeout}".strip()
        return PooledPostgres(max_connections=max_connections, stale_timeout=300, timeout=10, **params)
    raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


def core_table(name):
    """A stand-in model for a core table, for plugin migrations whose tables refer to it
    (core migrations always run first)."""
    return type(name, (peewee.Model,), {"Meta": type("Meta", (), {"table_name": name})})


class MigrationSet:
    """A folder of migrations with its own history table: the core's, or one plugin's."""

    def __init__(self, name, directory, table):
        self.name, self.directory, self.table = name, Path(directory), table

    def router(self, database):
        return Router(database, migrate_dir=str(self.directory), migrate_table=self.table, ignore=["lookup"])

    def names(self):
        return sorted(p.stem for p in self.directory.glob("[0-9]*.py"))

    def check(self, database):
        """Raise SchemaError unless every known migration, and no unknown one, is applied."""
        known = self.names()
        if not database.table_exists(self.table):
            raise SchemaError(f"The database has no {self.name} schema yet. Run: flask --app app db upgrade")
        done = self.router(database).done
        unknown = [name for name in done if name not in known]
        if unknown:
            raise SchemaError(
                f"The database has {self.name} migrations this code does not know: {', '.join(unknown)}. "
                "Run a newer version of Brobygger."
            )
        missing = [name for name in known if name not in done]
        if missing:
            raise SchemaError(
                f"The {self.name} schema is out of date ({len(missing)} migration(s) pending). "
                "Run: flask --app app db upgrade"
            )


CORE = MigrationSet("core", MIGRATIONS_DIR, "migrate_history")


def migration_sets(app):
    """The core's migrations, then those of every enabled plugin (hook brobygger_migrations)."""
    sets = [CORE]
    pm = app.extensions.get("plugin_manager")
    if pm is not None:
        for contributed in pm.hook.brobygger_migrations():
            for name, directory in contributed or ():
                sets.append(MigrationSet(name, directory, f"migrate_history_{name}"))
    return sets


def builtin_migration_sets():
    """The core's and every built-in plugin's migrations, enabled or not (for tests and tools)."""
    plugin_dirs = sorted((Path(__file__).resolve().parent / "plugins").glob("*/migrations"))
    return [CORE] + [MigrationSet(d.parent.name, d, f"migrate_history_{d.parent.name}") for d in plugin_dirs]


def check_schema(database, sets=(CORE,)):
    """Raise SchemaError unless every migration set is exactly applied."""
    for migration_set in sets:
        migration_set.check(database)


def init_db(app):
    database = open_database(
        app.config["DATABASE_URL"], app.config["POOL_MAX_CONNECTIONS"], app.config.get("DATABASE_LOCK_TIMEOUT_MS")
    )
    db.initialize(database)
    app.extensions["database"] = database

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    # SQLite: a worker keeps its connection between requests (issue 15). Opening one costs five
    # PRAGMAs, and closing the last one checkpoints and truncates the WAL: together a quarter of a
    # public intake submission's time. PostgreSQL connections go back to their pool either way.
    keep = app.config.get("DB_KEEP_CONNECTION")
    if keep is None:
        keep = isinstance(database, SqliteDatabase) and not app.testing

    @app.teardown_appcontext
    def _close(exc):
        if not keep and not db.is_closed() and not db.in_transaction():
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
        app.logger.error("Schema check failed: %s", exc)
        message = _(
            "The database is not at the schema this version of Brobygger needs. "
            "An administrator must run: flask --app app db upgrade"
        )
        return render_template("error.html", code=503, title=_("Not ready"), message=message), 503

    app.cli.add_command(db_cli)


def verify_schema(app):
    """Raise SchemaError if the app's database schema is not the current one."""
    database = app.extensions["database"]
    database.connect(reuse_if_open=True)
    check_schema(database, migration_sets(app))
    app.extensions["schema_ok"] = True


db_cli = AppGroup("db", help="Database schema commands.")


@db_cli.command("upgrade", help="Bring the database to the current schema (core and enabled plugins).")
def upgrade():
    applied = []
    with db.obj.connection_context():
        for migration_set in migration_sets(current_app):
            applied += migration_set.router(db.obj).run()
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "The schema is up to date.")


MIGRATION_TEMPLATE = '''"""{summary}"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    raise NotImplementedError("write the migration")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    raise NotImplementedError("write the rollback")
'''


def new_migration(directory, name, summary):
    """Write the next numbered migration file in `directory` (e.g. 010_<name>.py); its path."""
    if not name.replace("_", "").isalnum() or not name.islower():
        raise click.BadParameter("Use lower case letters, digits and underscores, e.g. add_retention.")
    directory = Path(directory)
    numbers = [int(p.name.split("_", 1)[0]) for p in directory.glob("[0-9]*_*.py")]
    path = directory / f"{max(numbers, default=0) + 1:03d}_{name}.py"
    path.write_text(MIGRATION_TEMPLATE.format(summary=summary or name.replace("_", " ").capitalize() + "."))
    return path


@db_cli.command("new", help="Start a new migration file: flask --app app db new add_something [--plugin intake].")
@click.argument("name")
@click.option("--plugin", default=None, help="A plugin's migrations instead of the core's.")
@click.option("--summary", default="", help="The migration's one-line docstring.")
def new(name, plugin, summary):
    sets = {migration_set.name: migration_set for migration_set in migration_sets(current_app)}
    migration_set = sets.get(plugin or "core")
    if migration_set is None:
        raise click.BadParameter(f"No enabled plugin with migrations called {plugin!r}.", param_hint="--plugin")
    click.echo(f"Created {new_migration(migration_set.directory, name, summary)}")


@db_cli.command("status", help="List applied and pending migrations.")
def status():
    for migration_set in migration_sets(current_app):
        r = migration_set.router(db.obj)
        done, pending = ", ".join(r.done) or "none", ", ".join(r.diff) or "none"
        click.echo(f"{migration_set.name}: applied {done}; pending {pending}")
