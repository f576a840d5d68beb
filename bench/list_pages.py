#!/usr/bin/env python
"""Benchmark of Brobygger's admin list pages on a national-scale database.

    .venv/bin/python bench/list_pages.py [--rows N] [--db sqlite|postgres|both] [--reps 20]

For each database it
  1. builds N referrals (plus citizens, reasons, contacts and matches) for organisation 1 and
     the same amount for organisation 2, with the real migrations and bulk inserts;
  2. logs in through the Flask test client as an admin and as a bridge builder of organisation 1
     and measures, per page, the number of SQL queries of one request and the median wall time;
  3. times the hand-written SQL floor of every page (the one SELECT of the page's rows with the
     same WHERE/ORDER/LIMIT, plus one IN-lookup per foreign key shown) and replays the SQL the
     page actually ran ("app SQL"), so page time splits into SQL and Python/template time;
  4. checks that the query count of a page does not grow with the number of rows it shows
     (page size 25 vs 3, export 10 000 vs 1 000 rows, rich vs plain case page, ajax limit 10 vs 1);
  5. EXPLAINs every distinct SELECT the pages ran and flags full scans and organisation-wide reads;
  6. times candidate fixes ("what-if": indexes, rewritten scoping, trigram search) as raw SQL, their
     DDL inside a rolled-back transaction.

The table goes to stdout and bench/results/latest.md (plus rows<N>.md and rows<N>.json).
Never point BENCH_PG_URL at a database you care about: its public schema is dropped.
"""

# The SQL below is assembled from constants and fixed fragments of this file, never from input.
# ruff: noqa: S105, S608, S603, S607

import argparse
import datetime
import json
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APP_COMMIT = None  # set by --snapshot: the app code is the committed HEAD, not the working tree

RESULTS = ROOT / "bench" / "results"
SQLITE_PATH = RESULTS / "bench.sqlite"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/brobygger_bench")
PASSWORD = "bench-password-123"
PAGE_SIZE = 25
SMALL_PAGE_SIZE = 3
SMALL = {"page_size": SMALL_PAGE_SIZE}  # the page at ~1/8 of its rows
# A full page may run up to this many more queries than the small one without an N+1: the batch
# lookups of a foreign key are skipped when every shown row has it NULL (e.g. unassigned cases).
FK_SLACK = 2
ORG_WIDE = 2000  # PostgreSQL: a scan node reading more rows than this is flagged
BIG_TABLES = {"citizen", "referral", "contact", "match", "referral_reason_link", "audit_log", "attendance"}

FIRST_F = ["Kirsten", "Inge", "Birthe", "Hanne", "Lone", "Grethe", "Åse", "Søs", "Mette", "Jytte", "Bodil", "Dorthe"]
FIRST_M = ["Søren", "Jørgen", "Bent", "Poul", "Erik", "Ole", "Niels", "Henning", "Æbbe", "Arne", "Bjørn", "Gorm"]
LAST = [
    "Hansen",
    "Jensen",
    "Nielsen",
    "Pedersen",
    "Mørk",
    "Sørensen",
    "Ærø",
    "Larsen",
    "Østergaard",
    "Kjær",
    "Rasmussen",
    "Christensen",
    "Holm",
    "Sønderby",
    "Bæk",
    "Andersen",
    "Thomsen",
    "Poulsen",
    "Lund",
    "Dahl",
]
POSTAL = ["1620", "1650", "1720", "1799", "2450", "2500", "5000", "8000", "8200", "9000", "6700", "7100"]
STATUSES = ["received"] * 3 + ["contacted"] * 3 + ["active"] * 8 + ["waiting"] + ["declined"] + ["closed"] * 6


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# =============================================================================================
# 1. Building the database
# =============================================================================================


def pg_dbname(url):
    return urlsplit(url).path.lstrip("/")


def reset_postgres(url):
    import psycopg2

    name = pg_dbname(url)
    if name in ("", "test", "postgres", "template0", "template1"):
        raise SystemExit(f"Refusing to drop the public schema of database {name!r}.")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    conn.close()


def reset_sqlite(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


_INSERT_SQL = {}


def insert_chunks(model, fields, rows):
    """insert_many in chunks that stay under SQLite's 32 766 host parameters.

    Peewee spends ~25 µs per value building an INSERT, ten times what the database spends storing
    it, so chunks have power-of-two sizes and the statement insert_many builds for a table and size
    is kept and re-executed with the next chunk's values (checked, the first time, to be exactly the
    parameters peewee itself would send).
    """
    database = model._meta.database
    size = 1 << ((30000 // len(fields)).bit_length() - 1)
    i = 0
    while i < len(rows):
        while size > len(rows) - i:
            size //= 2
        part = rows[i : i + size]
        i += size
        flat = [value for row in part for value in row]
        key = (type(getattr(database, "obj", database)).__name__, model, size)
        if key not in _INSERT_SQL:
            sql, params = model.insert_many(part, fields=fields).sql()
            assert list(params) == flat, f"{model.__name__}: peewee converts values; cannot reuse its SQL"
            _INSERT_SQL[key] = sql
        database.execute_sql(_INSERT_SQL[key], flat)


def build(kind, url, n, seed=2024):
    """Create the schema with the real migrations and fill it. Returns a context dict."""
    import database as database_module
    from database import open_database
    from extensions import db

    if kind == "postgres":
        reset_postgres(url)
    else:
        reset_sqlite(SQLITE_PATH)
    routers = migration_routers(database_module, url)
    database = open_database(url, max_connections=2)
    db.initialize(database)
    t0 = time.perf_counter()
    with database.connection_context():
        for make_router in routers:
            make_router(database).run()
        ctx = populate(database, n, random.Random(seed))
        if kind == "postgres":
            for table in ("citizen", "referral", "referral_reason_link", "contact", "match"):
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
                )
            database.execute_sql("ANALYZE")
        else:
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        check_search_keys(ctx)
    database.close_all() if hasattr(database, "close_all") else database.close()
    ctx["build_s"] = time.perf_counter() - t0
    return ctx


def migration_routers(database_module, url):
    """What `flask db upgrade` runs: the core's migrations, then those of every enabled plugin."""
    if not hasattr(database_module, "migration_sets"):
        return [database_module.router]
    app = make_app(url)  # plugins register their migration sets on the app
    sets = database_module.migration_sets(app)
    app_db = app.extensions["database"]
    app_db.close_all() if hasattr(app_db, "close_all") else app_db.close()
    return [migration_set.router for migration_set in sets]


def populate(database, n, rng):
    from demo import ensure_lists
    from extensions import db
    from models import (
        Activity,
        Citizen,
        Contact,
        ContactKind,
        Match,
        Organisation,
        Partner,
        Referral,
        ReferralChannel,
        ReferralReason,
        ReferralReasonLink,
        User,
    )
    from models.search import fold

    today = datetime.date.today()
    span_days = 5 * 365
    orgs = []
    with db.atomic():
        for k in (1, 2):
            org = Organisation.create(name=f"Brobyggerenhed {k} – Århus/Ærø", slug=f"bench-{k}")
            ensure_lists(org)
            partners = [Partner.create(organisation=org, name=f"Forening {j} for ældre") for j in range(6)]
            activities = [
                Activity.create(organisation=org, partner=partners[j % 6], name=f"Fællesspisning {j} i Søhuset")
                for j in range(20)
            ]
            builders = []
            for j in range(12):
                user = User(
                    organisation=org,
                    email=f"bb{j}@org{k}.bench.dk",
                    name=f"Brobygger {j} Møller",
                    role="bridge_builder",
                )
                if j == 0 and k == 1:
                    user.set_password(PASSWORD)
                user.save()
                builders.append(user)
            admin = User(organisation=org, email=f"admin@org{k}.bench.dk", name="Anne Ådmin", role="admin")
            if k == 1:
                admin.set_password(PASSWORD)
            admin.save()
            orgs.append(
                {
                    "id": org.id,
                    "admin": admin,
                    "builders": [u.id for u in builders],
                    "bb": builders[0],
                    "channels": [c.id for c in ReferralChannel.select().where(ReferralChannel.organisation == org)],
                    "reasons": [c.id for c in ReferralReason.select().where(ReferralReason.organisation == org)],
                    "kinds": [c.id for c in ContactKind.select().where(ContactKind.organisation == org)],
                    "activities": [a.id for a in activities],
                    "citizen_ids": [],
                    "citizen_keys": {},
                }
            )

    cit_fields = [
        Citizen.id, Citizen.created_at, Citizen.updated_at, Citizen.version, Citizen.organisation, Citizen.name,
        Citizen.initials, Citizen.anonymous, Citizen.birth_year, Citizen.gender, Citizen.postal_code, Citizen.phone,
        Citizen.email, Citizen.address, Citizen.lives_alone, Citizen.consent_on, Citizen.search_key,
    ]  # fmt: skip
    ref_fields = [
        Referral.id, Referral.created_at, Referral.updated_at, Referral.version, Referral.organisation,
        Referral.citizen, Referral.channel, Referral.referrer_name, Referral.received_on, Referral.assigned_to,
        Referral.status, Referral.first_contact_on, Referral.shared, Referral.note, Referral.search_key,
    ]  # fmt: skip
    link_fields = [ReferralReasonLink.id, ReferralReasonLink.created_at, ReferralReasonLink.updated_at,
                   ReferralReasonLink.referral, ReferralReasonLink.reason]  # fmt: skip
    con_fields = [Contact.id, Contact.created_at, Contact.updated_at, Contact.version, Contact.organisation,
                  Contact.referral, Contact.date, Contact.kind, Contact.minutes, Contact.note, Contact.by]  # fmt: skip
    match_fields = [Match.id, Match.created_at, Match.updated_at, Match.version, Match.organisation, Match.referral,
                    Match.activity, Match.status, Match.role, Match.accompanied, Match.started_on]  # fmt: skip

    ids = {"citizen": 0, "referral": 0, "link": 0, "contact": 0, "match": 0}
    n_citizens = max(1, int(n * 0.9))
    rich = None  # the case page target: many contacts and matches
    plain = None  # a case with one contact and no match
    batch = 2000
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        rows = {"citizen": [], "referral": [], "link": [], "contact": [], "match": []}
        for j in range(start, min(n, start + batch)):
            # Referral j of both organisations, interleaved so ids do not cluster by organisation.
            received = today - datetime.timedelta(days=span_days - (j * span_days) // n)
            created = datetime.datetime.combine(received, datetime.time(8)) + datetime.timedelta(
                minutes=rng.randint(0, 600)
            )
            for o in orgs:
                if j < n_citizens or not o["citizen_ids"]:
                    ids["citizen"] += 1
                    cid = ids["citizen"]
                    female = rng.random() < 0.6
                    first = rng.choice(FIRST_F if female else FIRST_M)
                    last = rng.choice(LAST)
                    anonymous = rng.random() < 0.1
                    name = None if anonymous else f"{first} {last}"
                    initials = f"{first[0]}{last[0]}"
                    postal = rng.choice(POSTAL)
                    phone = None if anonymous or rng.random() < 0.3 else f"{rng.randint(20000000, 99999999)}"
                    email = None if anonymous or rng.random() < 0.7 else f"{fold(first)}{cid}@eksempel.dk"
                    # Exactly what BaseModel.touch() does for Citizen.search_fields.
                    key = fold(" ".join(str(v or "") for v in (name, initials, postal, phone, email)))
                    rows["citizen"].append((
                        cid, created, created, 1, o["id"], name, initials, anonymous,
                        today.year - rng.randint(18, 97), "female" if female else "male", postal, phone, email,
                        None if anonymous else f"Søndergade {rng.randint(1, 200)}", rng.random() < 0.6,
                        None if rng.random() < 0.2 else received,
                        key,
                    ))  # fmt: skip
                    o["citizen_ids"].append(cid)
                    o["citizen_keys"][cid] = key
                else:  # a repeat referral of an earlier citizen
                    cid = rng.choice(o["citizen_ids"])
                    key = o["citizen_keys"][cid]
                ids["referral"] += 1
                rid = ids["referral"]
                status = rng.choice(STATUSES)
                assigned = None if status == "received" else rng.choice(o["builders"])
                first_contact = None if status == "received" else received + datetime.timedelta(days=rng.randint(1, 21))
                want_rich = o is orgs[0] and rich is None and j >= n // 2 and status != "received"
                want_plain = o is orgs[0] and plain is None and j >= n // 2 and status == "contacted" and not want_rich
                if want_rich or want_plain:
                    assigned = orgs[0]["bb"].id
                rows["referral"].append((
                    rid, created, created, 1, o["id"], cid, rng.choice(o["channels"]),
                    rng.choice(["Dr. Holm", "Hjemmeplejen Syd", "Nabo", None]), received, assigned, status,
                    min(first_contact, today) if first_contact else None, rng.random() < 0.1, None,
                    fold(f"{rid} {key}"),  # exactly what Referral.touch() + save() store
                ))  # fmt: skip
                for reason in rng.sample(o["reasons"], rng.randint(1, 2)):
                    ids["link"] += 1
                    rows["link"].append((ids["link"], created, created, rid, reason))
                if first_contact:
                    count = 12 if want_rich else 1 if want_plain else rng.randint(1, 3)
                    for c in range(count):
                        ids["contact"] += 1
                        date = min(first_contact + datetime.timedelta(days=7 * c), today)
                        rows["contact"].append((
                            ids["contact"], created, created, 1, o["id"], rid, date, rng.choice(o["kinds"]),
                            rng.choice([15, 30, 60, 90]), None, assigned,
                        ))  # fmt: skip
                if want_rich or (status in ("active", "closed") and not want_plain):
                    for _ in range(6 if want_rich else 1 + (rng.random() < 0.2)):
                        ids["match"] += 1
                        rows["match"].append((
                            ids["match"], created, created, 1, o["id"], rid, rng.choice(o["activities"]),
                            "joined" if status == "closed" else rng.choice(["suggested", "tried", "joined"]),
                            "volunteer" if rng.random() < 0.1 else "participant", rng.random() < 0.3,
                            first_contact,
                        ))  # fmt: skip
                if want_rich:
                    rich = rid
                if want_plain:
                    plain = rid
        with db.atomic():
            insert_chunks(Citizen, cit_fields, rows["citizen"])
            insert_chunks(Referral, ref_fields, rows["referral"])
            insert_chunks(ReferralReasonLink, link_fields, rows["link"])
            insert_chunks(Contact, con_fields, rows["contact"])
            insert_chunks(Match, match_fields, rows["match"])
        if start and start % 50000 < batch:
            log(f"    {start:>7} referrals per organisation ({time.perf_counter() - t0:.0f} s)")
    o1 = orgs[0]
    return {
        "n": n,
        "org": o1["id"],
        "other_org": orgs[1]["id"],
        "admin_email": o1["admin"].email,
        "admin_id": o1["admin"].id,
        "bb_email": o1["bb"].email,
        "bb_id": o1["bb"].id,
        "rich": rich,
        "plain": plain,
        "counts": dict(ids),
    }


def check_search_keys(ctx):
    """The bulk-built search keys equal what the models compute on save."""
    from models import Citizen, Referral

    for ref in Referral.select().where(Referral.id.in_([1, 2, ctx["rich"], ctx["counts"]["referral"]])):
        stored_ref, stored_cit = ref.search_key, ref.citizen.search_key
        ref.citizen.touch()
        ref.touch()  # folds "<id> <citizen key>" as save() does after the insert
        assert ref.citizen.search_key == stored_cit, (ref.citizen.search_key, stored_cit)
        assert ref.search_key == stored_ref, (ref.search_key, stored_ref)
    assert Citizen.select().where(Citizen.search_key.contains("soren")).exists()


# =============================================================================================
# 2. Pages
# =============================================================================================


@dataclass
class Page:
    name: str
    url: str
    roles: tuple = ("admin", "bridge_builder")
    floor: object = None  # floor(runner, role) runs the hand-written SQL
    small: dict = field(default_factory=dict)  # how to shrink the page for the constant-count check
    expect: str = ""  # text the page must contain


def q(path, **args):
    return f"{path}?{urlencode(args)}" if args else path


def pages(ctx):
    return [
        Page("referral list", "/admin/referral/", floor=lambda r, role: r.referral_list(role), small=SMALL),
        Page("referral page 100", q("/admin/referral/", page=99),
             floor=lambda r, role: r.referral_list(role, offset=99 * PAGE_SIZE), small=SMALL),
        Page("referral sort received_on asc", q("/admin/referral/", sort=5),
             floor=lambda r, role: r.referral_list(role, order="r.received_on ASC"), small=SMALL),
        Page("referral sort first_contact_on", q("/admin/referral/", sort=6, desc=1),
             floor=lambda r, role: r.referral_list(role, order="r.first_contact_on DESC"), small=SMALL),
        Page("referral filter status=active", q("/admin/referral/", flt0_0="active"),
             floor=lambda r, role: r.referral_list(role, status="active"), small=SMALL),
        Page("referral search søren", q("/admin/referral/", search="søren"),
             floor=lambda r, role: r.referral_list(role, like="soren"), small=SMALL, expect="Søren"),
        Page("referral search miss (full scan)", q("/admin/referral/", search="xyzzy"),
             floor=lambda r, role: r.referral_list(role, like="xyzzy")),
        Page("referral details", q("/admin/referral/details/", id=ctx["rich"]),
             floor=lambda r, role: r.referral_details(role, ctx["rich"]),
             small={"url": q("/admin/referral/details/", id=ctx["plain"])}),
        Page("referral export csv", "/admin/referral/export/csv/", roles=("admin",),
             floor=lambda r, role: r.referral_list(role, limit=10000), small={"export_max_rows": 1000}),
        Page("referral ajax citizen sør", q("/admin/referral/ajax/lookup/", name="citizen", query="sør"),
             floor=lambda r, role: r.citizen_list(role, like="sor", order=None, limit=10),
             small={"url": q("/admin/referral/ajax/lookup/", name="citizen", query="sør", limit=1)}),
        Page("citizen list", "/admin/citizen/", floor=lambda r, role: r.citizen_list(role), small=SMALL),
        Page("citizen search SØREN", q("/admin/citizen/", search="SØREN"),
             floor=lambda r, role: r.citizen_list(role, like="soren"), small=SMALL, expect="Søren"),
        Page("citizen sort birth_year", q("/admin/citizen/", sort=2),
             floor=lambda r, role: r.citizen_list(role, order="c.birth_year ASC"), small=SMALL),
        Page("contact list", "/admin/contact/", floor=lambda r, role: r.contact_list(role), small=SMALL),
        Page("contact export csv", "/admin/contact/export/csv/", roles=("admin",),
             floor=lambda r, role: r.contact_list(role, limit=10000), small={"export_max_rows": 1000}),
        Page("match list", "/admin/match/", floor=lambda r, role: r.match_list(role), small=SMALL),
    ]  # fmt: skip


class Floor:
    """Hand-written SQL for each page: the page's rows, then one IN-lookup per foreign key."""

    def __init__(self, database, ctx):
        self.database = database
        self.ctx = ctx
        self.pg = "postgres" in type(database).__name__.lower()

    def sql(self, text, params=()):
        if self.pg:
            text = text.replace("?", "%s")
        return self.database.execute_sql(text, params).fetchall()

    def by_ids(self, table, ids):
        ids = sorted({i for i in ids if i is not None})
        if ids:
            self.sql(f'SELECT * FROM "{table}" WHERE id IN ({", ".join("?" * len(ids))})', ids)

    def referral_scope(self, role, alias="r"):
        if role == "admin":
            return f"{alias}.organisation_id = ?", [self.ctx["org"]]
        return (
            f"{alias}.organisation_id = ? AND ({alias}.assigned_to_id = ? OR {alias}.assigned_to_id IS NULL"
            f" OR {alias}.shared = ?)",
            [self.ctx["org"], self.ctx["bb_id"], True],
        )

    def referral_list(self, role, offset=0, order="r.received_on DESC", status=None, like=None, limit=PAGE_SIZE):
        where, params = self.referral_scope(role)
        if status:
            where += " AND r.status = ?"
            params.append(status)
        if like:
            where += " AND r.search_key LIKE ?"
            params.append(f"%{like}%")
        rows = self.sql(
            "SELECT r.id, r.citizen_id, r.channel_id, r.assigned_to_id, r.status, r.received_on, r.first_contact_on"
            f" FROM referral r WHERE {where} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            params,
        )
        self.by_ids("citizen", (row[1] for row in rows))
        self.by_ids("referral_channel", (row[2] for row in rows))
        self.by_ids("user", (row[3] for row in rows))
        return rows

    def citizen_visibility(self, role):
        if role == "admin":
            return "c.organisation_id = ?", [self.ctx["org"]]
        # Correlated EXISTS through referral_citizen_id, evaluated only for the citizens the ordered
        # index walk reaches. A citizen's referrals are in the citizen's organisation, so the
        # subqueries need no organisation_id term (with one, SQLite walks an organisation index for
        # every citizen). LIMIT 1 OFFSET 0 stops PostgreSQL from turning an EXISTS under OR into a
        # "hashed SubPlan", which reads every referral of every organisation on each request.
        return (
            "c.organisation_id = ? AND (EXISTS (SELECT 1 FROM referral r WHERE r.citizen_id = c.id AND"
            " (r.assigned_to_id = ? OR r.assigned_to_id IS NULL OR r.shared = ?) LIMIT 1 OFFSET 0)"
            " OR NOT EXISTS (SELECT 1 FROM referral r2 WHERE r2.citizen_id = c.id LIMIT 1 OFFSET 0))",
            [self.ctx["org"], self.ctx["bb_id"], True],
        )

    def citizen_list(self, role, like=None, order="c.created_at DESC", limit=PAGE_SIZE):
        where, params = self.citizen_visibility(role)
        if like:
            where += " AND c.search_key LIKE ?"
            params.append(f"%{like}%")
        order_sql = f" ORDER BY {order}" if order else ""
        return self.sql(
            "SELECT c.id, c.initials, c.name, c.birth_year, c.gender, c.postal_code, c.anonymous, c.consent_on"
            f" FROM citizen c WHERE {where}{order_sql} LIMIT {limit}",
            params,
        )

    def child_scope(self, role, alias):
        if role == "admin":  # a child row's organisation is its case's organisation
            return f"{alias}.organisation_id = ?", [self.ctx["org"]]
        scope, params = self.referral_scope(role, "r")
        return (
            # No LIMIT 1 OFFSET 0 fence here: the match list also counts every visible match, and
            # for that PostgreSQL's hashed subplan is the right plan.
            f"{alias}.organisation_id = ? AND EXISTS (SELECT 1 FROM referral r WHERE r.id = {alias}.referral_id"
            f" AND {scope})",
            [self.ctx["org"], *params],
        )

    def referral_labels(self, referral_ids):
        """Referral.__str__ shows the citizen: the cases and their citizens, one query each."""
        ids = sorted(set(referral_ids))
        if not ids:
            return
        refs = self.sql(f"SELECT id, citizen_id FROM referral WHERE id IN ({', '.join('?' * len(ids))})", ids)
        self.by_ids("citizen", (row[1] for row in refs))

    def contact_list(self, role, limit=PAGE_SIZE):
        where, params = self.child_scope(role, "c")
        rows = self.sql(
            "SELECT c.id, c.referral_id, c.date, c.kind_id, c.minutes, c.by_id"
            f" FROM contact c WHERE {where} ORDER BY c.date DESC LIMIT {limit}",
            params,
        )
        self.referral_labels(row[1] for row in rows)
        self.by_ids("contact_kind", (row[3] for row in rows))
        self.by_ids("user", (row[5] for row in rows))
        return rows

    def match_list(self, role, limit=PAGE_SIZE):
        where, params = self.child_scope(role, "m")
        self.sql(f"SELECT COUNT(*) FROM match m WHERE {where}", params)  # the page shows a numbered pager
        rows = self.sql(
            "SELECT m.id, m.referral_id, m.activity_id, m.status, m.role, m.accompanied, m.started_on, m.ended_on"
            f" FROM match m WHERE {where} ORDER BY m.created_at DESC LIMIT {limit}",
            params,
        )
        self.referral_labels(row[1] for row in rows)
        self.by_ids("activity", (row[2] for row in rows))
        return rows

    def referral_details(self, role, rid):
        where, params = self.referral_scope(role)
        rows = self.sql(
            "SELECT r.citizen_id, r.channel_id, r.assigned_to_id, r.status, r.referrer_name, r.referrer_phone,"
            f" r.received_on, r.first_contact_on, r.shared, r.note FROM referral r WHERE r.id = ? AND {where}",
            [rid, *params],
        )
        self.by_ids("citizen", [rows[0][0]])
        self.by_ids("referral_channel", [rows[0][1]])
        self.by_ids("user", [rows[0][2]])
        contacts = self.sql(
            "SELECT id, date, kind_id, minutes, note FROM contact WHERE referral_id = ? ORDER BY date DESC LIMIT 200",
            [rid],
        )
        matches = self.sql(
            "SELECT id, activity_id, status, role, started_on, ended_on FROM match WHERE referral_id = ?"
            " ORDER BY created_at LIMIT 200",
            [rid],
        )
        self.by_ids("contact_kind", (c[2] for c in contacts))
        self.by_ids("activity", (m[1] for m in matches))
        self.sql(
            "SELECT rr.name FROM referral_reason_link l JOIN referral_reason rr ON rr.id = l.reason_id"
            " WHERE l.referral_id = ?",
            [rid],
        )
        return rows


# =============================================================================================
# 3. Measuring
# =============================================================================================


def make_app(url, **config):
    """The bench's app on `url`; `config` overrides the settings below."""
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "MFA_REQUIRED_ROLES": (),  # the bench logs in with a password only
            "DB_KEEP_CONNECTION": True,  # as a production worker (TESTING alone would close it per request)
            "POOL_MAX_CONNECTIONS": 4,
            # The export probes compare 10 000 with 1 000 rows (export_max_rows): no unlimited roles.
            "EXPORT_UNLIMITED_ROLES": (),
            **config,
        }
    )


def login(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def fetch(client, url):
    response = client.get(url)
    body = response.get_data()
    response.close()
    return response.status_code, body


def count_page(client, url):
    from playhouse.test_utils import count_queries

    with count_queries() as counter:
        status, body = fetch(client, url)
    return status, body, [record.msg for record in counter.get_queries()]


def median_ms(fn, reps, budget_s=20.0, with_min=False):
    times = []
    started = time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        if len(times) >= 3 and time.perf_counter() - started > budget_s:
            break
    if with_min:
        return statistics.median(times), len(times), min(times)
    return statistics.median(times), len(times)


def admin_view(app, url):
    endpoint = url.split("/")[2]
    for view in app.extensions["brobygger_admin"]._views:
        if getattr(view, "endpoint", None) == endpoint:
            return view
    raise LookupError(endpoint)


def shrunk_count(app, client, page):
    """Query count of the page when it shows ~10x fewer rows."""
    small = page.small
    if not small:
        return None
    if "url" in small:
        return len(count_page(client, small["url"])[2])
    view = admin_view(app, page.url)
    ((attr, value),) = small.items()
    setattr(view, attr, value)  # an instance attribute shadowing the class one, removed below
    try:
        return len(count_page(client, page.url)[2])
    finally:
        delattr(view, attr)


def rows_shown(url, body):
    """Rows on a list page, CSV lines of an export, items of an ajax answer (1 for a details page)."""
    if "/export/" in url:
        return max(body.count(b"\n") - 1, 0)
    if "/ajax/" in url:
        return len(json.loads(body))
    if "/details/" in url:
        return 1
    return body.count(b'<td class="list-buttons-column">')


def replay_ms(database, statements, reps):
    """Median time of re-running the page's SELECTs as raw SQL (writes are skipped)."""
    selects = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]

    def run():
        for sql, params in selects:
            database.execute_sql(sql, params).fetchall()

    with database.connection_context():
        return median_ms(run, reps)[0]


def measure(kind, url, ctx, reps):
    from extensions import db

    app = make_app(url)
    database = app.extensions["database"]
    clients = {"admin": login(app, ctx["admin_email"]), "bridge_builder": login(app, ctx["bb_email"])}
    floor = Floor(database, ctx)
    results, plans = [], {}
    for page in pages(ctx):
        for role in page.roles:
            client = clients[role]
            for _ in range(2):  # warm up (schema check, caches)
                fetch(client, page.url)
            status, body, statements = count_page(client, page.url)
            assert status == 200, (page.name, role, status, body[:300])
            if page.expect:
                assert page.expect.encode() in body, (page.name, role, "expected", page.expect)
            small = shrunk_count(app, client, page)
            page_ms, n, page_min = median_ms(lambda c=client, u=page.url: fetch(c, u), reps, with_min=True)
            with database.connection_context():
                floor_rows = page.floor(floor, role)  # warm
                floor_ms = median_ms(lambda p=page, r=role: p.floor(floor, r), reps)[0]
            app_sql_ms = replay_ms(database, statements, reps)
            for sql, params in statements:
                if sql.lstrip().upper().startswith("SELECT"):
                    # Keyed by the LIKE patterns too: a search that finds nothing plans like one
                    # that finds a page at once, but reads every row.
                    likes = tuple(p for p in params if isinstance(p, str) and "%" in p)
                    plans.setdefault((sql, likes), (params, set()))[1].add(f"{page.name} ({role})")
            results.append(
                {
                    "page": page.name,
                    "role": role,
                    "url": page.url,
                    "db": kind,
                    "rows": ctx["n"],
                    "queries": len(statements),
                    "queries_small": small,
                    "median_ms": page_ms,
                    "min_ms": page_min,
                    "floor_ms": floor_ms,
                    "app_sql_ms": app_sql_ms,
                    "ratio": page_ms / floor_ms if floor_ms else None,
                    "reps": n,
                    "shown": rows_shown(page.url, body),
                    "floor_rows": len(floor_rows),
                    "statements": [sql for sql, _params in statements],
                }
            )
            log(
                f"  {kind:8} {page.name:34} {role:14} q={len(statements):3} (small {small}) "
                f"{page_ms:8.1f} ms  floor {floor_ms:7.2f} ms  app SQL {app_sql_ms:7.2f} ms"
            )
    explained = explain_all(database, plans)
    database.close_all() if hasattr(database, "close_all") else database.close()
    db.initialize(None)
    return results, explained


def profile(url, ctx, name, role):
    """cProfile 20 requests of one page: where does the time go besides SQL?"""
    import cProfile
    import pstats

    page = next(p for p in pages(ctx) if p.name == name)
    app = make_app(url)
    client = login(app, ctx["admin_email" if role == "admin" else "bb_email"])
    fetch(client, page.url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        fetch(client, page.url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


# =============================================================================================
# 4. EXPLAIN
# =============================================================================================


def explain_all(database, plans):
    """EXPLAIN QUERY PLAN (SQLite) / EXPLAIN ANALYZE (PostgreSQL, read-only SELECTs) of every SELECT."""
    pg = "postgres" in type(database).__name__.lower()
    out = []
    with database.connection_context():
        for (sql, _likes), (params, used_by) in plans.items():
            if pg:
                lines = [row[0] for row in database.execute_sql("EXPLAIN ANALYZE " + sql, params).fetchall()]
            else:
                lines = [row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
            out.append({"sql": sql, "plan": lines, "used_by": sorted(used_by), **classify(lines, pg, sql)})
    return out


def classify(lines, pg, sql=""):
    """What a plan reads: full scans, whole-organisation index ranges, index use, sorts.

    SQLite: `SCAN t` without an index is a full scan; `SEARCH t USING INDEX … (organisation_id=?)` with
    nothing else constrained reads every row of the organisation unless rows come out in ORDER BY
    order and LIMIT stops early — so it is flagged when a temp B-tree sort follows or it feeds an IN
    list, and a `LIKE '%…%'` on such a walk is flagged as a scan (it stops early only once a page of
    matches is found). PostgreSQL (EXPLAIN ANALYZE): a scan node on a big table that reads (returns
    plus filters out) more than ORG_WIDE rows is flagged with its actual row count.
    """
    full, org_wide, indexed, sorts, notes = [], [], [], False, []
    aliases = dict((alias, table) for table, alias in re.findall(r'"(\w+)" AS "(\w+)"', sql))
    big = lambda t: aliases.get(t, t).strip('"') in BIG_TABLES  # noqa: E731
    like = " LIKE " in sql.upper() or " ILIKE " in sql.upper()
    if pg:
        nodes = []  # [kind, index, table, rows read]
        for line in lines:
            m = re.search(
                r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan)(?: Backward)?(?: using (\w+))? on (\w+)", line
            )
            rows = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)", line)
            if m:
                loops = int(rows.group(2)) if rows else 1
                nodes.append([*m.groups(), int(rows.group(1)) * loops if rows else 0, loops])
                if m.group(2):
                    indexed.append(f"{m.group(3)}:{m.group(2)}")
            removed = re.search(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", line)
            if removed and nodes:
                nodes[-1][3] += int(removed.group(1)) * nodes[-1][4]
            sorts = sorts or bool(re.search(r"\bSort\b", line))
            t = re.search(r"Execution Time: ([\d.]+) ms", line)
            if t:
                notes.append(f"{float(t.group(1)):.1f} ms")
        for kind, _index, table, read, _loops in nodes:
            if not big(table) or read <= ORG_WIDE:
                continue
            if kind == "Seq Scan":
                full.append(f"{table} ({read} rows)")
            else:
                org_wide.append(f"{table} ({read} rows{', LIKE on each' if like else ''})")
    else:
        in_list = False
        sorts = any("TEMP B-TREE" in line for line in lines)
        for line in (line.strip() for line in lines):
            if line.startswith(("LIST SUBQUERY", "CORRELATED", "SCALAR SUBQUERY", "MATERIALIZE")):
                in_list = line.startswith(("LIST SUBQUERY", "MATERIALIZE"))
                continue
            m = re.match(r"SCAN (\w+)(.*)", line)
            if m and "USING" not in m.group(2):
                if big(m.group(1)):
                    full.append(aliases.get(m.group(1), m.group(1)))
                continue
            if m:
                indexed.append(aliases.get(m.group(1), m.group(1)) + " (index walk)")
                continue
            m = re.match(r"SEARCH (\w+) USING (?:COVERING )?(?:INDEX (\w+)|INTEGER PRIMARY KEY) \((.*)\)", line)
            if m:
                table, index, cond = m.groups()
                table = aliases.get(table, table)
                indexed.append(f"{table}:{index or 'pk'}")
                if big(table) and cond == "organisation_id=?" and (in_list or sorts):
                    org_wide.append(f"{table} via {index}" + (" (IN list)" if in_list else " (then sorted)"))
                elif big(table) and cond == "organisation_id=?" and like and not in_list:
                    org_wide.append(f"{table} via {index} (LIKE '%…%' tested on each row until a page is found)")
                elif big(table) and cond == "organisation_id=?" and not in_list:
                    # e.g. contacts of one case: "referral_id" = ? has its own index, but SQLite walks
                    # the organisation's (organisation_id, date) index to avoid a sort.
                    alias = next((a for a, t in aliases.items() if t == table), table)
                    keys = set(re.findall(rf'AND \("{alias}"\."(\w+_id)" = \?\)', sql)) - {"organisation_id"}
                    if keys:
                        org_wide.append(f"{table} via {index}, not via its {', '.join(sorted(keys))} index")
    return {"full_scans": sorted(set(full)), "org_wide": org_wide, "indexes": indexed, "sort": sorts, "notes": notes}


# =============================================================================================
# 4b. What-if: candidate fixes, tried on the bench database inside a rolled-back transaction
# =============================================================================================


def experiments(ctx, pg):
    """(name, setup DDL, before (sql, params), after (sql, params)); SQL uses ? placeholders."""
    org, bb = ctx["org"], ctx["bb_id"]
    scope_bb = "r.organisation_id = ? AND (r.assigned_to_id = ? OR r.assigned_to_id IS NULL OR r.shared = ?)"
    bbp = [org, bb, True]
    like = "ILIKE" if pg else "LIKE"
    cols = "c.id, c.referral_id, c.date, c.kind_id, c.minutes, c.by_id"
    bb_citizens_app = (
        "SELECT c.* FROM citizen c WHERE c.organisation_id = ? AND (c.id IN (SELECT r.citizen_id FROM referral r "
        f"WHERE {scope_bb}) OR NOT EXISTS (SELECT 1 FROM referral r2 WHERE r2.citizen_id = c.id)) "
        "ORDER BY c.created_at DESC LIMIT 25"
    )
    bb_citizens_exists = (
        "SELECT c.* FROM citizen c WHERE c.organisation_id = ? AND (EXISTS (SELECT 1 FROM referral r WHERE "
        "r.citizen_id = c.id AND (r.assigned_to_id = ? OR r.assigned_to_id IS NULL OR r.shared = ?) LIMIT 1 OFFSET 0) "
        "OR NOT EXISTS (SELECT 1 FROM referral r2 WHERE r2.citizen_id = c.id LIMIT 1 OFFSET 0)) "
        "ORDER BY c.created_at DESC LIMIT 25"
    )
    out = [
        (
            "contact list (admin): drop the IN (all referral ids of the organisation) scope",
            [],
            (f"SELECT {cols} FROM contact c WHERE c.organisation_id = ? AND c.referral_id IN "
             "(SELECT r.id FROM referral r WHERE r.organisation_id = ?) ORDER BY c.date DESC LIMIT 25", [org, org]),
            (f"SELECT {cols} FROM contact c WHERE c.organisation_id = ? ORDER BY c.date DESC LIMIT 25", [org]),
        ),
        (
            "contact list (bridge builder): IN (visible referral ids) → EXISTS … LIMIT 1 OFFSET 0",
            [],
            (f"SELECT {cols} FROM contact c WHERE c.organisation_id = ? AND c.referral_id IN "
             f"(SELECT r.id FROM referral r WHERE {scope_bb}) ORDER BY c.date DESC LIMIT 25", [org, *bbp]),
            (f"SELECT {cols} FROM contact c WHERE c.organisation_id = ? AND EXISTS (SELECT 1 FROM referral r "
             f"WHERE r.id = c.referral_id AND {scope_bb} LIMIT 1 OFFSET 0) ORDER BY c.date DESC LIMIT 25",
             [org, *bbp]),
        ),
        (
            "case page contacts: scoped IN subquery → plain referral_id = ? (the case is already visible)",
            [],
            ("SELECT c.* FROM contact c WHERE c.organisation_id = ? AND c.referral_id IN "
             "(SELECT r.id FROM referral r WHERE r.organisation_id = ?) AND c.referral_id = ? "
             "ORDER BY c.date DESC LIMIT 200", [org, org, ctx["rich"]]),
            ("SELECT c.* FROM contact c WHERE c.referral_id = ? ORDER BY c.date DESC LIMIT 200", [ctx["rich"]]),
        ),
        (
            "match list (admin): index match(organisation_id, created_at) and no IN scope",
            ["CREATE INDEX bench_match_org_created ON match (organisation_id, created_at)"],
            ("SELECT m.* FROM match m WHERE m.organisation_id = ? AND m.referral_id IN "
             "(SELECT r.id FROM referral r WHERE r.organisation_id = ?) ORDER BY m.created_at DESC LIMIT 25",
             [org, org]),
            ("SELECT m.* FROM match m WHERE m.organisation_id = ? ORDER BY m.created_at DESC LIMIT 25", [org]),
        ),
        (
            "referral sort by first_contact_on: index referral(organisation_id, first_contact_on)",
            ["CREATE INDEX bench_referral_org_first ON referral (organisation_id, first_contact_on)"],
            ("SELECT r.* FROM referral r WHERE r.organisation_id = ? ORDER BY r.first_contact_on DESC LIMIT 25", [org]),
            ("SELECT r.* FROM referral r WHERE r.organisation_id = ? ORDER BY r.first_contact_on DESC LIMIT 25", [org]),
        ),
        (
            "bridge builder's citizen list: IN (visible referrals' citizens) → EXISTS without organisation_id",
            [],
            (bb_citizens_app, [org, *bbp]),
            (bb_citizens_exists.replace(" LIMIT 1 OFFSET 0", ""), [org, bb, True]),
        ),
        (
            "bridge builder's citizen list: IN → EXISTS without organisation_id, LIMIT 1 OFFSET 0 in both subqueries",
            [],
            (bb_citizens_app, [org, *bbp]),
            (bb_citizens_exists, [org, bb, True]),
        ),
    ]  # fmt: skip
    search_sql = (f"SELECT r.* FROM referral r WHERE r.organisation_id = ? AND r.search_key {like} ? "
                  "ORDER BY r.received_on DESC LIMIT 25")  # fmt: skip
    if pg:
        for term in ("xyzzy", "soren", "kirsten holm"):
            out.append((
                f"referral search {term!r}: pg_trgm GIN index on referral.search_key",
                ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
                 "CREATE INDEX bench_referral_trgm ON referral USING gin (search_key gin_trgm_ops)",
                 "ANALYZE referral"],
                (search_sql, [org, f"%{term}%"]),
                (search_sql, [org, f"%{term}%"]),
            ))  # fmt: skip
        out.append((
            "referral search 'xyzzy': LIKE instead of ILIKE (search_key is already folded)",
            [],
            (search_sql, [org, "%xyzzy%"]),
            (search_sql.replace("ILIKE", "LIKE"), [org, "%xyzzy%"]),
        ))  # fmt: skip
    else:
        fts = [
            "CREATE VIRTUAL TABLE bench_referral_fts USING fts5(search_key, content='referral', content_rowid='id',"
            " tokenize='trigram')",
            "INSERT INTO bench_referral_fts(rowid, search_key) SELECT id, search_key FROM referral",
        ]
        for term in ("xyzzy", "soren", "kirsten holm"):
            out.append((
                f"referral search {term!r}: FTS5 trigram table on referral.search_key",
                fts,
                (search_sql, [org, f"%{term}%"]),
                # CROSS JOIN makes SQLite start from the FTS matches; with r.id IN (…) it walks the
                # organisation's received_on index probing every row against the match list instead.
                ("SELECT r.* FROM bench_referral_fts f CROSS JOIN referral r ON r.id = f.rowid "
                 "WHERE bench_referral_fts MATCH ? AND r.organisation_id = ? ORDER BY r.received_on DESC LIMIT 25",
                 ['"' + term + '"', org]),
            ))  # fmt: skip
        bb_citizens = (
            "SELECT c.* FROM citizen c WHERE c.organisation_id = ? AND (c.id IN (SELECT r.citizen_id FROM referral r "
            f"WHERE {scope_bb}) OR NOT EXISTS (SELECT 1 FROM referral r2 WHERE r2.citizen_id = c.id)) "
            "ORDER BY c.created_at DESC LIMIT 25"
        )
        out.append((
            "bridge builder's citizen list: IN (visible referrals' citizens) + NOT EXISTS, as is, after ANALYZE",
            ["ANALYZE"],
            (bb_citizens, [org, *bbp]),
            (bb_citizens, [org, *bbp]),
        ))  # fmt: skip
        out.append((
            "case page contacts, as is, after ANALYZE (SQLite plans without statistics)",
            ["ANALYZE"],
            ("SELECT c.* FROM contact c WHERE c.organisation_id = ? AND c.referral_id IN "
             "(SELECT r.id FROM referral r WHERE r.organisation_id = ?) AND c.referral_id = ? "
             "ORDER BY c.date DESC LIMIT 200", [org, org, ctx["rich"]]),
            ("SELECT c.* FROM contact c WHERE c.organisation_id = ? AND c.referral_id IN "
             "(SELECT r.id FROM referral r WHERE r.organisation_id = ?) AND c.referral_id = ? "
             "ORDER BY c.date DESC LIMIT 200", [org, org, ctx["rich"]]),
        ))  # fmt: skip
    return out


def run_experiments(url, ctx, reps):
    from database import open_database

    database = open_database(url, max_connections=2)
    pg = "postgres" in type(database).__name__.lower()

    def timed(sql, params):
        sql = sql.replace("?", "%s") if pg else sql
        run = lambda: database.execute_sql(sql, params).fetchall()  # noqa: E731
        rows = len(run())
        return median_ms(run, reps, budget_s=10)[0], rows

    out = []
    with database.connection_context():
        for name, setup, before, after in experiments(ctx, pg):
            before_ms, before_rows = timed(*before)
            with database.atomic() as txn:
                for ddl in setup:
                    database.execute_sql(ddl)
                after_ms, after_rows = timed(*after)
                txn.rollback()
            out.append({"name": name, "setup": setup, "before_ms": before_ms, "after_ms": after_ms,
                        "before_rows": before_rows, "after_rows": after_rows})  # fmt: skip
            log(f"  what-if {name}: {before_ms:.2f} ms → {after_ms:.2f} ms ({before_rows}/{after_rows} rows)")
    database.close_all() if hasattr(database, "close_all") else database.close()
    return out


# =============================================================================================
# 5. Report
# =============================================================================================


def git_head():
    import subprocess

    if APP_COMMIT:
        return f"{APP_COMMIT} (a snapshot of the commit; working tree ignored)"
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def grows(r):
    return r["queries_small"] is not None and r["queries"] - r["queries_small"] > FK_SLACK


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def report(data, verbose_explain=False):
    results, explained, ctxs, whatif = data["results"], data["explained"], data["ctxs"], data["whatif"]
    for kind, items in explained.items():  # classify again: a report re-rendered from JSON gets today's rules
        for item in items:
            item.update(classify(item["plan"], kind == "postgres", item["sql"]))
    lines = [
        f"# Brobygger list-page benchmark — {data['rows']} referrals per organisation",
        "",
        f"Run {data['when']} on commit {data['commit']}; load average at the end {data['load']:.1f} on "
        f"{data['cpus']} CPUs (other work shared the machine: prefer *min ms* for comparisons). Flask test client, "
        "page size 25.",
        "",
        f"- *median ms* / *min ms*: wall time of a request over {data['reps']} requests (fewer when a page is slow).",
        "- *floor ms*: hand-written SQL for the same rows — the one SELECT with the same WHERE/ORDER/LIMIT, plus one "
        "IN-lookup per foreign key shown; *ratio* = median / floor.",
        "- *app SQL ms*: the SELECTs the page actually ran, replayed as raw SQL (page time minus this is Python, "
        "Jinja and Flask-Admin).",
        "- *queries @1/8*: queries when the page shows 3 rows instead of 25 (export: 1 000 instead of 10 000 rows; "
        "details: a case with 1 contact instead of 12 contacts + 6 matches; ajax: limit 1). *shown*: rows on the page.",
        "",
    ]
    for kind, ctx in ctxs.items():
        c = ctx["counts"]
        lines.append(
            f"- {kind}: built in {ctx['build_s']:.0f} s — {c['referral']} referrals, {c['citizen']} citizens, "
            f"{c['contact']} contacts, {c['match']} matches, {c['link']} reason links (2 organisations)"
        )
    lines += [
        "",
        "| page | role | db | rows | queries | median ms | floor ms | ratio | min ms | app SQL ms | queries @1/8 "
        "| shown |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        flag = " ⚠" if grows(r) else ""
        lines.append(
            f"| {r['page']} | {r['role']} | {r['db']} | {r['rows']} | {r['queries']}{flag} | {fmt(r['median_ms'])} | "
            f"{fmt(r['floor_ms'], 2)} | {fmt(r['ratio'])}× | {fmt(r['min_ms'])} | {fmt(r['app_sql_ms'], 2)} | "
            f"{'–' if r['queries_small'] is None else r['queries_small']} | {r['shown']} |"
        )
    warnings = [
        f"- WARNING: {r['page']} ({r['role']}, {r['db']}): {r['queries']} queries for the full page but "
        f"{r['queries_small']} for the small one — the query count grows with the rows shown (N+1)."
        for r in results
        if grows(r)
    ]
    warnings += [
        f"- note: {r['page']} ({r['role']}, {r['db']}): {r['queries']} vs {r['queries_small']} queries — "
        + (
            "the full page is empty, so its foreign-key lookups are skipped."
            if r["shown"] == 0
            else f"within {FK_SLACK}: a foreign-key lookup is skipped when all rows shown have it empty (no N+1)."
        )
        for r in results
        if r["queries_small"] is not None and r["queries_small"] != r["queries"] and not grows(r)
    ]
    warnings += [
        f"- note: {r['page']} ({r['role']}, {r['db']}) shows no rows at {r['rows']} referrals per organisation."
        for r in results
        if r["shown"] == 0
        and "miss" not in r["page"]
        and "/export/" not in r["url"]
        and "/ajax/" not in r["url"]
        and "/details/" not in r["url"]
    ]
    warnings += cross_size_warnings(results, data["rows"])
    lines += ["", "## Query-count checks", ""] + (warnings or ["- Every page's query count is constant."])
    if whatif:
        lines += [
            "",
            "## What-if: candidate fixes (raw SQL, median ms; DDL applied in a rolled-back transaction)",
            "",
            "| experiment | db | before ms | after ms | rows before/after |",
            "|---|---|---:|---:|---:|",
        ]
        for kind, items in whatif.items():
            for w in items:
                lines.append(
                    f"| {w['name']} | {kind} | {fmt(w['before_ms'], 2)} | {fmt(w['after_ms'], 2)} | "
                    f"{w['before_rows']}/{w['after_rows']} |"
                )
    lines += ["", "## EXPLAIN", ""]
    for kind, items in explained.items():
        lines.append(f"### {kind}")
        lines.append("")
        flagged = [i for i in items if i["full_scans"] or i["org_wide"]]
        for item in sorted(flagged, key=lambda i: (not i["full_scans"], not i["org_wide"], i["sql"])):
            verdict = []
            if item["full_scans"]:
                verdict.append("FULL SCAN of " + ", ".join(item["full_scans"]))
            if item["org_wide"]:
                verdict.append("reads the whole organisation: " + ", ".join(item["org_wide"]))
            if item["sort"]:
                verdict.append("sort")
            verdict += item["notes"]
            lines.append(f"- **{'; '.join(verdict)}** — used by {', '.join(item['used_by'][:4])}")
            lines.append(f"  - `{shorten(item['sql'])}`")
            for plan_line in item["plan"]:
                if verbose_explain or not plan_line.strip().startswith(("Planning", "Execution")):
                    lines.append(f"    - `{shorten(plan_line.rstrip(), 220)}`")
        if verbose_explain:
            for item in items:
                if item not in flagged:
                    lines.append(
                        f"- index only: `{shorten(item['sql'])}` → {', '.join(dict.fromkeys(item['indexes']))}"
                    )
        lines.append(
            f"- {len(items) - len(flagged)} other distinct SELECTs read through indexes only (no full scan, no "
            "organisation-wide range)."
        )
        lines.append("")
    return "\n".join(lines) + "\n"


def shorten(sql, limit=400):
    sql = re.sub(r'SELECT ("t\d+"\."\w+", )+"t\d+"\."\w+" FROM', "SELECT … FROM", sql)
    return sql if len(sql) <= limit else sql[:limit] + " …"


COMMIT_OF_RESULTS = {}  # rows -> commit of the results being reported


def cross_size_warnings(results, rows):
    """Compare query counts with an earlier run at a different size (rows<N>.json)."""
    out = []
    mine = {(r["page"], r["role"], r["db"]): r["queries"] for r in results if r["shown"]}
    for path in sorted(RESULTS.glob("rows*.json")):
        other = json.loads(path.read_text())
        if other.get("rows") == rows:
            continue
        if other.get("commit") != COMMIT_OF_RESULTS.get(rows, other.get("commit")):
            out.append(f"- ({path.name} is of commit {other.get('commit')}, not compared.)")
            continue
        for r in other["results"]:
            key = (r["page"], r["role"], r["db"])
            if not r.get("shown"):
                continue
            if key in mine and mine[key] != r["queries"]:
                out.append(
                    f"- WARNING: {key[0]} ({key[1]}, {key[2]}): {mine[key]} queries at {rows} rows but "
                    f"{r['queries']} at {other['rows']} rows."
                )
        if not [line for line in out if line.startswith("- WARNING")]:
            out.append(f"- Query counts equal those of the run at {other['rows']} rows ({path.name}).")
    return out


def use_snapshot(rev="HEAD"):
    """Put a `git archive` of `rev` (plus the compiled translations) first on sys.path."""
    import shutil
    import subprocess
    import tarfile
    from io import BytesIO

    global APP_COMMIT
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], capture_output=True, text=True,
                         check=True).stdout.strip()  # fmt: skip
    target = RESULTS / f"app-{sha}"
    if not target.exists():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha], capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        for mo in (ROOT / "translations").glob("*/LC_MESSAGES/*.mo"):
            dest = target / mo.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(mo, dest)
    sys.path.insert(0, str(target))
    APP_COMMIT = sha
    log(f"[snapshot] app code from commit {sha} in {target}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="referrals per organisation (default 5000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reps", type=int, default=20, help="requests per page (median)")
    parser.add_argument("--reuse", action="store_true", help="skip the build and reuse the last database")
    parser.add_argument("--verbose-explain", action="store_true", help="list index-only plans too")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-render rows<N>.md from rows<N>.json (e.g. after another size ran)",
    )
    parser.add_argument("--no-what-if", action="store_true", help="skip the candidate-fix experiments")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one request of the page named PAGE and stop")
    parser.add_argument("--role", default="admin", help="role for --profile (admin or bridge_builder)")
    parser.add_argument(
        "--snapshot",
        nargs="?",
        const="HEAD",
        metavar="REV",
        help="benchmark a commit (default HEAD; git archive into bench/results/app-<sha>/), not the working tree",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        write_report(json.loads((RESULTS / f"rows{args.rows}.json").read_text()), args.verbose_explain)
        return
    if args.snapshot:
        use_snapshot(args.snapshot)

    import logging

    logging.getLogger("peewee_migrate").setLevel(logging.WARNING)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    urls = {"sqlite": f"sqlite:///{SQLITE_PATH}", "postgres": PG_URL}
    results, explained, ctxs, whatif = [], {}, {}, {}
    for kind in kinds:
        ctx_file = RESULTS / f"ctx_{kind}.json"
        if args.reuse and ctx_file.exists():
            ctx = json.loads(ctx_file.read_text())
            assert ctx["n"] == args.rows, f"the saved {kind} database has {ctx['n']} rows"
        else:
            log(f"[{kind}] building {args.rows} referrals per organisation …")
            ctx = build(kind, urls[kind], args.rows)
            ctx_file.write_text(json.dumps(ctx))
            log(f"[{kind}] built in {ctx['build_s']:.0f} s: {ctx['counts']}")
        ctxs[kind] = ctx
        if args.profile:
            profile(urls[kind], ctx, args.profile, args.role)
            continue
        log(f"[{kind}] measuring …")
        page_results, explained[kind] = measure(kind, urls[kind], ctx, args.reps)
        results += page_results
        if not args.no_what_if:
            log(f"[{kind}] what-if experiments …")
            whatif[kind] = run_experiments(urls[kind], ctx, args.reps)
    if args.profile:
        return
    data = {
        "rows": args.rows,
        "reps": args.reps,
        "commit": git_head(),
        "when": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        "load": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "results": results,
        "explained": explained,
        "whatif": whatif,
        "ctxs": ctxs,
    }
    merge_other_databases(data, kinds)
    (RESULTS / f"rows{args.rows}.json").write_text(json.dumps(data, indent=1, default=str))
    write_report(data, args.verbose_explain, latest=True)


def merge_other_databases(data, kinds):
    """A run of one database keeps the other database's part of the same size and commit's report."""
    path = RESULTS / f"rows{data['rows']}.json"
    if not path.exists():
        return
    old = json.loads(path.read_text())
    if old.get("commit") != data["commit"] or "ctxs" not in old:
        return
    for kind in old["ctxs"]:
        if kind in kinds:
            continue
        data["results"] = [r for r in old["results"] if r["db"] == kind] + data["results"]
        for part in ("explained", "whatif", "ctxs"):
            if kind in old.get(part, {}):
                data[part] = {kind: old[part][kind], **data[part]}
        log(f"[report] kept the {kind} results of {path.name} (same size and commit)")


def write_report(data, verbose_explain=False, latest=False):
    COMMIT_OF_RESULTS[data["rows"]] = data["commit"]
    text = report(data, verbose_explain)
    print(text)
    (RESULTS / f"rows{data['rows']}.md").write_text(text)
    if latest:
        (RESULTS / "latest.md").write_text(text)


if __name__ == "__main__":
    main()
