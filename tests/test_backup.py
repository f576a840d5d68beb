"""`flask db backup` / `flask db restore` (issue 15): a backup taken while cases are being written
restores into an empty database whole — integrity ok, schema current, every row of the snapshot."""

import threading

import psycopg2
import pytest
from peewee import SqliteDatabase

from extensions import db
from models import Citizen, Referral
from tests import factories
from tests.conftest import PG_URL, TEST_CONFIG


def _restore_target(database_url, tmp_path):
    """An empty database of the same kind as the test's."""
    if database_url.startswith("sqlite:"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    base, name = PG_URL.rsplit("/", 1)
    target = f"{name}_restore"
    conn = psycopg2.connect(f"{base}/{name}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{target}"')
    conn.close()
    conn = psycopg2.connect(f"{base}/{target}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    conn.close()
    return f"{base}/{target}"


def _writer(app, org_id, stop, written):
    """Cases written one transaction at a time until told to stop (ids of committed ones)."""
    with app.app_context(), db.connection_context():
        while not stop.is_set():
            with db.atomic():
                citizen = Citizen.create(organisation=org_id, name="Under Backup", initials="UB")
                case = Referral.create(organisation=org_id, citizen=citizen)
            written.append(case.id)


def test_backup_during_writes_restores_whole_into_an_empty_database(app, make_app, world, database_url, tmp_path):
    backup = tmp_path / "brobygger.backup"
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(app, world.a.org.id, stop, written))
    thread.start()
    try:
        for _ in range(1000):
            if len(written) >= 5 or not thread.is_alive():
                break
            stop.wait(0.01)
        result = app.test_cli_runner().invoke(args=["db", "backup", str(backup)])
        after = len(written) + 3
        for _ in range(500):  # writes go on after the snapshot
            if len(written) >= after:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert result.exit_code == 0, result.output
    assert backup.exists() and not backup.with_name(backup.name + ".partial").exists()
    assert app.test_cli_runner().invoke(args=["db", "backup", str(backup)]).exit_code != 0  # never overwrites

    target_url = _restore_target(database_url, tmp_path)
    restored_app = make_app(DATABASE_URL=target_url)
    result = restored_app.test_cli_runner().invoke(args=["db", "restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Restored and checked" in result.output

    target = restored_app.extensions["database"]
    with target.connection_context():
        ids = [r[0] for r in target.execute_sql("SELECT id FROM referral ORDER BY id")]
        (under_backup,) = target.execute_sql("SELECT count(*) FROM citizen WHERE name = 'Under Backup'").fetchone()
        orphans = target.execute_sql(
            "SELECT count(*) FROM referral r LEFT JOIN citizen c ON c.id = r.citizen_id WHERE c.id IS NULL"
        ).fetchone()[0]
    restored_new = [i for i in ids if i in set(written)]
    # A snapshot: the cases written before it, all of them, and no half-written one.
    assert len(restored_new) >= 5
    assert restored_new == sorted(written)[: len(restored_new)]
    assert under_backup == len(restored_new) and orphans == 0
    with db.connection_context():
        source_world = [r.id for r in Referral.select(Referral.id).where(Referral.id.not_in(written))]
    assert set(source_world) <= set(ids)

    # The restored database serves: its own admin can log in and sees the cases.
    client = restored_app.test_client()
    admin = world.a.users["admin"]
    assert client.post("/login", data={"email": admin.email, "password": factories.PASSWORD}).status_code == 302
    assert "Under Backup" in client.get("/admin/referral/").get_data(as_text=True)
    if isinstance(target, SqliteDatabase):  # the FTS index came along and is consistent
        assert "Under Backup" in client.get("/admin/referral/?search=under+backup").get_data(as_text=True)


def test_restore_refuses_a_database_that_is_not_empty(app, world, tmp_path):
    backup = tmp_path / "b.backup"
    assert app.test_cli_runner().invoke(args=["db", "backup", str(backup)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["db", "restore", str(backup)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    with db.connection_context():
        assert Referral.select().count() > 0  # untouched


@pytest.mark.parametrize("content", [b"", b"not a backup at all"])
def test_restore_of_a_damaged_file_fails_cleanly(make_app, database_url, tmp_path, content):
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    target_app = make_app(DATABASE_URL=_restore_target(database_url, tmp_path), **TEST_CONFIG)
    result = target_app.test_cli_runner().invoke(args=["db", "restore", str(bad)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
