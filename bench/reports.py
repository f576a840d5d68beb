#!/usr/bin/env python
"""Benchmark of the report (reports/) at national scale, against the raw SQL of the same aggregates.

    .venv/bin/python bench/reports.py [--rows N] [--db sqlite|postgres|both] [--reps 3] [--reuse]
                                      [--build-only] [--compare REV]

For each database it
  1. builds N referrals for organisation 1 (and N/10 for organisation 2, so scoping matters):
     0.9·N citizens (some referred twice), a status history per case (received → contacted →
     active → closed or declined, with the days they took effect), a closing per closed case,
     reasons, a few reassigned cases, matches and outcome measurements; received over five years;
     The load is bulk (`BulkLoad`: triggers and secondary indexes dropped and recreated from
     their stored definitions, the schema compared before and after; seconds, not hours);
  2. runs `report_data` (every figure of the report) for one year, counting the queries (after
     an untimed run that captures its SQL and warms the caches);
  3. replays exactly the SQL it ran on a bare DB-API cursor (fetchall) — "raw SQL of the same
     aggregates" — and reports the ratio report / raw;
  4. checks that the query count is the same at N and at N/10.

Each N has its own database (bench/results/reports-<N>.sqlite, <BENCH_PG_URL>_<N>), so a
500 000 build survives a 20 000 run; `--reuse` measures it again, after applying any migration
it lacks (timed: a new materialised table is built then). `--compare REV` also measures REV's
committed code (git archive into bench/results/rev-REV, run in a subprocess) on the same
database, the two in turns, so before/after share the machine's load.

Results go to stdout and bench/results/reports-<N>.md. The PostgreSQL database
(BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/bb_bench12, suffixed _<N>) has its
public schema dropped and rebuilt: never point it at a database you care about.
"""

# ruff: noqa: S608

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
SQLITE_PATH = RESULTS / "reports.sqlite"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/bb_bench12")


def set_rows(n):
    """One database per size, so a 500 000 build survives a 20 000 run."""
    global SQLITE_PATH, PG_URL
    SQLITE_PATH = RESULTS / f"reports-{n}.sqlite"
    PG_URL = f"{PG_URL}_{n}"


YEAR = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), datetime.date(2024, 12, 31))


def url_of(kind):
    return f"sqlite:///{SQLITE_PATH}" if kind == "sqlite" else PG_URL


def fresh(kind):
    if kind == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg2

    name = PG_URL.rsplit("/", 1)[1]
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop the schema of {name}")
    base = PG_URL.rsplit("/", 1)[0]
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    conn.close()


LOADED = (
    "citizen",
    "referral",
    "status_change",
    "case_closure",
    "referral_reason_link",
    "measurement",
    "status_interval",
)


class BulkLoad:
    """Drop the loaded tables' triggers and secondary indexes for the load and put them back from
    their own stored definitions (sqlite_master; pg_indexes and pg_get_triggerdef), then build the
    derived tables once. `schema()` is what is compared before and after."""

    def __init__(self, kind, cur):
        self.kind, self.cur = kind, cur
        self.indexes, self.triggers, self.functions = [], [], []

    def rows(self, sql, params=()):
        self.cur.execute(sql, params)
        return self.cur.fetchall()

    def schema(self):
        if self.kind == "sqlite":
            rows = self.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            return sorted(rows) + self.rows("PRAGMA journal_mode")
        return sorted(
            self.rows("SELECT 'index', indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            + self.rows(
                "SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
            )
            + self.rows(
                "SELECT 'function', p.proname, '', pg_get_functiondef(p.oid) FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            )
            + self.rows(
                "SELECT 'column', table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            )
        )

    def begin(self):
        tables = ", ".join(f"'{t}'" for t in LOADED)
        if self.kind == "sqlite":
            # Off during the load only (a crash leaves a database to rebuild, nothing else).
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000", "foreign_keys = OFF"):
                self.rows(f"PRAGMA {pragma}")
            self.indexes = self.rows(
                f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({tables}) ORDER BY name"
            )
            self.triggers = self.rows(
                f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({tables}) "
                f"ORDER BY name"
            )
            for name, _table, _sql in self.triggers:
                self.cur.execute(f'DROP TRIGGER "{name}"')
            for name, _table, _sql in self.indexes:
                self.cur.execute(f'DROP INDEX "{name}"')
            return
        self.cur.execute("SET synchronous_commit = off")
        self.indexes = self.rows(
            f"SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            f"AND i.tablename IN ({tables}) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            f"WHERE k.conindid = (quote_ident(i.indexname))::regclass) ORDER BY i.indexname"
        )
        self.triggers = self.rows(
            f"SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            f"JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relname IN ({tables}) "
            f"ORDER BY t.tgname"
        )
        for name, table, _sql in self.triggers:
            self.cur.execute(f'DROP TRIGGER "{name}" ON "{table}"')
        for name, _table, _sql in self.indexes:
            self.cur.execute(f'DROP INDEX "{name}"')
        # Foreign keys unchecked during the load (the bench's rows are consistent by construction).
        self.cur.execute("SET session_replication_role = replica")
        self.cur.connection.commit()

    def end(self, rebuild):
        """Indexes back, the status intervals built (their own indexes after), triggers back, FTS."""
        timings = []

        def run(sql):
            started = time.perf_counter()
            self.cur.execute(sql)
            timings.append((time.perf_counter() - started, sql[:60]))

        if self.kind == "postgres":
            run("SET session_replication_role = origin")
        later = [row for row in self.indexes if row[1] == "status_interval"]
        for _name, table, sql in self.indexes:
            if table != "status_interval":
                run(sql)
        for sql in rebuild:
            run(sql)
        for _name, _table, sql in later:
            run(sql)
        for _name, _table, sql in self.triggers:
            run(sql)
        if self.kind == "sqlite":
            for table in ("citizen", "referral"):
                run(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
            for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
                self.rows(f"PRAGMA {pragma}")
        else:
            self.cur.connection.commit()
        for seconds, sql in sorted(timings, reverse=True)[:5]:
            print(f"  {seconds:7.1f} s  {sql}", file=sys.stderr, flush=True)


def build(kind, n, seed=2024):
    """Migrate and fill the database; returns the seconds it took."""
    from app import create_app
    from database import builtin_migration_sets
    from extensions import db

    started = time.perf_counter()
    fresh(kind)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url_of(kind)})
    with app.app_context():
        for migration_set in builtin_migration_sets():
            migration_set.router(db.obj).run()
        from demo import ensure_lists
        from models import (
            CaseClosure,
            ClosureReason,
            Instrument,
            Organisation,
            ReferralChannel,
            ReferralReason,
            User,
        )
        from models.intervals import rebuild_sql

        orgs = [Organisation.create(name=f"Bench {i}", slug=f"bench-{i}") for i in (1, 2)]
        for org in orgs:
            ensure_lists(org)
        rng = random.Random(seed)
        conn = db.connection()
        cur = conn.cursor()
        # Bulk load: the loaded tables' triggers (status intervals, SQLite's FTS5) and secondary
        # indexes are dropped and recreated from their own definitions at the end, the status
        # intervals and the FTS tables are built once (as migrations 032 and 017 build them).
        loaded = BulkLoad(kind, cur)
        schema_before = loaded.schema()
        loaded.begin()
        ph = "?" if kind == "sqlite" else "%s"
        now = datetime.datetime(2025, 1, 1)
        day0 = datetime.date(2020, 1, 1)
        ids = {"citizen": 0, "referral": 0, "status_change": 0, "case_closure": 0, "link": 0, "match": 0, "m": 0}

        def insert(table, columns, rows):
            if not rows:
                return
            if kind == "postgres":  # COPY, text format (the bench's values need no escaping)
                import io

                def text(value):
                    return "\\N" if value is None else str(value)

                buffer = io.StringIO("".join("\t".join(map(text, row)) + "\n" for row in rows))
                cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([ph] * len(columns))})"
                for start in range(0, len(rows), 50000):  # a transaction per chunk
                    cur.execute("BEGIN")
                    cur.executemany(sql, rows[start : start + 50000])
                    cur.execute("COMMIT")

        for org, size in ((orgs[0], n), (orgs[1], max(n // 10, 10))):
            builders = [
                User.create(organisation=org, email=f"b{i}@{org.slug}.dk", name=f"Brobygger {i}", role="bridge_builder")
                for i in range(12)
            ]
            channels = [c.id for c in ReferralChannel.select().where(ReferralChannel.organisation == org)]
            reasons = [r.id for r in ReferralReason.select().where(ReferralReason.organisation == org)]
            closure_reasons = [r.id for r in ClosureReason.select().where(ClosureReason.organisation == org)]
            instrument = Instrument.get((Instrument.organisation == org) & (Instrument.code.is_null(False)))
            citizens = max(int(size * 0.9), 1)
            citizen_rows, referral_rows, change_rows, closure_rows, link_rows, measure_rows = [], [], [], [], [], []
            first_citizen = ids["citizen"] + 1
            for _i in range(citizens):
                ids["citizen"] += 1
                citizen_rows.append(
                    (
                        ids["citizen"],
                        now,
                        now,
                        org.id,
                        "B",
                        "B",
                        rng.choice(["male", "female", "female", "other"]),
                        rng.randint(1930, 2000),
                        1,
                        now.date(),
                        "",
                        False,
                    )
                )
            for i in range(size):
                ids["referral"] += 1
                rid = ids["referral"]
                citizen = first_citizen + (i if i < citizens else rng.randrange(citizens))
                received = day0 + datetime.timedelta(days=rng.randrange(5 * 365))
                path = rng.random()
                steps = []
                contacted = received + datetime.timedelta(days=rng.randint(1, 20))
                if path > 0.1:
                    steps.append(("received", "contacted", contacted))
                if path > 0.3:
                    steps.append(("contacted", "active", contacted + datetime.timedelta(days=rng.randint(1, 30))))
                if 0.05 < path <= 0.1:
                    steps.append(("received", "declined", received + datetime.timedelta(days=3)))
                if path > 0.55:
                    closed = steps[-1][2] + datetime.timedelta(days=rng.randint(30, 500))
                    steps.append(("active", "closed", closed))
                    ids["case_closure"] += 1
                    closure_rows.append((now, now, org.id, rid, closed, rng.choice(closure_reasons)))
                    for phase, on, score in (
                        ("intake", received, rng.randint(3, 9)),
                        ("closure", closed, rng.randint(3, 9)),
                    ):
                        measure_rows.append((now, now, org.id, rid, instrument.id, phase, on, "[1,1,1]", score, now))
                status = steps[-1][1] if steps else "received"
                referral_rows.append(
                    (
                        rid,
                        now,
                        now,
                        org.id,
                        citizen,
                        rng.choice(channels),
                        received,
                        rng.choice(builders).id,
                        status,
                        contacted if path > 0.1 else None,
                        False,
                        "",
                        1,
                    )
                )
                for from_status, to_status, on in steps:
                    change_rows.append(
                        (now, now, rid, from_status, to_status, datetime.datetime.combine(on, datetime.time(9)), on)
                    )
                link_rows.append((now, now, rid, rng.choice(reasons)))
            insert(
                "citizen",
                [
                    "id",
                    "created_at",
                    "updated_at",
                    "organisation_id",
                    "name",
                    "initials",
                    "gender",
                    "birth_year",
                    "version",
                    "consent_on",
                    "search_key",
                    "anonymous",
                ],
                citizen_rows,
            )
            insert(
                "referral",
                [
                    "id",
                    "created_at",
                    "updated_at",
                    "organisation_id",
                    "citizen_id",
                    "channel_id",
                    "received_on",
                    "assigned_to_id",
                    "status",
                    "first_contact_on",
                    "shared",
                    "search_key",
                    "version",
                ],
                referral_rows,
            )
            insert(
                "status_change",
                ["created_at", "updated_at", "referral_id", "from_status", "to_status", "at", "effective_on"],
                change_rows,
            )
            insert(
                "case_closure",
                ["created_at", "updated_at", "organisation_id", "referral_id", "closed_on", "reason_id"],
                closure_rows,
            )
            insert("referral_reason_link", ["created_at", "updated_at", "referral_id", "reason_id"], link_rows)
            insert(
                "measurement",
                [
                    "created_at",
                    "updated_at",
                    "organisation_id",
                    "referral_id",
                    "instrument_id",
                    "phase",
                    "taken_on",
                    "answers",
                    "score",
                    "at",
                ],
                measure_rows,
            )
            conn.commit()
        loaded.end(rebuild_sql(db.obj))
        schema_after = loaded.schema()
        if schema_after != schema_before:
            raise SystemExit(f"schema differs after the bulk load: {set(schema_before) ^ set(schema_after)}")
        if kind == "postgres":
            cur.execute("SELECT setval('citizen_id_seq', (SELECT MAX(id) FROM citizen))")
            cur.execute("SELECT setval('referral_id_seq', (SELECT MAX(id) FROM referral))")
            conn.commit()
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE")
            conn.autocommit = False
        del CaseClosure
        db.close()
    return time.perf_counter() - started


def migrate(kind):
    """Apply the migrations the database lacks (a database built by older code); seconds."""
    from app import create_app
    from database import builtin_migration_sets
    from extensions import db

    started = time.perf_counter()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url_of(kind)})
    with app.app_context():
        for migration_set in builtin_migration_sets():
            migration_set.router(db.obj).run()
        if kind == "postgres":  # autovacuum's part, at once: statistics and the visibility map
            conn = db.connection()
            conn.autocommit = True
            conn.cursor().execute("VACUUM ANALYZE")
        db.close()
    return time.perf_counter() - started


def measure(kind, reps):
    """(report seconds per rep, raw-SQL seconds per rep, queries, captured SQL)."""
    from app import create_app
    from extensions import db
    from reports.report import report_data

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url_of(kind)})
    database = app.extensions["database"]
    with app.app_context():
        captured = []
        original = database.execute_sql

        def capture(sql, params=None, *args, **kwargs):
            captured.append((sql, params))
            return original(sql, params, *args, **kwargs)

        # A first, untimed run captures the SQL and warms the caches (the OS's and, on SQLite,
        # the connection's page cache) for both that follow: the report, then its raw SQL.
        db.connect(reuse_if_open=True)
        database.execute_sql = capture
        report_data((1,), *YEAR)
        database.execute_sql = original
        times, raw_times = [], []
        for _rep in range(reps):
            db.connect(reuse_if_open=True)
            started = time.perf_counter()
            report_data((1,), *YEAR)
            times.append(time.perf_counter() - started)
            cur = db.connection().cursor()
            started = time.perf_counter()
            for sql, params in captured:
                cur.execute(sql, params or ())
                cur.fetchall()
            raw_times.append(time.perf_counter() - started)
        db.close()
    return times, raw_times, len(captured), captured


def measure_in(code_root, kind, rows, reps):
    """`measure` run by the code of another tree (a subprocess with that tree first on sys.path)."""
    import json
    import subprocess  # nosec B404 - our own script, fixed arguments

    out = subprocess.run(  # nosec B603 - our own interpreter and script
        [sys.executable, __file__, "--measure-json", "--code-root", str(code_root), "--rows", str(rows)]
        + ["--db", kind, "--reps", str(reps)],
        check=True,
        capture_output=True,
        text=True,
        cwd=code_root,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["times"], result["raw"], result["queries"]


def checkout(rev):
    """The committed tree of `rev` in bench/results/rev-<rev> (git archive), for --compare."""
    import subprocess  # nosec B404 - git with fixed arguments

    target = RESULTS / f"rev-{rev}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout  # nosec
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)  # nosec
    return target


def summary(values):
    return statistics.median(values), min(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the databases already built")
    parser.add_argument("--build-only", action="store_true", help="build the databases, measure nothing")
    parser.add_argument("--compare", metavar="REV", help="also measure REV's committed code, in turns, same run")
    parser.add_argument("--code-root", help=argparse.SUPPRESS)
    parser.add_argument("--measure-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    set_rows(args.rows)
    if args.code_root:
        sys.path.insert(0, args.code_root)
    if args.measure_json:
        import json

        times, raw, queries, _sql = measure(args.db, args.reps)
        print(json.dumps({"times": times, "raw": raw, "queries": queries}))
        return
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    load = os.getloadavg()
    lines = [
        f"# Report benchmark: {args.rows} referrals in organisation 1, a year's report",
        "",
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, "
        f"{os.cpu_count()} CPUs; {args.reps} repetitions (in turns with --compare). Seconds: median / min.",
        "",
        "| database | code | build s | migrate s | queries | report s | raw SQL s | ratio (medians) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    old_root = checkout(args.compare) if args.compare else None
    for kind in kinds:
        built = 0.0 if args.reuse else build(kind, args.rows)
        if args.build_only:
            print(f"{kind}: built {args.rows} in {built:.0f} s", flush=True)
            continue
        migrated = migrate(kind)
        runs = {"working tree": ([], [], 0)}
        if old_root:
            runs[args.compare] = ([], [], 0)
        for _rep in range(args.reps):
            for label in list(runs):
                if label == "working tree":
                    times, raw, queries, _sql = measure(kind, 1)
                else:
                    times, raw, queries = measure_in(old_root, kind, args.rows, 1)
                runs[label][0].extend(times)
                runs[label][1].extend(raw)
                runs[label] = (runs[label][0], runs[label][1], queries)
        for label, (times, raw, queries) in runs.items():
            (t_med, t_min), (r_med, r_min) = summary(times), summary(raw)
            lines.append(
                f"| {kind} | {label} | {built:.0f} | {migrated:.1f} | {queries} | {t_med:.3f} / {t_min:.3f} "
                f"| {r_med:.3f} / {r_min:.3f} | {t_med / r_med:.2f} |"
            )
            print(lines[-1], flush=True)
    if args.build_only:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"reports-{args.rows}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
