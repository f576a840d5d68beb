#!/usr/bin/env python
"""The case page on a rich case: queries and wall time per role, this tree against a revision.

    .venv/bin/python bench/case_page.py [--rows 20] [--reps 50] [--rounds 2] [--db sqlite|postgres|both]
                                        [--compare REV]

Builds the two organisations of the test world and gives organisation A's case `--rows` of every
kind of row its page shows (tests/factories.py build_rich_case: contacts, matches, measurements,
notes, status changes, a reopened closing, intake answers, collaboration notes, GP feedback, end
criteria, a look-alike citizen), logs in through the Flask test client as admin, coordinator and
bridge builder, and times `--reps` requests of /admin/referral/details/ per role (median and min
in ms) with the queries of one request. `--compare REV` runs REV's committed app code (exported
with `git archive`, the data built by this tree's builder) and this tree in interleaved rounds,
same machine, same run. PostgreSQL: BENCH_PG_URL, never a database you care about (its public
schema is dropped).
"""

# ruff: noqa: S603, S607

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "")  # --db postgres needs it (its public schema is dropped)
ROLES = ("admin", "coordinator", "bridge_builder")


def _worker(app_root, url, rows, reps):
    """Build the data and time the page in this process, with the app code of `app_root`."""
    sys.path.insert(0, str(app_root))
    os.chdir(app_root)
    from playhouse.test_utils import count_queries

    from app import create_app
    from extensions import db
    from tests import factories
    from tests.conftest import TEST_CONFIG, _migrate

    if url.startswith("postgres"):
        import psycopg2

        conn = psycopg2.connect(url)
        conn.autocommit = True
        conn.cursor().execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        conn.close()
    _migrate(url)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    db.initialize(app.extensions["database"])
    # This tree's builder of the rich case, on the app code of `app_root` (its models).
    spec = importlib.util.spec_from_file_location("rich_case_factories", ROOT / "tests" / "factories.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    with app.app_context():
        world = factories.build_world()
        builder.build_rich_case(world.a, rows)
    url_path = f"/admin/referral/details/?id={world.a.referral.id}"
    result = {}
    for role in ROLES:
        client = app.test_client()
        client.post("/login", data={"email": world.a.users[role].email, "password": factories.PASSWORD})
        assert client.get(url_path).status_code == 200
        with count_queries() as counter:
            client.get(url_path)
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            response = client.get(url_path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        result[role] = {"queries": counter.count, "times": times}
    print(json.dumps(result))


def _run(app_root, url, rows, reps):
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(app_root), "--url", url, "--rows", str(rows), "--reps", str(reps)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--compare", metavar="REV")
    parser.add_argument("--worker")
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.worker:
        return _worker(Path(args.worker), args.url, args.rows, args.reps)
    trees = {"this tree": ROOT}
    scratch = Path(tempfile.mkdtemp(prefix="bench-case-"))
    if args.compare:
        old = scratch / "rev"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.compare], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        trees = {args.compare: old, **trees}
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in databases and not PG_URL:
        parser.error("set BENCH_PG_URL to a PostgreSQL database of your own (its public schema is dropped)")
    print(f"load average {os.getloadavg()[0]:.1f}; {args.rows} rows of each kind; {args.reps} x {args.rounds} requests")
    print("| database | code | role | queries | median ms | min ms |")
    print("|---|---|---|---|---|---|")
    for database in databases:
        found = {}
        per_round = max(1, args.reps // args.rounds)
        runs = [item for _round in range(args.rounds) for item in trees.items()]  # rev, tree, rev, tree...
        for run, (name, tree) in enumerate(runs):
            url = f"sqlite:///{scratch}/{run}.db" if database == "sqlite" else PG_URL
            for role, got in _run(tree, url, args.rows, per_round).items():
                entry = found.setdefault((name, role), {"queries": got["queries"], "times": []})
                entry["times"] += got["times"]
        for (name, role), entry in found.items():
            times = entry["times"]
            print(
                f"| {database} | {name} | {role} | {entry['queries']} | "
                f"{statistics.median(times):.1f} | {min(times):.1f} |"
            )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
