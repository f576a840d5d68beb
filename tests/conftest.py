"""One conftest builds the app once per test session and database, and empties the database
before every test.

Every test that uses `app` (or `client`, `world`, `login`...) runs once on SQLite and, when
TEST_DATABASE_URL is set, once more on PostgreSQL. The schema is built by the real migrations,
once per session and database; each test then starts from empty tables and a fresh rate-limit
store. Tests that need other settings build their own app with `make_app(**config)`.
"""

import os
import shutil
import sqlite3

import pytest

from app import create_app
from database import builtin_migration_sets, open_database
from extensions import db, limiter
from plugins.intake.demo import seed_forms
from plugins.intake.models import IntakeForm
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url):
    """With pytest-xdist each worker gets its own PostgreSQL database (<name>_<worker>)."""
    if not url or not WORKER:
        return url
    import psycopg2
    from psycopg2 import sql

    base, name = url.rsplit("/", 1)
    worker_name = f"{name}_{WORKER}"
    conn = psycopg2.connect(f"{base}/{name}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (worker_name,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(worker_name)))
    conn.close()
    return f"{base}/{worker_name}"


PG_URL = _worker_database(PG_URL)

if IN_CI and not PG_URL:
    raise pytest.UsageError("CI must run the suite on PostgreSQL too: set TEST_DATABASE_URL.")

DATABASES = ["sqlite"] + (["postgres"] if PG_URL else [])


def _migrate(url):
    database = open_database(url, max_connections=2)
    with database.connection_context():
        for migration_set in builtin_migration_sets():
            migration_set.router(database).run()
    database.close_all() if hasattr(database, "close_all") else database.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    import psycopg2

    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    conn.close()
    _migrate(PG_URL)
    conn = psycopg2.connect(PG_URL)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'migrate_history%'"
        )
        tables = [row[0] for row in cur.fetchall()]
    conn.close()
    return tables


@pytest.fixture(scope="session")
def sqlite_database(sqlite_template):
    """The session's SQLite file (a copy of the migrated template) and its data tables."""
    path = sqlite_template.with_name("test.db")
    shutil.copy(sqlite_template, path)
    conn = sqlite3.connect(path)
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'migrate_history%' "
            # The FTS5 search indexes (migration 017) and their shadow tables follow their tables'
            # rows through triggers; deleting from them directly breaks them.
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%!_fts' ESCAPE '!' "
            "AND name NOT LIKE '%!_fts!_%' ESCAPE '!'"
        )
    ]
    conn.close()
    return path, tables


def _empty_sqlite(path, tables):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    # Triggers (the audit log's append-only rule) are set aside while emptying, like TRUNCATE on PostgreSQL.
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    for table in tables:
        conn.execute(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        conn.execute("DELETE FROM sqlite_sequence")
    # The search indexes were kept in step by the triggers just set aside: empty them too.
    for (fts,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%fts5%'").fetchall():
        conn.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'delete-all\')')  # noqa: S608 - our own table names
    for _name, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture(params=DATABASES)
def database_url(request):
    """The test's database, emptied: same tables, no rows, ids from 1."""
    if db.obj is not None and not db.is_closed():
        db.close()
    if request.param == "sqlite":
        path, tables = request.getfixturevalue("sqlite_database")
        _empty_sqlite(path, tables)
        return f"sqlite:///{path}"
    tables = request.getfixturevalue("postgres_schema")
    import psycopg2

    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in tables)))
    conn.close()
    return PG_URL


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "LOGIN_RATE_LIMIT": "1000 per minute",
    "POOL_MAX_CONNECTIONS": 4,
    # Cheap argon2 parameters: the same code path, a fraction of the time.
    "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    # The suite's users log in with the password alone; tests/test_mfa.py builds apps with
    # production's MFA_REQUIRED_ROLES (admins and coordinators) and logs in with codes.
    "MFA_REQUIRED_ROLES": (),
}


@pytest.fixture
def make_app(database_url):
    """Build an app on this test's database with extra config (the `app` fixture uses none)."""
    apps = []

    def build(**config):
        app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **config})
        apps.append(app)
        return app

    yield build
    for app in apps:
        database = app.extensions["database"]
        if hasattr(database, "close_all"):
            database.close_all()
        else:
            database.close()


@pytest.fixture(scope="session")
def _session_apps():
    """Apps built once per session, one per database URL (building one takes ~0.4 s)."""
    apps = {}
    yield apps
    for app in apps.values():
        database = app.extensions["database"]
        database.close_all() if hasattr(database, "close_all") else database.close()


@pytest.fixture
def app(database_url, _session_apps):
    # No app context is pushed here: requests must each get their own (and their own `g`), or
    # Flask-Login's cached user would leak from one request to the next.
    app = _session_apps.get(database_url)
    if app is None:
        app = _session_apps[database_url] = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    db.initialize(app.extensions["database"])  # a make_app() of an earlier test bound another
    limiter.reset()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """Two organisations, each with one user per role, partners, activities and cases."""
    return factories.build_world()


@pytest.fixture
def login(app):
    """login(user) → a test client logged in as `user`."""

    def _login(user, password=factories.PASSWORD):
        c = app.test_client()
        response = c.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return c

    return _login


@pytest.fixture
def forms(world):
    """The intake plugin's default forms in world.a, by audience."""
    seed_forms(world.a.org)
    return {f.audience: f for f in IntakeForm.select().where(IntakeForm.organisation == world.a.org.id)}
