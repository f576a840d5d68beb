"""A full disk (and a database out of memory or connections) answers 503, never 500 (issue 15).

SQLite is filled for real: `PRAGMA max_page_count` caps the file at its current size and a filler
table takes the last free pages, so the next write that needs a page fails with SQLITE_FULL
("database or disk is full"), exactly as on a full file system. PostgreSQL raises the server's own
errors (SQLSTATE 53100 disk_full "could not extend file", 53200 out_of_memory, 53300
too_many_connections) from a trigger halfway through the submission's transaction, so what was
already written in it must be rolled back; a lost or refused connection is raised where the pool
connects. Each time: 503 with Retry-After and a Danish page, nothing half-written, and the next
request after the condition has passed (space freed, trigger gone) works without a restart.
"""

import sqlite3

import pytest

from extensions import db
from models import Citizen, Contact, Referral
from plugins.intake.demo import seed_forms
from plugins.intake.models import IntakeAnswer, IntakeForm, IntakeQuestion, IntakeSubmission
from tests import factories
from tests.conftest import PG_URL
from tests.plugin_data import page_token

needs_pg = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
FULL_DA = "ikke plads"  # "Der er ikke plads til at gemme …" (resilience.full_response)
BUSY_DA = "prøv igen"


def _public_world(app):
    """A world with the catalogue's forms; the GP form gets two long free-text questions, so a
    submission needs pages of its own (a few short rows would fit in pages already there)."""
    db.initialize(app.extensions["database"])
    world = factories.build_world()
    seed_forms(world.a.org)
    form = IntakeForm.get((IntakeForm.organisation == world.a.org.id) & (IntakeForm.audience == "public_gp"))
    for position in (90, 91):
        IntakeQuestion.create(form=form, position=position, label=f"Uddybning {position}", kind="long_text")
    return world, form


def _submission(client, world, form):
    page = client.get(f"/henvis/{world.a.org.slug}/laege").get_data(as_text=True)
    questions = form.active_questions()
    data = {
        "token": page_token(page),
        "name": "Søren Ærø",
        "birth_year": "1941",
        "gender": "male",
        "postal_code": "2450",
        "channel": str(world.a.channel.id),
        "referrer_name": "Dr. Fuld",
        "consent": "y",
        f"q_{questions[1].id}": "Næsten aldrig",  # the required choice
    }
    for question in questions:
        if question.kind == "long_text":
            data[f"q_{question.id}"] = "ø" * 2000
    return data


def _counts():
    return (
        Citizen.select().count(),
        Referral.select().count(),
        IntakeSubmission.select().count(),
        IntakeAnswer.select().count(),
    )


def _assert_unavailable(response, message=FULL_DA):
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"].isdigit()
    page = response.get_data(as_text=True)
    assert message in page and "intet blev gemt" in page


def _fill_sqlite(app, database_url):
    """Cap the file at its size (every connection the app opens) and take its free pages."""
    path = database_url.split("sqlite:///", 1)[1]
    filler = sqlite3.connect(path, isolation_level=None)
    filler.execute("CREATE TABLE zz_filler (b BLOB)")
    pages = filler.execute("PRAGMA page_count").fetchone()[0]
    database = app.extensions["database"]
    database._pragmas = [*database._pragmas, ("max_page_count", pages)]
    database.close()  # the next request connects with the cap
    filler.execute(f"PRAGMA max_page_count = {pages}")
    for size in (4000, 1000, 100, 1):
        try:
            while True:
                filler.execute("INSERT INTO zz_filler VALUES (zeroblob(?))", (size,))
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)
    return filler


def _free_sqlite(app, filler):
    filler.execute("DROP TABLE zz_filler")  # its pages go back to the free list
    filler.close()
    database = app.extensions["database"]
    database._pragmas = [p for p in database._pragmas if p[0] != "max_page_count"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_full_disk_answers_503_and_recovers_without_restart(make_app, database_url):
    app = make_app()
    world, form = _public_world(app)
    client = app.test_client()
    data = _submission(client, world, form)
    before = _counts()
    filler = _fill_sqlite(app, database_url)
    try:
        response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
        _assert_unavailable(response)
        assert _counts() == before  # nothing half-written: no citizen, case, submission or answer
        # A page that only reads still works on a full disk.
        assert client.get(f"/henvis/{world.a.org.slug}/laege").status_code == 200
    finally:
        _free_sqlite(app, filler)
    # Space is back: the same form, sent again, is stored once, by the same running app.
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert response.status_code == 303
    assert _counts()[1:3] == (before[1] + 1, before[2] + 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_full_disk_staff_write_answers_503(make_app, database_url):
    app = make_app()
    db.initialize(app.extensions["database"])
    world = factories.build_world()
    a = world.a
    client = app.test_client()
    assert client.post("/login", data={"email": a.users["admin"].email, "password": factories.PASSWORD}).status_code
    contacts = Contact.select().count()
    note = {"referral": str(a.referral.id), "date": "2025-05-05", "minutes": "10", "note": "æ" * 3000}
    filler = _fill_sqlite(app, database_url)
    try:
        response = client.post("/admin/contact/new/", data=note)
        _assert_unavailable(response)
        assert Contact.select().count() == contacts
    finally:
        _free_sqlite(app, filler)
    assert client.post("/admin/contact/new/", data=note).status_code == 302
    assert Contact.select().count() == contacts + 1


RESOURCE_ERRORS = [
    ("disk_full", 'could not extend file "base/16384/16385": No space left on device', FULL_DA),
    ("out_of_memory", "out of memory", FULL_DA),
    ("too_many_connections", "sorry, too many clients already", BUSY_DA),
]


@needs_pg
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("condition, text, message", RESOURCE_ERRORS)
def test_postgres_resource_errors_answer_503_and_roll_back(make_app, database_url, condition, text, message):
    app = make_app()
    world, form = _public_world(app)
    client = app.test_client()
    data = _submission(client, world, form)
    before = _counts()
    # The server raises the error itself, after the submission and the citizen were inserted in
    # the same transaction (the referral is written next).
    db.execute_sql(
        "CREATE FUNCTION zz_resource_error() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION USING ERRCODE = '{condition}', MESSAGE = '{text}'; END $$"
    )
    db.execute_sql(
        "CREATE TRIGGER zz_resource_error BEFORE INSERT ON referral FOR EACH ROW EXECUTE FUNCTION zz_resource_error()"
    )
    try:
        response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
        _assert_unavailable(response, message)
        assert _counts() == before
    finally:
        db.execute_sql("DROP TRIGGER IF EXISTS zz_resource_error ON referral")
        db.execute_sql("DROP FUNCTION IF EXISTS zz_resource_error()")
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert response.status_code == 303
    assert _counts()[1:3] == (before[1] + 1, before[2] + 1)


@needs_pg
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_error_classes_raised_by_the_driver_answer_503(make_app, database_url, monkeypatch):
    """The same errors when the driver raises them without a server SQLSTATE (psycopg2's classes)."""
    import peewee
    import psycopg2.errors
    from playhouse.pool import PooledPostgresqlDatabase

    app = make_app()
    world, form = _public_world(app)
    client = app.test_client()
    data = _submission(client, world, form)
    before = _counts()
    original = PooledPostgresqlDatabase.execute_sql

    for error in (psycopg2.errors.DiskFull, psycopg2.errors.OutOfMemory, psycopg2.errors.TooManyConnections):

        def failing(self, sql, params=None, *args, error=error, **kwargs):
            if sql.lstrip().upper().startswith('INSERT INTO "REFERRAL"'):
                with peewee.__exception_wrapper__:  # as peewee raises the driver's errors
                    raise error("could not extend file")
            return original(self, sql, params, *args, **kwargs)

        monkeypatch.setattr(PooledPostgresqlDatabase, "execute_sql", failing)
        response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
        assert response.status_code == 503, (error, response.get_data(as_text=True)[:300])
        assert response.headers["Retry-After"].isdigit()
        assert _counts() == before
        monkeypatch.setattr(PooledPostgresqlDatabase, "execute_sql", original)
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data=data).status_code == 303


@needs_pg
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_refused_connection_and_full_pool_answer_503(make_app, database_url, monkeypatch):
    import psycopg2
    from playhouse.pool import MaxConnectionsExceeded

    app = make_app()
    world, _form = _public_world(app)
    database = app.extensions["database"]
    database.close_all()
    client = app.test_client()
    path = f"/henvis/{world.a.org.slug}/laege"
    for error in (
        psycopg2.OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients already'
        ),
        MaxConnectionsExceeded("Exceeded maximum connections."),
    ):

        def refuse(*args, error=error, **kwargs):
            raise error

        monkeypatch.setattr(database, "_connect", refuse)
        response = client.get(path)
        _assert_unavailable(response, BUSY_DA)
        monkeypatch.undo()
        database.close_all()
        assert client.get(path).status_code == 200
