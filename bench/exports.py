#!/usr/bin/env python
"""Benchmark of the exports (exports.py): time against their own SQL, and a gunicorn worker's
peak memory while it exports 100 000 rows.

    .venv/bin/python bench/exports.py [--rows 100000] [--db sqlite|postgres|both] [--reps 5]
    .venv/bin/python bench/exports.py --rows 100000 --db both --reps 5 --before e913e99
    .venv/bin/python bench/exports.py --sqlite bench/results/big200000.sqlite --db sqlite --before e913e99

For each database it builds --rows referrals per organisation with bench/list_pages.py's builder
(or uses --sqlite PATH / --skip-build), then, logged in as organisation 1's admin through the
Flask test client:
  1. times the referral export (CSV and XLSX) at 10 000 and 100 000 rows (EXPORT_ROW_LIMIT), the
     contact and match exports at 10 000 rows, and the SQL those requests ran, replayed as plain
     fetches ("SQL"): the ratio is export / SQL (on SQLite also of their CPU times, which other
     processes' load disturbs least);
  2. with --before REV, times the same exports with the code of commit REV (a snapshot under
     bench/results/app-REV, in a child process) in the same run; otherwise Flask-Admin's own
     CSV/tablib export over the view's list query (10 000 rows);
  3. starts gunicorn with one worker on the same database, logs in over HTTP and downloads the
     referral CSV and XLSX of every row of organisation 1, reading the worker's VmHWM (peak RSS)
     from /proc before and after.
Never point BENCH_PG_URL at a database you care about: its public schema is dropped.
"""

# ruff: noqa: S603, S607, S310

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import list_pages  # noqa: E402 - the data builder and helpers

if "--code" in sys.argv:  # list_pages put this checkout first again: the other one goes before it
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])

RESULTS = ROOT / "bench" / "results"
SQLITE_PATH = RESULTS / "exports.sqlite"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/bb_h09b_bench")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def timed(fn, reps, cpu=None):
    """(median, min) wall ms of `reps` calls; with a list `cpu`, its process CPU ms are added to it."""
    times = []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(times), min(times)


def replay(database, statements):
    def run():
        for sql, params in statements:
            database.execute_sql(sql, params).fetchall()

    return run


def capture(client, url):
    """Fetch `url`; return (status, body, the SQL statements it ran, Location)."""
    from playhouse.test_utils import count_queries

    with count_queries() as counter:
        response = client.get(url)
        body = response.get_data()
        response.close()
    statements = [(r.msg[0], r.msg[1]) for r in counter.get_queries() if r.msg[0].lstrip().upper().startswith("SELECT")]
    return response.status_code, body, statements, response.headers.get("Location")


def old_export(app, client, view_endpoint, fmt):
    """The export as it was: Flask-Admin's _export_csv / _export_tablib over the same view."""
    from flask_admin.model.base import BaseModelView

    view = next(v for v in app.extensions["brobygger_admin"]._views if getattr(v, "endpoint", None) == view_endpoint)

    def run():
        with app.test_request_context(f"/admin/{view_endpoint}/export/{fmt}/"):
            from flask_login import login_user

            from models import User

            login_user(User.get_by_id(client.admin_id))
            if fmt == "csv":
                response = BaseModelView._export_csv(view, "/")
            else:
                response = BaseModelView._export_tablib(view, fmt, "/")
            response.get_data()
            response.close()

    return run


def make_app(url, older=False):
    """list_pages' bench app; an older commit's code does not know the newer migrations (its
    schema check would answer every request with 503, the login first)."""
    return list_pages.make_app(url, CHECK_SCHEMA=False) if older else list_pages.make_app(url)


def data_rows(fmt, body):
    """How many data rows (header not counted) an export's body holds."""
    if fmt == "csv":
        return body.count(b"\r\n") - 1
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    return sheet.count(b"<row") - 1


def measure_test_client(kind, url, ctx, reps, older=False):
    """Each export through the test client, then its SQL replayed.

    No application context is held around the requests: Flask reuses an outer app context for
    every request, so `g` (Flask-Login's cached user) would outlive its request. The next fresh
    client's login then saw a logged-in user, answered 302 without starting a session, and the
    export after it was sent to /reauth (the 302 "at the second export")."""
    from extensions import db

    app = make_app(url, older)
    rows = []
    database = db.obj
    big = (("10 000", 10000), ("100 000", 100000))
    views = {v.endpoint: v for v in app.extensions["brobygger_admin"]._views if hasattr(v, "export_max_rows")}
    for view, scopes in (("referral", big), ("contact", (("10 000", 10000),)), ("match", (("10 000", 10000),))):
        for fmt in ("csv", "xlsx"):
            for scope, limit in scopes:
                target = f"/admin/{view}/export/{fmt}/"
                # A fresh login per export: slow old code outlives the re-authentication window.
                client = list_pages.login(app, ctx["admin_email"])
                client.admin_id = ctx["admin_id"]
                app.config["EXPORT_UNLIMITED_ROLES"] = ()
                app.config["EXPORT_ROW_LIMIT"] = limit
                views[view].export_max_rows = limit  # the views' own cap is 10 000
                status, body, statements, location = capture(client, target)
                assert status == 200, (target, status, location)
                n = reps if limit <= 10000 or not older else max(1, reps // 2)

                def export(t=target, c=client):
                    got, _body = list_pages.fetch(c, t)
                    assert got == 200, (t, got)

                export_cpu, sql_cpu = [], []
                export_med, export_min = timed(export, n, export_cpu)
                with app.app_context():
                    sql_med, sql_min = timed(replay(database, statements), n, sql_cpu)
                row = {
                    "db": kind,
                    "export": f"{view} {fmt}",
                    "rows": scope,
                    "data_rows": data_rows(fmt, body),
                    "bytes": len(body),
                    "queries": len(statements),
                    "export_ms": (export_med, export_min),
                    "sql_ms": (sql_med, sql_min),
                    "ratio": export_min / sql_min if sql_min else float("nan"),
                    # On SQLite the export and its SQL both run in this process: the ratio of
                    # their CPU time is what other processes' load disturbs least.
                    "cpu_ratio": statistics.median(export_cpu) / statistics.median(sql_cpu)
                    if kind == "sqlite"
                    else None,
                }
                if limit <= 10000 and COMPARE_FLASK_ADMIN:
                    old_med, old_min = timed(old_export(app, client, view, fmt), max(1, reps // 2))
                    row["before_ms"] = (old_med, old_min)
                rows.append(row)
                log(row)
    if not db.is_closed():
        db.close()
    return rows


COMPARE_FLASK_ADMIN = True  # False with --before: the old commit is the "before"


def measure_before(code, kind, url, ctx, reps):
    """The same measurements with the code at `code` (a snapshot), in a child process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--code", str(code), "--db", kind, "--reps", str(reps)]
    cmd += ["--child-url", url, "--child-ctx", json.dumps(ctx)]
    result = subprocess.run(cmd, cwd=code, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_hwm_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def worker_pid(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else None


def measure_gunicorn(kind, url, ctx):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "BROBYGGER_DEV_INSECURE_COOKIES": "1",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            "1",
            "--timeout",
            "300",
            "--bind",
            f"127.0.0.1:{port}",
            # The bench logs in with a password only; a fresh login lets the admin export every row.
            "app:create_app({'MFA_REQUIRED_ROLES': ()})",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / f"gunicorn-{kind}.log").open("w"),  # noqa: SIM115 - the server's log, kept
    )
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": ctx["admin_email"], "password": list_pages.PASSWORD}
        ).encode()
        opener.open(f"{base}/login", data=body, timeout=600).read()  # then the start page: slow at 200 000
        opener.open(f"{base}/admin/referral/", timeout=600).read()  # warm: imports, caches, pools
        pid = worker_pid(server.pid)
        for fmt in ("csv", "xlsx"):
            before = vm_hwm_kb(pid)
            t0 = time.perf_counter()
            target = f"{base}/admin/referral/export/{fmt}/"
            blocks = []
            with opener.open(target, timeout=600) as response:
                # urllib follows redirects: a /reauth or /login page must not pass for an export
                assert response.status == 200 and response.geturl() == target, (response.status, response.geturl())
                while block := response.read(1 << 16):
                    blocks.append(block)
            elapsed = time.perf_counter() - t0
            after = vm_hwm_kb(pid)
            body = b"".join(blocks)
            results.append(
                {
                    "db": kind,
                    "format": fmt,
                    "bytes": len(body),
                    "data_rows": data_rows(fmt, body),
                    "seconds": elapsed,
                    "hwm_before_mb": before / 1024,
                    "hwm_after_mb": after / 1024,
                }
            )
            log(results[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def _cells(r):
    e, q = r["export_ms"], r["sql_ms"]
    return [
        f"{r.get('data_rows', '')}",
        f"{r['queries']}",
        f"{e[0] / 1000:.2f} / {e[1] / 1000:.2f}",
        f"{q[0] / 1000:.2f} / {q[1] / 1000:.2f}",
        f"{e[0] / q[0]:.1f}× / {e[1] / q[1]:.1f}×" if q[0] and q[1] else "",
        f"{r['cpu_ratio']:.1f}×" if r.get("cpu_ratio") else "–",
    ]


def report(rows, workers, n, before=None, meta=""):
    out = [f"## Exports at {n} referrals per organisation ({meta})\n"]
    head = (
        "| db | export | limit | rows | queries | export s median / min | SQL s median / min "
        "| ratio median / min | CPU ratio |"
    )
    rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    if before:
        head += (
            f" {before['rev']}: rows | queries | export s median / min | SQL s median / min "
            "| ratio median / min | CPU ratio |"
        )
        rule += "---:|---:|---:|---:|---:|---:|"
    else:
        head += " Flask-Admin's export s median / min |"
        rule += "---:|"
    out += [head, rule]
    old = {(r["db"], r["export"], r["rows"]): r for r in (before or {}).get("rows", [])}
    for r in rows:
        cells = _cells(r)
        if before:
            o = old.get((r["db"], r["export"], r["rows"]))
            cells += _cells(o) if o else [""] * 6
        else:
            prior = r.get("before_ms")
            cells.append(f"{prior[0] / 1000:.2f} / {prior[1] / 1000:.2f}" if prior else "")
        out.append(f"| {r['db']} | {r['export']} | {r['rows']} | " + " | ".join(cells) + " |")
    out.append("\nGunicorn worker (1 worker), referral export of every row of organisation 1:\n")
    out.append("| db | format | rows | bytes | seconds | worker peak RSS before → after (MB) |")
    out.append("|---|---|---:|---:|---:|---|")
    for w in workers:
        out.append(
            f"| {w['db']} | {w['format']} | {w['data_rows']} | {w['bytes']} | {w['seconds']:.1f} "
            f"| {w['hwm_before_mb']:.0f} → {w['hwm_after_mb']:.0f} |"
        )
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of the last run")
    parser.add_argument("--sqlite", help="an already built SQLite database (e.g. bench/results/big200000.sqlite)")
    parser.add_argument("--before", metavar="REV", help="the same exports with commit REV's code, same run")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the worker's peak-memory measurement")
    parser.add_argument("--only-gunicorn", action="store_true", help="only the worker's peak-memory measurement")
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-ctx", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global COMPARE_FLASK_ADMIN
    COMPARE_FLASK_ADMIN = not (args.before or args.code)
    if args.code:  # child: another checkout's exports, printed as JSON
        ctx = json.loads(args.child_ctx)
        print(json.dumps(measure_test_client(args.db, args.child_url, ctx, args.reps, older=True)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    sqlite_path = Path(args.sqlite).resolve() if args.sqlite else SQLITE_PATH
    list_pages.SQLITE_PATH = sqlite_path
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    rows, workers, before_rows = [], [], []
    code = None
    if args.before:
        import peers

        code = peers.snapshot(args.before)
    started_load = os.getloadavg()[0]
    for kind in kinds:
        url = f"sqlite:///{sqlite_path}" if kind == "sqlite" else PG_URL
        log(f"building {args.rows} referrals per organisation on {kind} ...")
        if args.skip_build or (kind == "sqlite" and args.sqlite):
            ctx = {"admin_email": "admin@org1.bench.dk"}
            from models import User

            app = list_pages.make_app(url)
            with app.app_context():
                from extensions import db

                db.connect(reuse_if_open=True)
                ctx["admin_id"] = User.get(User.email == ctx["admin_email"]).id
                db.close()
        else:
            ctx = list_pages.build(kind, url, args.rows)
        if not args.only_gunicorn:
            if code is not None:
                before_rows += measure_before(code, kind, url, ctx, args.reps)
            rows += measure_test_client(kind, url, ctx, args.reps)
        if not args.no_gunicorn:
            try:
                workers += measure_gunicorn(kind, url, ctx)
            except Exception as exc:  # the table of the test-client runs is kept
                log(f"gunicorn measurement on {kind} failed: {exc!r}")
    load = f"load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    meta = f"{time.strftime('%Y-%m-%d %H:%M')}, {load}, {os.cpu_count()} CPUs"
    before = {"rev": args.before, "rows": before_rows} if args.before else None
    text = report(rows, workers, args.rows, before, meta)
    print(text)
    (RESULTS / "exports.md").write_text(text)


if __name__ == "__main__":
    main()
