"""The shell commands (db upgrade, create-user, seed-demo) and the schema check."""

import datetime

import peewee as pw
import pytest

from app import create_app
from database import SchemaError, check_schema, open_database, verify_schema
from demo import DEMO_LOGINS, DEMO_PASSWORD
from models import Citizen, Organisation, Referral, User
from tests.conftest import TEST_CONFIG


def test_create_user_from_the_shell(runner, world):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Ny@Demo.dk",
            "--name",
            "Ny Koordinator",
            "--role",
            "coordinator",
            "--organisation",
            world.a.org.slug,
            "--password",
            "et-langt-kodeord",
        ],
    )
    assert result.exit_code == 0, result.output
    user = User.get(User.email == "ny@demo.dk")
    assert user.role == "coordinator" and user.organisation_id == world.a.org.id
    assert user.check_password("et-langt-kodeord")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "admin", "--organisation", "no-such-org", "--password", "et-langt-kodeord"], "No organisation"),
        (["--role", "admin", "--organisation", "ORG", "--password", "kort"], "at least 10"),
        (["--role", "partner", "--organisation", "ORG", "--password", "et-langt-kodeord"], "partner"),
        (["--role", "wizard", "--organisation", "ORG", "--password", "et-langt-kodeord"], "wizard"),
    ],
)
def test_create_user_refuses_bad_input(runner, world, args, message):
    args = [world.a.org.slug if a == "ORG" else a for a in args]
    result = runner.invoke(args=["create-user", "--email", "x@demo.dk", "--name", "X", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not User.select().where(User.email == "x@demo.dk").exists()


def test_seed_demo_is_idempotent_and_every_demo_login_works(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = (Organisation.select().count(), Citizen.select().count(), Referral.select().count())
    assert counts[2] >= 300
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "nothing duplicated" in result.output
    assert (Organisation.select().count(), Citizen.select().count(), Referral.select().count()) == counts
    statuses = {status for (status,) in Referral.select(Referral.status).distinct().tuples()}
    assert statuses == {"received", "contacted", "active", "waiting", "declined", "closed"}
    kirsten = Citizen.get(Citizen.name == "Kirsten Holm")
    assert kirsten.referrals[0].matches.count() == 2
    expected_home = {"admin": 200, "coordinator": 200, "bridge_builder": 200, "partner": 200, "evaluator": 200}
    expected_cases = {"admin": 200, "coordinator": 200, "bridge_builder": 200, "partner": 403, "evaluator": 403}
    for email, role in DEMO_LOGINS:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/admin/").status_code == expected_home[role]
        assert client.get("/admin/referral/").status_code == expected_cases[role], role


def test_app_refuses_a_database_without_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with pytest.raises(SchemaError, match="db upgrade"):
        verify_schema(app)
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert "db upgrade" in response.get_data(as_text=True)


def test_db_upgrade_brings_an_empty_database_to_the_current_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    verify_schema(app)
    assert app.test_client().get("/login").status_code == 200
    assert "up to date" in app.test_cli_runner().invoke(args=["db", "upgrade"]).output


def test_unknown_migration_in_the_database_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'future.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    database = open_database(url)
    database.execute_sql("INSERT INTO migrate_history (name, migrated_at) VALUES ('999_from_the_future', '2030-01-01')")
    with pytest.raises(SchemaError, match="does not know"):
        check_schema(database)
    database.close()


def test_refold_migration_recomputes_old_search_keys(tmp_path):
    from database import CORE
    from extensions import db

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        CORE.router(db.obj).run("004_closing_and_outcomes")
        # Rows written as the old schema had them (today's models have columns it lacks).
        now, old = datetime.datetime(2024, 1, 1), "aase ostergaard ao"  # before the change "aa" stayed "aa"
        stamps = {"created_at": now, "updated_at": now}
        org_id = (
            pw.Table("organisation")
            .bind(db.obj)
            .insert(
                name="Gammel", slug="gammel", minimal_records=False, allow_anonymous=True, max_case_days=365, **stamps
            )
            .execute()
        )
        citizen_id = (
            pw.Table("citizen")
            .bind(db.obj)
            .insert(
                organisation_id=org_id,
                name="Aase Østergaard",
                initials="AØ",
                anonymous=False,
                gender="female",
                search_key=old,
                version=1,
                **stamps,
            )
            .execute()
        )
        referral_id = (
            pw.Table("referral")
            .bind(db.obj)
            .insert(
                organisation_id=org_id,
                citizen_id=citizen_id,
                received_on=now.date(),
                status="received",
                shared=False,
                search_key="",
                version=1,
                **stamps,
            )
            .execute()
        )
        pw.Table("referral", ("id", "search_key")).bind(db.obj).update(search_key=f"{referral_id} {old}").execute()
        CORE.router(db.obj).run()
        assert Citizen.get_by_id(citizen_id).search_key == "ase ostergard ao"
        assert Referral.get_by_id(referral_id).search_key == f"{referral_id} ase ostergard ao"


def test_db_new_writes_the_next_numbered_migration(runner, tmp_path, monkeypatch):
    import database

    (tmp_path / "008_old.py").write_text("")
    (tmp_path / "009_older.py").write_text("")
    monkeypatch.setattr(database.CORE, "directory", tmp_path)
    result = runner.invoke(args=["db", "new", "add_retention", "--summary", "Retention per organisation."])
    assert result.exit_code == 0, result.output
    created = tmp_path / "010_add_retention.py"
    assert created.exists() and '"""Retention per organisation."""' in created.read_text()
    compile(created.read_text(), str(created), "exec")


def test_db_new_refuses_a_bad_name_and_an_unknown_plugin(runner):
    assert runner.invoke(args=["db", "new", "Add Retention"]).exit_code != 0
    result = runner.invoke(args=["db", "new", "x", "--plugin", "nope"])
    assert result.exit_code != 0 and "nope" in result.output
