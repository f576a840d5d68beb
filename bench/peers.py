#!/usr/bin/env python
"""Brobygger against its peers, in one command: one table of list pages at national scale.

    make bench-peers                                   # 500 000 referrals, 3 rounds
    .venv/bin/python bench/peers.py --rows 200000 --citizens 20000 --rounds 3
    .venv/bin/python bench/peers.py --reuse            # keep the databases of the last run
    .venv/bin/python bench/peers.py --also 2bd8f1b     # Brobygger at an older commit too, same run
    .venv/bin/python bench/peers.py --no-peers --rows 5000 --also e913e99   # Brobygger and its floor only

1. Data: the peers' own loader (`../shared/peers/django_admin/load_scaled.py`: REFERRALS referrals,
   CITIZENS citizens) into bench/results/peers_<N>.db, Django's migrate (auth tables only), and a
   copy with the tuned variant's index; Brobygger's own schema with N referrals in each of two
   organisations (bench/list_pages.py's builder) into bench/results/big<N>.sqlite, then
   `flask db upgrade` (e.g. the FTS index of migration 017).
2. Rounds: each round runs every system once, each in its own process, one after another —
   Brobygger (Flask test client, logged in as an admin), a bare Flask route per page (a connection
   per request, the page's rows by hand-written SQL, a plain Jinja table: the floor for Brobygger's
   page), Flask-Admin default, Django admin default, Django admin tuned (+ index).
3. One table: per page, queries and median / min ms per system (median and minimum over the rounds
   of each round's median of --n requests), and each system's ratio to its raw-SQL floor (the
   peers: their bench's "page + 3 IN lookups" on their data; Brobygger: the same shape of SQL on
   its data, through the FTS index for searches).

The peers run from ../shared/peers/ (never copied into this repository) with a virtualenv of their
pinned requirements (bench/results/peers-venv, created on first use; --python to use another).
Everything is local (SQLite files); nothing listens on a port.
"""

# SQL below is built from this file's constants.
# ruff: noqa: S603, S607, S608, E501

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEERS = Path(os.environ.get("PEERS_DIR", ROOT.parent / "shared" / "peers")).resolve()
PAGE = 25

# page key: (what, Brobygger URL, peers' case). The peers' pages come from their bench scripts.
PAGES = {
    "a_page1": ("first page", "/admin/referral/"),
    "b_page500": ("page 500", "/admin/referral/?page=499"),
    "c_search": ("search (peers: note 'grief'; Brobygger: a miss, 'xyzzy')", "/admin/referral/?search=xyzzy"),
    "d_filter": ("status filter 'active'", "/admin/referral/?flt0_0=active"),
    "e_filter_p500": ("status filter, page 500", "/admin/referral/?flt0_0=active&page=499"),
    "f_search_citizen": ("citizen name search ('Anna' / 'søren')", "/admin/referral/?search=s%C3%B8ren"),
}
CASE_PAGE = "case page (rich case)"
BARE = "bare Flask floor (Brobygger's rows)"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def median_min(fn, n, cpu=None):
    """Median and minimum wall ms of `fn` over n calls; with a list `cpu`, the median CPU ms of
    this process per call is appended to it (less disturbed by other work on the machine)."""
    fn()
    times, cpu_times = [], []
    for _ in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times), min(times)


# =============================================================================================
# Brobygger and its bare-Flask floor (run in a child process: --measure DB)
# =============================================================================================

FLOOR_COLUMNS = "r.id, r.citizen_id, r.status, r.channel_id, r.assigned_to_id, r.received_on, r.first_contact_on"


def floor_rows(con, key, org):
    """The rows of page `key`, as Brobygger shows them, by hand-written SQL: the page's SELECT
    (searches through the FTS index the way models/search.py does), then one IN lookup per label."""
    where, params, offset = "r.organisation_id = ?", [org], 0
    if key in ("b_page500", "e_filter_p500"):
        offset = 499 * PAGE
    if key in ("d_filter", "e_filter_p500"):
        where += " AND r.status = ?"
        params.append("active")
    if key in ("c_search", "f_search_citizen"):
        term = "xyzzy" if key == "c_search" else "soren"
        ids = [
            r[0]
            for r in con.execute("SELECT rowid FROM referral_fts WHERE referral_fts MATCH ? LIMIT 2001", (f'"{term}"',))
        ]
        where += " AND r.search_key LIKE ?"
        params.append(f"%{term}%")
        if len(ids) <= 2000:
            if not ids:
                return []
            where += f" AND r.id IN ({','.join('?' * len(ids))})"
            params += ids
    rows = con.execute(
        f"SELECT {FLOOR_COLUMNS} FROM referral r WHERE {where} ORDER BY r.received_on DESC LIMIT {PAGE} OFFSET {offset}",
        params,
    ).fetchall()

    def labels(table, column, ids):
        ids = sorted({i for i in ids if i is not None})
        if not ids:
            return {}
        sql = f'SELECT id, {column} FROM "{table}" WHERE id IN ({",".join("?" * len(ids))})'
        return dict(con.execute(sql, ids).fetchall())

    citizen_ids = sorted({r[1] for r in rows})
    citizens = {
        i: f"{name} ({initials})"
        for i, name, initials in con.execute(
            f"SELECT id, name, initials FROM citizen WHERE id IN ({','.join('?' * len(citizen_ids))})", citizen_ids
        )
    }
    channels = labels("referral_channel", "name", (r[3] for r in rows))
    users = labels("user", "name", (r[4] for r in rows))

    def day(value):
        return f"{value[8:10]}.{value[5:7]}.{value[0:4]}" if value else ""

    return [
        {
            "id": r[0],
            "citizen": citizens.get(r[1], ""),
            "status": r[2],
            "channel": channels.get(r[3], ""),
            "user": users.get(r[4], ""),
            "received": day(r[5]),
            "first_contact": day(r[6]),
        }
        for r in rows
    ]


BARE_TEMPLATE = """<!doctype html><html lang="da"><head><title>Forløb</title></head><body>
<table class="table"><thead><tr><th>Nr.</th><th>Borger</th><th>Status</th><th>Kanal</th><th>Brobygger</th>
<th>Modtaget</th><th>Første kontakt</th></tr></thead><tbody>
{% for r in rows %}<tr><td><a href="/admin/referral/details/?id={{ r.id }}">{{ r.id }}</a></td><td>{{ r.citizen }}</td>
<td>{{ r.status }}</td><td>{{ r.channel }}</td><td>{{ r.user }}</td><td>{{ r.received }}</td><td>{{ r.first_contact }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


def bare_flask(path, org):
    """The floor for a page: a bare Flask route, a connection per request, a plain Jinja table."""
    from flask import Flask

    app = Flask("bare")
    template = app.jinja_env.from_string(BARE_TEMPLATE)

    @app.route("/bare/<key>")
    def page(key):
        con = sqlite3.connect(path)
        try:
            rows = floor_rows(con, key, org)
        finally:
            con.close()
        return template.render(rows=rows)

    return app.test_client()


def measure_brobygger(path, n, code):
    """Child process: Brobygger's pages (as an admin), their SQL floor and the bare-Flask floor."""
    sys.path.insert(0, str(code or ROOT))
    from playhouse.test_utils import count_queries

    from app import create_app

    ctx = json.loads(Path(str(path) + ".ctx.json").read_text())
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{path}",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "MFA_REQUIRED_ROLES": (),  # the bench logs in with a password only
            "DB_KEEP_CONNECTION": True,  # as a production worker (TESTING alone would close it per request)
            "CHECK_SCHEMA": not code,  # an older commit does not know the newer migrations
        }
    )
    client = app.test_client()
    response = client.post("/login", data={"email": ctx["admin_email"], "password": "bench-password-123"})
    assert response.status_code == 302, response.status_code
    bare = bare_flask(path, ctx["org"])
    con = sqlite3.connect(path)
    out = {}
    pages = {key: url for key, (_what, url) in PAGES.items()}
    pages[CASE_PAGE] = f"/admin/referral/details/?id={ctx['rich']}"
    for key, url in pages.items():
        for _ in range(2):
            client.get(url)
        with count_queries() as counter:
            status = client.get(url).status_code
        assert status == 200, (key, status)
        cpu = []
        med, low = median_min(lambda u=url: client.get(u).get_data(), n, cpu)
        entry = {"queries": counter.count, "median": med, "min": low, "cpu": cpu[0]}
        if key in PAGES:
            entry["floor"] = median_min(lambda k=key: floor_rows(con, k, ctx["org"]), n)[0]
            bare_med, bare_min = median_min(lambda k=key: bare.get(f"/bare/{k}").get_data(), n, cpu)
            entry.update(bare_median=bare_med, bare_min=bare_min, bare_cpu=cpu[1])
        out[key] = entry
    con.close()
    print(json.dumps(out))


# =============================================================================================
# Orchestration
# =============================================================================================


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def peer_python(args):
    if args.python:
        return args.python
    venv = RESULTS / "peers-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating {venv} with the peers' pinned requirements …")
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "-q", "-r", str(PEERS / "django_admin" / "requirements.txt")])
    return str(python)


def peer_env(**extra):
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **{k: str(v) for k, v in extra.items()}}


def build_peers(py, rows, citizens, reuse):
    base = RESULTS / f"peers_{rows}.db"
    idx = RESULTS / f"peers_{rows}_idx.db"
    if reuse and base.exists() and idx.exists():
        return base, idx
    for path in (base, idx):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    log(f"[peers] loading {rows} referrals / {citizens} citizens …")
    env = peer_env(DB_URL=f"sqlite:///{base}", REFERRALS=rows, CITIZENS=citizens)
    log("  ", run([py, str(PEERS / "django_admin" / "load_scaled.py")], env=env).strip())
    run([py, str(PEERS / "django_admin" / "manage.py"), "migrate", "-v0"], env=peer_env(DJ_DB=base))
    run([py, str(PEERS / "django_admin" / "dbprep.py"), "checkpoint", str(base)], env=peer_env())
    shutil.copy(base, idx)
    run([py, str(PEERS / "django_admin" / "dbprep.py"), "index", str(idx)], env=peer_env())
    return base, idx


def build_brobygger(rows, reuse):
    path = RESULTS / f"big{rows}.sqlite"
    if not (reuse and path.exists() and Path(str(path) + ".ctx.json").exists()):
        log(f"[brobygger] building {rows} referrals per organisation …")
        sys.path.insert(0, str(ROOT / "bench"))
        sys.path.insert(0, str(ROOT))
        import list_pages

        list_pages.SQLITE_PATH = path
        ctx = list_pages.build("sqlite", f"sqlite:///{path}", rows)
        Path(str(path) + ".ctx.json").write_text(json.dumps(ctx))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    run([str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env)
    return path


def snapshot(rev):
    target = RESULTS / f"app-{rev}"
    if not target.exists():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        target.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        for domain in ("messages", "admin"):
            run([str(ROOT / ".venv/bin/pybabel"), "-q", "compile", "-d", "translations", "-D", domain], cwd=target)
    return target


def one_round(py, bb_path, base, idx, n, also):
    got = {}
    me = [sys.executable, str(Path(__file__).resolve()), "--measure", str(bb_path), "--n", str(n)]
    got["Brobygger"] = last_json(run(me, cwd=ROOT))
    for rev, code in also:
        got[f"Brobygger {rev}"] = last_json(run([*me, "--code", str(code)], cwd=code))
    if py is None:  # --no-peers
        return got
    flask_dir = PEERS / "flaskadmin_default"
    env = peer_env(DB_URL=f"sqlite:///{base}", VARIANTS="default", N=n)
    got["flask"] = last_json(run([py, str(flask_dir / "bench.py")], cwd=flask_dir, env=env))
    dj = PEERS / "django_admin"
    got["dj_default"] = last_json(
        run([py, str(dj / "bench.py")], env=peer_env(DJ_DB=base, ADMIN_VARIANT="default", N=n))
    )
    env = peer_env(DJ_DB=idx, ADMIN_VARIANT="tuned", N=n, RAW=0)
    got["dj_tuned"] = last_json(run([py, str(dj / "bench.py")], env=env))
    return got


def summarize(rounds, also):
    """{system: {page: {queries, median, min, floor}}} over the rounds."""
    systems = {}

    def add(system, page, queries, value, floor, cpu=None):
        entry = systems.setdefault(system, {}).setdefault(
            page, {"queries": queries, "values": [], "floors": [], "cpus": []}
        )
        entry["values"].append(value)
        if floor is not None:
            entry["floors"].append(floor)
        if cpu is not None:
            entry["cpus"].append(cpu)

    for got in rounds:
        for label in ["Brobygger", *(f"Brobygger {rev}" for rev, _code in also)]:
            for page, e in got[label].items():
                add(label, page, e["queries"], e["median"], e.get("floor"), e.get("cpu"))
                if "bare_median" in e and label == "Brobygger":
                    add(BARE, page, None, e["bare_median"], e.get("floor"), e.get("bare_cpu"))
        if "flask" not in got:  # --no-peers
            continue
        flask_floor = got["flask"]["raw_batched_page"]
        for page in PAGES:
            add(
                "Flask-Admin default",
                page,
                got["flask"]["default_nq"][page],
                got["flask"]["default"][page],
                flask_floor[page],
            )
            dj = got["dj_default"]
            add(
                "Django admin default",
                page,
                dj["django_default_nq"][page],
                dj["django_default"][page],
                flask_floor[page],
            )
            tuned = got["dj_tuned"]
            add(
                "Django admin tuned",
                page,
                tuned["django_tuned_nq"][page],
                tuned["django_tuned"][page],
                flask_floor[page],
            )
    table = {}
    for system, pages in systems.items():
        for page, e in pages.items():
            floor = statistics.median(e["floors"]) if e["floors"] else None
            med = statistics.median(e["values"])
            table.setdefault(system, {})[page] = {
                "queries": e["queries"],
                "median": med,
                "min": min(e["values"]),
                "floor": floor,
                "ratio": med / floor if floor else None,
                "cpu": statistics.median(e["cpus"]) if e["cpus"] else None,
            }
    return table


def render(table, args, meta):
    peers = "Flask-Admin default" in table
    lines = [
        (
            f"Peers at {args.rows} referrals / {args.citizens} citizens (their schema); Brobygger at {args.rows} "
            "referrals per organisation, two organisations (its schema). "
            if peers
            else f"Brobygger at {args.rows} referrals per organisation, two organisations; no peers (--no-peers). "
        )
        + f"{args.rounds} rounds × {args.n} requests; {meta}.",
        "",
        "Cells: median ms / min ms (queries) ×ratio to the system's raw-SQL floor. Medians and minimums are over "
        "the rounds of each round's median.",
        "",
        "| system | " + " | ".join(PAGES) + f" | {CASE_PAGE} |",
        "|---|" + "---:|" * (len(PAGES) + 1),
    ]
    for system, pages in table.items():
        cells = []
        for page in [*PAGES, CASE_PAGE]:
            e = pages.get(page)
            if e is None:
                cells.append("")
                continue
            q = f" ({e['queries']})" if e["queries"] is not None else ""
            ratio = f" ×{e['ratio']:.0f}" if e["ratio"] else ""
            cells.append(f"{e['median']:.1f} / {e['min']:.1f}{q}{ratio}")
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    floors = table["Brobygger"]
    bare = table[BARE]
    lines += [
        "",
        "Raw-SQL floors (ms, median): Brobygger "
        + ", ".join(f"{p} {floors[p]['floor']:.2f}" for p in PAGES)
        + (
            "; peers " + ", ".join(f"{p} {table['Flask-Admin default'][p]['floor']:.2f}" for p in PAGES)
            if peers
            else ""
        )
        + ".",
        "",
    ]
    for system in [s for s in table if s.startswith("Brobygger")]:
        pages = table[system]
        lines += [
            f"{system} ÷ bare Flask floor (same rows, same run): medians "
            + ", ".join(f"{p} {pages[p]['median'] / bare[p]['median']:.1f}×" for p in PAGES)
            + "; minimums "
            + ", ".join(f"{p} {pages[p]['min'] / bare[p]['min']:.1f}×" for p in PAGES)
            + (
                "; CPU ms per request (median) "
                + ", ".join(
                    f"{p} {pages[p]['cpu']:.1f} vs {bare[p]['cpu']:.1f} = {pages[p]['cpu'] / bare[p]['cpu']:.1f}×"
                    for p in PAGES
                )
                if all(pages[p].get("cpu") and bare[p].get("cpu") for p in PAGES)
                else ""
            ),
            "",
        ]
    lines.append("Pages: " + "; ".join(f"{k} = {what} `{url}`" for k, (what, url) in PAGES.items()) + ".")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500000)
    parser.add_argument("--citizens", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=7, help="timed requests per page per round")
    parser.add_argument("--reuse", action="store_true", help="reuse the databases of the last run")
    parser.add_argument("--python", help="Python with the peers' requirements (default: bench/results/peers-venv)")
    parser.add_argument("--also", action="append", default=[], metavar="REV", help="Brobygger at REV too")
    parser.add_argument("--no-peers", action="store_true", help="Brobygger (and --also) and the bare floor only")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_brobygger(args.measure, args.n, args.code)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    py = base = idx = None
    if not args.no_peers:
        py = peer_python(args)
        base, idx = build_peers(py, args.rows, args.citizens, args.reuse)
    bb_path = build_brobygger(args.rows, args.reuse)
    also = [(rev, snapshot(rev)) for rev in args.also]
    rounds = []
    started_load = os.getloadavg()[0]
    for r in range(args.rounds):
        log(f"round {r + 1}/{args.rounds} …")
        rounds.append(one_round(py, bb_path, base, idx, args.n, also))
        (RESULTS / f"peers_{args.rows}_rounds.json").write_text(json.dumps(rounds))  # kept if interrupted
    table = summarize(rounds, also)
    load = f"load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    meta = f"{time.strftime('%Y-%m-%d %H:%M')}, {load}, {os.cpu_count()} CPUs"
    text = render(table, args, meta)
    (RESULTS / f"peers_{args.rows}.md").write_text(text + "\n")
    (RESULTS / f"peers_{args.rows}.json").write_text(json.dumps({"rounds": rounds, "table": table}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
