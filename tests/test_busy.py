"""Concurrent writers and held locks: never a 500 (issue 9, item 8).

A lock held past the lock timeout answers 503 with Retry-After and a Danish "try again" page, on
SQLite (another connection's write transaction) and on PostgreSQL (a row lock), and nothing is
half-written. Writers in separate processes on one SQLite file all succeed: every transaction
takes the write lock when it begins, so none fails with "database is locked" halfway.
"""

import multiprocessing
import sqlite3

import pytest

from models import Contact, Referral
from tests import factories
from tests.conftest import TEST_CONFIG


def _hold_write_lock(database_url, referral_id):
    """Another connection that holds the lock a write to `referral_id` needs; returns it."""
    if database_url.startswith("sqlite:"):
        conn = sqlite3.connect(database_url.split("sqlite:///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        return conn
    import psycopg2

    conn = psycopg2.connect(database_url)
    cur = conn.cursor()
    cur.execute("SELECT id FROM referral WHERE id = %s FOR UPDATE", (referral_id,))
    return conn


def test_a_held_lock_answers_503_with_retry_after_and_saves_nothing(make_app, database_url):
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=200)
    world = factories.build_world()
    a = world.a
    client = app.test_client()
    assert (
        client.post("/login", data={"email": a.users["admin"].email, "password": factories.PASSWORD}).status_code == 302
    )
    contacts = Contact.select().count()
    holder = _hold_write_lock(database_url, a.referral.id)
    try:
        response = client.post("/admin/referral/status/", data={"id": str(a.referral.id), "to": "contacted"})
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert "prøv igen" in response.get_data(as_text=True)
        response = client.post(
            "/admin/contact/new/", data={"referral": str(a.referral.id), "date": "2025-05-05", "minutes": "10"}
        )
        assert response.status_code == 503
    finally:
        holder.rollback() if hasattr(holder, "rollback") else None
        holder.close()
    assert Contact.select().count() == contacts
    assert Referral.get_by_id(a.referral.id).status == "received"
    # Once the lock is gone the same request works.
    response = client.post("/admin/referral/status/", data={"id": str(a.referral.id), "to": "contacted"})
    assert response.status_code == 302
    assert Referral.get_by_id(a.referral.id).status == "contacted"


def _writer(database_url, email, referral_ids, rounds, kind, results):
    """One process: log in and write `rounds` times to the given cases; report the status codes."""
    from app import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    client = app.test_client()
    codes = []
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    codes.append(response.status_code)
    for i in range(rounds):
        referral_id = referral_ids[i % len(referral_ids)]
        if kind == "contact":
            response = client.post(
                "/admin/contact/new/", data={"referral": str(referral_id), "date": "2025-05-05", "minutes": str(i)}
            )
        else:  # move the case back and forth through the workflow
            response = client.post(
                "/admin/referral/status/", data={"id": str(referral_id), "to": ("waiting", "active")[i % 2]}
            )
        codes.append(response.status_code)
    results.put((kind, codes))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_concurrent_writers_in_separate_processes_never_fail(app, database_url):
    world = factories.build_world()
    a = world.a
    cases = [factories.make_referral(a.org, status="active", assigned_to=a.users["bridge_builder"]) for _ in range(3)]
    ids = [c.id for c in cases]
    contacts = Contact.select().count()
    from extensions import db

    db.close()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    rounds = 15
    jobs = [("contact", a.users["bridge_builder"].email), ("contact", a.users["coordinator"].email)]
    jobs += [("status", a.users["admin"].email), ("status", a.users["coordinator"].email)]
    processes = [
        context.Process(target=_writer, args=(database_url, email, ids, rounds, kind, results)) for kind, email in jobs
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    for kind, codes in outcomes:
        assert codes[0] == 302, codes
        assert all(code == 302 for code in codes[1:]), (kind, codes)
    db.connect(reuse_if_open=True)
    assert Contact.select().count() == contacts + 2 * rounds
