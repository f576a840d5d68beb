#!/usr/bin/env python
"""Load and fault tests against gunicorn with several workers, each followed by an audit of the data.

    .venv/bin/python bench/load_faults.py                       # every scenario, SQLite file and PostgreSQL
    .venv/bin/python bench/load_faults.py --db sqlite --only mixed,lost_updates --duration 60
    LOAD_PG_URL=postgresql://postgres@127.0.0.1:5432/bb_bench LOAD_REDIS_URL=redis://127.0.0.1:6379/5 \
        LOAD_PORT_FIRST=8160 .venv/bin/python bench/load_faults.py --db postgres

The PostgreSQL database (LOAD_PG_URL, a name starting with bb_) has its schema dropped on every
scenario; the full-disk scenario also creates <name>_full in a tablespace on a tmpfs and drops
both afterwards, and the backup check restores into <name>_restore. Servers listen on 127.0.0.1,
on the ten ports from LOAD_PORT_FIRST (8160), under `timeout`, and are stopped by this script.
Mounting the tmpfs needs root.

Scenarios (each bounded in time):
  mixed         reads (case list, case page, search), notes (contacts) and closings by C logged-in
                clients for --duration s; a `flask db backup` half-way; p50/p95/p99 per endpoint,
                5xx count, writes acknowledged == persisted, audit rows == actions; the backup is
                restored into an empty database: integrity, rows per table against the live ones,
                every note acknowledged before the backup began is in it
  lost_updates  2, 5 and 10 editors save the same case at once: exactly one wins, the rest get the
                conflict message, the stored note is the winner's, the version rose by one
  intake        repeated submissions of each form token across the workers → one referral per
                token; then a limit of L per minute with the limiter's storage in Redis
                (LOAD_REDIS_URL; with several workers the app refuses memory://) → exactly L
                accepted, the rest 429
  kill          public submissions while a worker and then the master get kill -9; restart; every
                acknowledged submission stored, no half-written case, integrity check ok, serves again
  full_disk     SQLite on a 16 MB tmpfs, PostgreSQL in a tablespace on a 48 MB tmpfs, filled up
                during submissions; then space freed: 503 + Retry-After + the Danish page while
                full, no half-written case, recovery without restart
  lock          another connection holds the write lock (PostgreSQL: LOCK TABLE referral) 8 s,
                longer than the 5 s lock timeout: 503 + Retry-After, and the next one succeeds
"""

# Subprocess calls use fixed argument lists; SQL strings are this file's constants.
# Closures in loops run (threads joined) within their iteration.
# ruff: noqa: B023, B007, SIM105
# ruff: noqa: S603, S607, S608, S310, E501, BLE001

import argparse
import html.parser
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
PG_URL = os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/bb_h15_load")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "brobygger-demo"
# A bridge builder: production asks admins and coordinators for a TOTP code at login.
USER = "brobygger@demo.dk"
STALE_DA = "En anden har ændret posten"
SERVER_LIFETIME = 900  # seconds; `timeout` ends a forgotten server


def log(*args):
    print(*args, flush=True)


PORTS = range(int(os.environ.get("LOAD_PORT_FIRST", "8160")), int(os.environ.get("LOAD_PORT_FIRST", "8160")) + 10)


def free_port():
    """A free port of this bench's range (LOAD_PORT_FIRST and the nine after it; 8160-8169)."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------------------------
# Databases and servers
# ---------------------------------------------------------------------------------------------


class Target:
    """A fresh database (SQLite file or the PostgreSQL bench database) with the demo data."""

    def __init__(self, kind, directory, pg_url=None):
        self.kind = kind
        self.dir = Path(directory)
        self.path = self.dir / "load.db"
        self.pg_url = pg_url or PG_URL
        self.url = f"sqlite:///{self.path}" if kind == "sqlite" else self.pg_url

    def env(self, **extra):
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "SECRET_KEY": "load-secret-0123456789abcdef0123456789abcdef",
            "BROBYGGER_INSECURE_DEV": "true",  # plain HTTP on 127.0.0.1
            "RATELIMIT_STORAGE_URI": REDIS_URL,  # several workers: shared counts (the app refuses memory://)
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "INTAKE_RATE_LIMIT": "100000 per minute",
            **extra,
        }

    def reset(self):
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        else:
            import psycopg2

            base, name = self.pg_url.rsplit("/", 1)
            # Its schema is dropped: never a database that is not a bench's own.
            assert name.startswith("bb_") and "test" not in name, name
            conn = psycopg2.connect(f"{base}/postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
            conn.close()
            conn = psycopg2.connect(self.pg_url)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            conn.close()
        for command in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run(
                [str(ROOT / ".venv/bin/flask"), "--app", "app", *command],
                cwd=ROOT,
                env=self.env(),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def sql(self, query, params=()):
        if self.kind == "sqlite":
            con = sqlite3.connect(self.path, timeout=30)
            try:
                return con.execute(query, params).fetchall()
            finally:
                con.close()
        import psycopg2

        con = psycopg2.connect(self.pg_url)
        try:
            with con.cursor() as cur:
                cur.execute(query.replace("?", "%s"), params or None)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def integrity(self):
        if self.kind == "sqlite":
            rows = self.sql("PRAGMA integrity_check")
            fts = []
            for table in ("referral_fts", "citizen_fts"):
                try:
                    self.sql(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
                except sqlite3.DatabaseError as exc:
                    fts.append(f"{table}: {exc}")
            fk = self.sql("PRAGMA foreign_key_check")
            return "ok" if rows == [("ok",)] and not fts and not fk else f"{rows[:3]} {fts} fk={fk[:3]}"
        orphans = self.sql(
            "SELECT count(*) FROM referral r LEFT JOIN citizen c ON c.id = r.citizen_id WHERE c.id IS NULL"
        )[0][0]
        return "ok" if orphans == 0 else f"{orphans} orphaned referrals"

    def half_written(self):
        """Intake cases without their submission, and submissions without their case."""
        return self.sql(
            "SELECT (SELECT count(*) FROM referral r WHERE r.referrer_name = 'Dr. Load' AND NOT EXISTS "
            "(SELECT 1 FROM intake_submission s WHERE s.referral_id = r.id)) + "
            "(SELECT count(*) FROM intake_submission s WHERE s.referral_id IS NULL)"
        )[0][0]


class Server:
    def __init__(self, target, workers, **env):
        self.target, self.workers, self.extra = target, workers, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        cmd = [
            "timeout",
            str(SERVER_LIFETIME),
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.target.env(**self.extra), start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/login", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not come up")

    def master_pid(self):
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0])

    def worker_pids(self):
        master = self.master_pid()
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------------------------------
# A small browser: cookies, forms, no automatic redirects
# ---------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class FormParser(html.parser.HTMLParser):
    """The fields of every <form> on a page, as a browser would send them (first option chosen
    for selects without a selected one)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "id": a.get("id"), "fields": [], "selects": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "file"):
                return
            self._form["fields"].append([a["name"], a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": [], "selected": []}
            self._form["selects"][a["name"]] = self._select
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"].append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            values = s["selected"] or ([] if s["multiple"] else [v for v in s["options"] if v][:1])
            self._form["fields"] += [[s["name"], v] for v in values]
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(page):
    parser = FormParser()
    parser.feed(page)
    return parser.forms


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path, data=None, timeout=60):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        t0 = time.perf_counter()
        try:
            response = self.opener.open(self.base + path, data=body, timeout=timeout)
            status, headers, text = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, headers, text = exc.code, exc.headers, exc.read().decode(errors="replace")
        return status, headers, text, (time.perf_counter() - t0) * 1000

    def login(self, email=USER):
        _s, _h, page, _t = self.request("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, headers, *_ = self.request("/login", {"csrf_token": token, "email": email, "password": PASSWORD})
        assert status == 302, status
        return self

    def form(self, path, pick=lambda f: True):
        status, _h, page, ms = self.request(path)
        assert status == 200, (path, status)
        candidates = [f for f in forms_of(page) if pick(f)]
        return candidates[-1], page, ms


def intake_form(browser):
    status, _h, page, _ms = browser.request("/henvis/demo/laege")
    assert status == 200, status
    form = next(f for f in forms_of(page) if any(n == "token" for n, _v in f["fields"]))
    fields = dict((n, v) for n, v in form["fields"])
    data = [(n, v) for n, v in form["fields"] if n not in ("name", "website")]
    questions = set(re.findall(r'name="(q_\d+)"[^>]*value="([^"]*)"', page))
    seen = {n for n, _v in data}
    for name, value in sorted(questions):
        if name not in seen and value:
            data.append((name, value))
            seen.add(name)
    return fields["token"], data


def payload(data, n):
    return [*data, ("name", f"Load Borger {n}"), ("birth_year", "1950"), ("gender", "female"),
            ("postal_code", "2450"), ("referrer_name", "Dr. Load"), ("consent", "y")]  # fmt: skip


def submit(browser, data, n):
    status, headers, text, ms = browser.request("/henvis/demo/laege", payload(data, n))
    reference = None
    if status == 303 and "/kvittering/" in headers.get("Location", ""):
        reference = headers["Location"].rsplit("/", 1)[1]
    return status, reference, headers, ms


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


def open_cases(target, n):
    """Create n open cases in the demo organisation (directly in the database)."""
    code = f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
from app import create_app
from extensions import db
from models import Citizen, Organisation, Referral, User
app = create_app({{"DATABASE_URL": {target.url!r}, "SECRET_KEY": "x", "CHECK_SCHEMA": False}})
with app.app_context(), db.connection_context(), db.atomic():
    org = Organisation.get(Organisation.slug == "demo")
    builder = User.get(User.email == {USER!r})
    for i in range({n}):
        c = Citizen.create(organisation=org, name=f"Lastborger {{i}}", initials="LB", birth_year=1950)
        print(Referral.create(organisation=org, citizen=c, status="active", assigned_to=builder).id)
"""
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, env=target.env()).stdout
    return [int(x) for x in out.split()]


def scenario_mixed(target, args):
    target.reset()
    cases = open_cases(target, 400)
    results = {}
    lock = threading.Lock()
    acked = {"contact": [], "close": []}
    case_views = [0]
    stop = threading.Event()
    backup = {}
    pool = list(cases[: len(cases) // 2])  # to close, each once
    readable = cases[len(cases) // 2 :]

    def record(endpoint, status, ms):
        with lock:
            results.setdefault(endpoint, []).append((status, ms))

    def client(k):
        rng = random.Random(k)
        b = Browser(server.base).login()
        while not stop.is_set():
            try:
                step(b, rng, k)
            except Exception as exc:  # counted: a client error is a failed request
                record(f"client error {type(exc).__name__}", 0, 0)

    def step(b, rng, k):
        if True:
            roll = rng.random()
            if roll < 0.45:
                s, _h, _t, ms = b.request("/admin/referral/")
                record("GET case list", s, ms)
            elif roll < 0.65:
                s, _h, _t, ms = b.request(f"/admin/referral/details/?id={rng.choice(readable)}")
                record("GET case page", s, ms)
                if s == 200:
                    with lock:
                        case_views[0] += 1
            elif roll < 0.75:
                s, _h, _t, ms = b.request(
                    "/admin/citizen/?search=" + urllib.parse.quote(rng.choice(["søren", "lastborger 1", "xyzzy"]))
                )
                record("GET search", s, ms)
            elif roll < 0.93:
                marker = f"load-{k}-{time.monotonic_ns()}"
                case = rng.choice(readable)
                form, _p, _ms = b.form(
                    f"/admin/contact/new/?referral={case}", lambda f: any(n == "referral" for n, _v in f["fields"])
                )
                data = [(n, v) for n, v in form["fields"] if n not in ("note", "referral", "minutes")]
                data += [("note", marker), ("referral", str(case)), ("minutes", "15")]
                s, h, _t, ms = b.request("/admin/contact/new/", data)
                record("POST note", s, ms)
                if s == 302 and "/new/" not in h.get("Location", ""):
                    with lock:
                        acked["contact"].append(marker)
            else:
                with lock:
                    case = pool.pop() if pool else None
                if case is None:
                    return
                form, _p, _ms = b.form(
                    f"/admin/referral/close/?id={case}", lambda f: any(n == "reason" for n, _v in f["fields"])
                )
                reason = next((v for n, v in form["fields"] if n == "reason"), None)
                status_page = _p
                andet = re.search(r'<option[^>]*value="(\d+)"[^>]*>\s*Andet', status_page)
                data = [(n, v) for n, v in form["fields"] if n not in ("reason", "justification")] + [
                    ("reason", andet.group(1) if andet else reason),
                    ("justification", "Belastningstest: afsluttet uden opfyldte kriterier."),  # end criteria
                ]
                s, h, _t, ms = b.request(f"/admin/referral/close/?id={case}", data)
                record("POST closing", s, ms)
                if s == 302:
                    with lock:
                        acked["close"].append(case)

    with Server(target, args.workers) as server:
        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(args.clients)]
        started = time.time()
        for t in threads:
            t.start()
        time.sleep(args.duration / 2)
        with lock:
            before_backup = list(acked["contact"])
        path = target.dir / f"during-load-{target.kind}.backup"
        path.unlink(missing_ok=True)
        t0 = time.time()
        out = subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "backup", str(path)],
            cwd=ROOT, env=target.env(), capture_output=True, text=True,
        )  # fmt: skip
        backup["seconds"] = time.time() - t0
        backup["ok"] = out.returncode == 0
        backup["output"] = (out.stdout + out.stderr).strip()[-300:]
        time.sleep(max(0, args.duration - (time.time() - started)))
        stop.set()
        for t in threads:
            t.join(60)
    # Audit
    markers = acked["contact"]
    stored = {r[0] for r in target.sql("SELECT note FROM contact WHERE note LIKE 'load-%'")}
    contact_ids = [r[0] for r in target.sql("SELECT id FROM contact WHERE note LIKE 'load-%'")]
    audit_contacts = target.sql(
        "SELECT count(*) FROM audit_log WHERE model = 'Contact' AND action = 'create' AND record_id IN "
        "(SELECT id FROM contact WHERE note LIKE 'load-%')"
    )[0][0]
    closed = acked["close"]
    closings = {r[0] for r in target.sql("SELECT referral_id FROM case_closure")} & set(cases)
    status_closed = {r[0] for r in target.sql("SELECT id FROM referral WHERE status = 'closed'")} & set(cases)
    audit_close = target.sql(
        "SELECT count(DISTINCT record_id) FROM audit_log WHERE model = 'Referral' AND action = 'update'"
    )[0][0]
    views = target.sql("SELECT count(*) FROM audit_log WHERE model = 'Referral' AND action = 'view'")[0][0]
    restored_ok = None
    if backup["ok"]:
        restored_ok = check_backup(target, path)
        if restored_ok == "ok":
            last = check_backup.last
            lost = [m for m in before_backup if m not in last["notes"]]
            if lost:
                restored_ok = f"{len(lost)} notes acknowledged before the backup began are not in it"
            counts = ", ".join(f"{t} {a}/{b}" for t, (a, b) in last["counts"].items())
            log(
                f"  restored backup (rows in the backup / live after the run): {counts}; notes acknowledged before the backup began: {len(before_backup)}, all in it: {not lost}; integrity {last['integrity']}"
            )
    log(f"  {args.clients} clients × {args.duration:.0f} s on {args.workers} workers ({target.kind})")
    log("  | endpoint | requests | p50 ms | p95 ms | p99 ms | 5xx | other non-2xx/3xx |")
    log("  |---|---:|---:|---:|---:|---:|---:|")
    total_5xx = 0
    client_errors = sum(len(rows) for endpoint, rows in results.items() if endpoint.startswith("client error"))
    for endpoint, rows in sorted(results.items()):
        ms = [m for _s, m in rows]
        e5 = sum(1 for s, _m in rows if s >= 500)
        other = sum(1 for s, _m in rows if 400 <= s < 500)
        total_5xx += e5
        log(
            f"  | {endpoint} | {len(rows)} | {pct(ms, 50):.0f} | {pct(ms, 95):.0f} | {pct(ms, 99):.0f} | {e5} | {other} |"
        )
    log(f"  5xx: {total_5xx}")
    log(
        f"  notes: acknowledged {len(markers)}, persisted {len(stored)}, acknowledged and persisted {len(set(markers) & stored)}, audit rows {audit_contacts} (of {len(contact_ids)})"
    )
    log(
        f"  closings: acknowledged {len(closed)}, persisted (closure row) {len(closings)}, status closed {len(status_closed)}, acknowledged and persisted {len(set(closed) & closings)}; cases with an audited update {audit_close}"
    )
    log(f"  case page views: {case_views[0]} answered 200, {views} audit 'view' rows")
    log(
        f"  backup during load: {'ok' if backup['ok'] else 'FAILED'} in {backup['seconds']:.1f} s; restore check: {restored_ok}"
    )
    ok = (
        total_5xx == 0
        and client_errors == 0
        and set(markers) == stored
        and audit_contacts == len(contact_ids) == len(stored)
        and set(closed) == closings == status_closed
        and views == case_views[0]
        and backup["ok"]
        and restored_ok == "ok"
    )
    return ok


def check_backup(target, path):
    """Restore the backup into a scratch database and check it."""
    if target.kind == "sqlite":
        scratch = target.dir / "restored.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(scratch) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{scratch}"
    else:
        import psycopg2

        base, name = PG_URL.rsplit("/", 1)
        scratch_name = f"{name}_restore"
        conn = psycopg2.connect(f"{base}/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
            cur.execute(f'CREATE DATABASE "{scratch_name}"')
        conn.close()
        url = f"{base}/{scratch_name}"
    out = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "restore", str(path)],
        cwd=ROOT, env={**target.env(), "DATABASE_URL": url}, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        return (out.stdout + out.stderr).strip()[-300:]
    restored = Target(target.kind, target.dir, pg_url=url if target.kind != "sqlite" else None)
    if target.kind == "sqlite":
        restored.path = scratch
    counts = {}
    for table in ("citizen", "referral", "contact", "case_closure", "audit_log"):
        counts[table] = (
            restored.sql(f"SELECT count(*) FROM {table}")[0][0],
            target.sql(f"SELECT count(*) FROM {table}")[0][0],
        )
    notes = {r[0] for r in restored.sql("SELECT note FROM contact WHERE note LIKE 'load-%'")}
    check_backup.last = {"counts": counts, "notes": notes, "integrity": restored.integrity()}
    grown = all(snapshot <= live for snapshot, live in counts.values())
    return (
        "ok"
        if grown and check_backup.last["integrity"] == "ok"
        else f"counts {counts}, integrity {check_backup.last['integrity']}"
    )


def scenario_lost_updates(target, args):
    target.reset()
    ok = True
    with Server(target, args.workers) as server:
        for editors in (2, 5, 10):
            (case,) = open_cases(target, 1)
            before = target.sql("SELECT version FROM referral WHERE id = ?", (case,))[0][0]
            browsers = [Browser(server.base).login() for _ in range(editors)]
            prepared = []
            for k, b in enumerate(browsers):
                form, _p, _ms = b.form(
                    f"/admin/referral/edit/?id={case}", lambda f: any(n == "version" for n, _v in f["fields"])
                )
                data = [(n, v) for n, v in form["fields"] if n != "note"] + [("note", f"editor {k}")]
                prepared.append((b, data))
            barrier = threading.Barrier(editors)
            outcomes = [None] * editors

            def save(k):
                b, data = prepared[k]
                barrier.wait()
                s, h, text, _ms = b.request(f"/admin/referral/edit/?id={case}", data)
                if s == 302:
                    outcomes[k] = "saved"
                elif s == 200 and STALE_DA in text:
                    outcomes[k] = "conflict"
                else:
                    outcomes[k] = f"HTTP {s}"

            threads = [threading.Thread(target=save, args=(k,)) for k in range(editors)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            note, version = target.sql("SELECT note, version FROM referral WHERE id = ?", (case,))[0]
            winners = [k for k, o in enumerate(outcomes) if o == "saved"]
            conflicts = outcomes.count("conflict")
            good = (
                len(winners) == 1
                and conflicts == editors - 1
                and note == f"editor {winners[0]}"
                and version == before + 1
            )
            ok = ok and good
            log(
                f"  {editors:2} editors: saved {len(winners)}, conflict message {conflicts}, other {[o for o in outcomes if o not in ('saved', 'conflict')]}; stored note {'= the winner' if winners and note == f'editor {winners[0]}' else repr(note)}, version {before} → {version}: {'ok' if good else 'FAILED'}"
            )
    return ok


def scenario_intake(target, args):
    target.reset()
    ok = True
    tokens, repeats = 12, 5
    with Server(target, args.workers) as server:
        prepared = []
        for i in range(tokens):
            b = Browser(server.base)
            prepared.append((b, *intake_form(b)))
        results = {}

        def send(i, r):
            b, token, data = prepared[i]
            status, reference, _h, _ms = submit(b, data, f"burst {i}")
            results.setdefault(i, []).append((status, reference))

        threads = [threading.Thread(target=send, args=(i, r)) for i in range(tokens) for r in range(repeats)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        per_token = {}
        for i, (_b, token, _d) in enumerate(prepared):
            per_token[i] = target.sql(
                "SELECT count(*) FROM referral r JOIN citizen c ON c.id = r.citizen_id WHERE c.name = ?",
                (f"Load Borger burst {i}",),
            )[0][0]
        statuses = sorted({s for rows in results.values() for s, _r in rows})
        same_receipt = all(len({r for _s, r in rows if r}) == 1 for rows in results.values())
        good = all(v == 1 for v in per_token.values()) and same_receipt and all(s in (303,) for s in statuses)
        ok = ok and good
        log(
            f"  {tokens} tokens × {repeats} simultaneous submissions on {args.workers} workers: referrals per token {sorted(set(per_token.values()))}, statuses {statuses}, one receipt per token {same_receipt}: {'ok' if good else 'FAILED'}"
        )
    limit = 20
    # Only Redis: with several workers the app now refuses to start on memory:// (each worker
    # would count on its own; measured before that check: 35 of 35 accepted at a limit of 20).
    for storage in ("redis",):
        uri = REDIS_URL if storage == "redis" else "memory://"
        if storage == "redis":
            try:
                import redis

                redis.Redis.from_url(REDIS_URL).flushdb()
            except Exception as exc:
                log(f"  Redis not available ({exc}); limiter storage test skipped")
                ok = False
                continue
        with Server(target, args.workers, INTAKE_RATE_LIMIT=f"{limit} per minute", RATELIMIT_STORAGE_URI=uri) as server:
            prepared = []
            for i in range(limit + 15):
                b = Browser(server.base)
                prepared.append((b, *intake_form(b)))
            statuses = []
            lock = threading.Lock()

            def send_one(i):
                b, _token, data = prepared[i]
                status, _ref, headers, _ms = submit(b, data, f"limit {storage} {i}")
                with lock:
                    statuses.append(status)

            threads = [threading.Thread(target=send_one, args=(i,)) for i in range(len(prepared))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            accepted, limited = statuses.count(303), statuses.count(429)
            stored = target.sql("SELECT count(*) FROM citizen WHERE name LIKE ?", (f"Load Borger limit {storage} %",))[
                0
            ][0]
            good = accepted == limit and limited == len(prepared) - limit and stored == accepted
            if storage == "redis":
                ok = ok and good
            log(
                f"  limit {limit}/minute, storage {storage}, {len(prepared)} submissions over {args.workers} workers: accepted {accepted}, 429 {limited}, stored {stored}: {'ok' if good else ('as expected without shared storage' if storage == 'memory' else 'FAILED')}"
            )
    return ok


def intake_writers(server_ref, clients, stop, acked, errors):
    def run(k):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                b = Browser(server_ref[0].base)
                _token, data = intake_form(b)
                status, reference, _h, _ms = submit(b, data, f"w{k}-{n}")
                if reference:
                    acked.append(reference)
                else:
                    errors.append(status)
            except Exception as exc:
                errors.append(type(exc).__name__)
                time.sleep(0.2)

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    return threads


def scenario_kill(target, args):
    target.reset()
    stop, acked, errors = threading.Event(), [], []
    server = Server(target, args.workers).start()
    ref = [server]
    threads = intake_writers(ref, args.clients, stop, acked, errors)
    events = []
    try:
        time.sleep(6)
        worker = server.worker_pids()[0]
        os.kill(worker, signal.SIGKILL)
        events.append(f"kill -9 worker {worker} after {len(acked)} receipts")
        time.sleep(6)
        master = server.master_pid()
        workers = server.worker_pids()
        os.kill(master, signal.SIGKILL)
        events.append(f"kill -9 master {master} after {len(acked)} receipts")
        time.sleep(2)
        server.stop()
        # The orphaned workers notice the master is gone; any still running are ended by their id.
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(1)
        server = Server(target, args.workers).start()
        ref[0] = server
        events.append(f"restarted after {len(acked)} receipts")
        time.sleep(6)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        serves = server.proc.poll() is None and Browser(server.base).request("/login")[0] == 200
        server.stop()
    stored = {r[0] for r in target.sql("SELECT reference FROM intake_submission")}
    missing = [r for r in acked if r not in stored]
    half = target.half_written()
    integrity = target.integrity()
    good = not missing and half == 0 and integrity == "ok" and serves
    log(f"  {'; '.join(events)}")
    log(
        f"  acknowledged {len(acked)}, stored {len(stored)}, acknowledged but missing {len(missing)}, half-written cases {half}, integrity {integrity}, serves after restart {serves}; client errors during the kills {len(errors)} ({sorted(set(map(str, errors)))[:6]}): {'ok' if good else 'FAILED'}"
    )
    return good


FULL_DA = "ikke plads til at gemme"  # resilience.full_response, Danish


def _probe_full(server, n):
    """One submission: status, Retry-After, receipt or not, ms, and whether the page is the Danish
    "no room to save" one."""
    b = Browser(server.base)
    _token, data = intake_form(b)
    status, headers, text, ms = b.request("/henvis/demo/laege", payload(data, f"probe {n}"))
    receipt = status == 303 and "/kvittering/" in headers.get("Location", "")
    return status, headers.get("Retry-After"), receipt, ms, FULL_DA in text


class _FullPostgres:
    """A PostgreSQL database of its own in a tablespace on a small tmpfs (the server's WAL stays on
    its own disk): its tables can grow until the tmpfs is full, then "could not extend file"."""

    def __init__(self, mount, size_mb):
        import psycopg2

        self.psycopg2 = psycopg2
        self.mount, self.size_mb = mount, size_mb
        base, name = PG_URL.rsplit("/", 1)
        self.admin_url = f"{base}/postgres"
        self.name = f"{name}_full"
        self.tablespace = f"{name}_full_ts"
        self.url = f"{base}/{self.name}"

    def _admin(self, *statements):
        conn = self.psycopg2.connect(self.admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        conn.close()

    def __enter__(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.mount)], check=True)
        shutil.chown(self.mount, "postgres", "postgres")
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.name}"',
            f'DROP TABLESPACE IF EXISTS "{self.tablespace}"',
            f"CREATE TABLESPACE \"{self.tablespace}\" LOCATION '{self.mount}'",
            f'CREATE DATABASE "{self.name}" TABLESPACE "{self.tablespace}"',
        )
        return self

    def __exit__(self, *exc):
        try:
            self._admin(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'DROP TABLESPACE IF EXISTS "{self.tablespace}"'
            )
        finally:
            subprocess.run(["umount", str(self.mount)], check=False)


def _fill(target, mount):
    """Take the file system's last free space: a filler file on SQLite's tmpfs, a filler table in
    PostgreSQL's tablespace (random text: TOAST would compress a repeated one)."""
    if target.kind == "sqlite":
        filler = mount / "filler"
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(os.urandom(64 * 1024))
                    fh.flush()
            except OSError:
                pass
        return lambda: filler.unlink()
    import psycopg2

    conn = psycopg2.connect(target.url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE zz_filler (t text)")
        for rows in (20000, 2000, 200, 20, 1):
            try:
                while True:
                    cur.execute(
                        "INSERT INTO zz_filler SELECT md5(random()::text) || md5(random()::text) FROM generate_series(1, %s)",
                        (rows,),
                    )
            except psycopg2.errors.DiskFull:
                continue

    def free():
        with conn.cursor() as cur:
            cur.execute("DROP TABLE zz_filler")  # its files are unlinked at once
        conn.close()

    return free


def scenario_full_disk(target, args):
    mount = Path(tempfile.mkdtemp(prefix="bb-full-"))
    try:
        if target.kind == "sqlite":
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)]).returncode != 0:
                log("  could not mount a tmpfs; not run")
                return None
            small = Target("sqlite", mount)
            where = "SQLite file on a 16 MB tmpfs"
            context = None
        else:
            context = _FullPostgres(mount, 48)
            try:
                context.__enter__()
            except Exception:
                context.__exit__(None, None, None)
                raise
            small = Target("postgres", target.dir, pg_url=context.url)
            where = "PostgreSQL database in a tablespace on a 48 MB tmpfs"
        try:
            return _full_disk_run(small, args, mount, where)
        finally:
            if context is not None:
                context.__exit__(None, None, None)
            elif target.kind == "sqlite":
                subprocess.run(["umount", str(mount)], check=False)
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def _full_disk_run(small, args, mount, where):
    small.reset()
    stop, acked, errors = threading.Event(), [], []
    with Server(small, args.workers) as server:
        free = _fill(small, mount)
        log(f"  {where}: filled ({shutil.disk_usage(mount).free // 1024} kB left)")
        threads = intake_writers([server], 4, stop, acked, errors)
        time.sleep(10)
        full_acked, full_errors = len(acked), list(errors)
        probe = _probe_full(server, "full")
        free()
        freed_at = len(acked)
        time.sleep(8)
        stop.set()
        for t in threads:
            t.join(30)
        after = len(acked) - freed_at
        probe_after = _probe_full(server, "after")
    stored = {r[0] for r in small.sql("SELECT reference FROM intake_submission")}
    missing = [r for r in acked if r not in stored]
    half = small.half_written()
    integrity = small.integrity()
    answers = {str(e): full_errors.count(e) for e in set(full_errors)}
    good = not missing and half == 0 and integrity == "ok" and after > 0 and probe_after[2]
    wanted = set(map(str, full_errors)) <= {"503"} and probe[0] == 503 and probe[1] is not None and probe[4]
    log(
        f"  while full (10 s, 4 writers): {full_acked} accepted (rows still fitting in pages already there), failed answers {answers}; "
        f"probe: HTTP {probe[0]}, Retry-After {probe[1]!r}, Danish 'no room' page {probe[4]}, {probe[3]:.0f} ms"
    )
    log(
        f"  space freed, same server (no restart): {after} accepted in 8 s, next probe HTTP {probe_after[0]} ({'receipt' if probe_after[2] else 'no receipt'}); "
        f"acknowledged {len(acked)}, acknowledged but missing {len(missing)}, half-written {half}, integrity {integrity}: {'ok' if good else 'FAILED'}"
    )
    log(f"  503 + Retry-After while full, never 500: {'yes' if wanted else 'NO'}")
    return good and wanted


def scenario_lock(target, args):
    target.reset()
    hold = 8.0  # longer than the lock timeout below
    # SQLite's busy timeout and PostgreSQL's lock_timeout (database.py: set on every pooled
    # connection, 10 s by default) bound every wait for a lock: 5 s here.
    with Server(target, args.workers, DATABASE_LOCK_TIMEOUT_MS="5000") as server:
        b = Browser(server.base)
        _token, data = intake_form(b)
        released = threading.Event()

        def holder():
            if target.kind == "sqlite":
                con = sqlite3.connect(target.path, timeout=1, isolation_level=None)
                con.execute("BEGIN IMMEDIATE")
                time.sleep(hold)
                con.execute("ROLLBACK")
                con.close()
            else:
                import psycopg2

                con = psycopg2.connect(PG_URL)
                with con.cursor() as cur:
                    cur.execute('LOCK TABLE "referral" IN EXCLUSIVE MODE')
                    time.sleep(hold)
                con.rollback()
                con.close()
            released.set()

        t = threading.Thread(target=holder)
        t.start()
        time.sleep(0.5)
        status, reference, headers, ms = submit(b, data, "locked")
        t.join(30)
        retry = headers.get("Retry-After")
        b2 = Browser(server.base)
        _token2, data2 = intake_form(b2)
        status2, reference2, _h2, ms2 = submit(b2, data2, "after lock")
    half = target.half_written()
    good = status == 503 and retry is not None and reference2 is not None and half == 0
    log(
        f"  write lock held {hold:.0f} s: submission answered {status} after {ms:.0f} ms, Retry-After {retry!r}; after release: {status2} in {ms2:.0f} ms ({'receipt' if reference2 else 'no receipt'}); half-written {half}: {'ok' if good else 'not as wanted (503 + Retry-After)'}"
    )
    return good


SCENARIOS = {
    "mixed": scenario_mixed,
    "lost_updates": scenario_lost_updates,
    "intake": scenario_intake,
    "kill": scenario_kill,
    "full_disk": scenario_full_disk,
    "lock": scenario_lock,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--duration", type=float, default=60, help="seconds of mixed load")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    summary = []
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"bb-load-{kind}-") as tmp:
            target = Target(kind, tmp)
            for name in args.only.split(","):
                log(f"## {name} on {kind} (gunicorn, {args.workers} workers)")
                started = time.time()
                try:
                    result = SCENARIOS[name](target, args)
                except Exception as exc:
                    log(f"  ERROR: {type(exc).__name__}: {exc}")
                    result = False
                summary.append((name, kind, result, time.time() - started))
    log("\n## summary")
    for name, kind, result, seconds in summary:
        verdict = {True: "ok", False: "FAILED / not as wanted", None: "not run"}[result]
        log(f"  {name:13} {kind:9} {verdict} ({seconds:.0f} s)")
    return 0 if all(r is not False for _n, _k, r, _s in summary) else 1


if __name__ == "__main__":
    raise SystemExit(main())
