"""How many public referrals per second the production setup (gunicorn + SQLite) takes, none lost.

Starts gunicorn on a fresh SQLite database with the demo data, then N client threads each fetch
the public GP form and send it (CSRF token, one-time token, answers) like a browser. Afterwards
it checks that every receipt matches exactly one stored referral and answer set.

    .venv/bin/python bench/intake_throughput.py [--submissions 400] [--clients 16] [--workers 4]
    .venv/bin/python bench/intake_throughput.py --compare 2bd8f1b --rounds 3   # before vs after, same run
    .venv/bin/python bench/intake_throughput.py --compare main --after HEAD --rounds 5  # two commits
    .venv/bin/python bench/intake_throughput.py --profile 40     # cProfile of GET + POST + receipt in-process

With --compare REV the committed code of REV (git archive into a temporary folder, sharing this
tree's virtualenv) and the working tree (or the commit given with --after, so the tree can change
during a long run) serve in turn, round after round, each on a fresh database: the ratio of the two
medians is the speed-up on the same machine in the same run. --profile N runs N GET + POST +
receipt cycles in-process (Flask test client, same database setup) under cProfile and prints the
CPU per cycle, the statements per request and where the time goes.
"""

import argparse
import contextlib
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# Several workers need the limiter's counts in Redis (the app refuses memory:// then).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PORTS = range(int(os.environ.get("BENCH_PORT_FIRST", "8160")), int(os.environ.get("BENCH_PORT_FIRST", "8160")) + 10)


def free_port():
    """A free port of the bench's range (BENCH_PORT_FIRST and the nine after it; 8160-8169)."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def prepare(database_url, env, code=ROOT):
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", *command],
            cwd=code,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def submit_one(base, n):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/henvis/demo/laege", timeout=30).read().decode()
    fields = dict(re.findall(r'name="(csrf_token|token)"[^>]*value="([^"]+)"', page))
    channel = re.search(r'<select[^>]*name="channel".*?<option[^>]*value="(\d+)"', page, re.S).group(1)
    questions = re.findall(r'name="(q_\d+)"[^>]*value="([^"]*)"', page)
    data = [
        ("csrf_token", fields["csrf_token"]),
        ("token", fields["token"]),
        ("name", f"Bench Borger {n}"),
        ("birth_year", "1945"),
        ("gender", "female"),
        ("postal_code", "2450"),
        ("channel", channel),
        ("referrer_name", "Dr. Bench"),
        ("consent", "y"),
    ]
    answered = set()
    for name, value in questions:  # the first option of every choice question
        if name not in answered and value:
            data.append((name, value))
            answered.add(name)
    body = urllib.parse.urlencode(data).encode()
    response = opener.open(f"{base}/henvis/demo/laege", data=body, timeout=30)
    final = response.geturl()
    if "/kvittering/" not in final:
        raise RuntimeError(f"submission {n} did not get a receipt: {final}")
    return final.rsplit("/", 1)[1]


def checkout(rev):
    """The committed tree of `rev` in a temporary folder, with this tree's virtualenv and catalogues."""
    target = Path(tempfile.mkdtemp(prefix=f"brobygger-{rev[:10]}-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    for domain in ("messages", "admin"):
        subprocess.run(
            [str(ROOT / ".venv/bin/pybabel"), "-q", "compile", "--use-fuzzy", "-d", "translations", "-D", domain],
            cwd=target,
            check=True,
        )
    return target


def server_cpu_seconds(root):
    """CPU seconds (user + system) used so far by the server's processes (`timeout`, gunicorn's
    master and its workers): on a shared, busy machine the CPU a submission costs is steadier than
    the wall-clock rate."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids, total = [root], 0
    while pids:
        pid = pids.pop()
        with contextlib.suppress(OSError):
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def run_once(code, args):
    """Serve `code` with gunicorn on a fresh SQLite database, send the submissions, audit the data."""
    tmp = tempfile.mkdtemp(prefix="brobygger-bench-")
    database_url = f"sqlite:///{tmp}/bench.db"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-0123456789abcdef0123456789abcdef",
        "BROBYGGER_INSECURE_DEV": "true",  # plain HTTP on 127.0.0.1
        "INTAKE_RATE_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "ACCESS_LOG": "/dev/null",
    }
    prepare(database_url, env, code)
    port = free_port()
    server = subprocess.Popen(
        [
            "timeout",  # a server this script forgets still stops
            "900",
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=code,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)

        # Warm both workers (each imports the app on its first request: a second or two of CPU
        # that is no submission's) before counting.
        def warm_up():
            for _ in range(5):
                urllib.request.urlopen(f"{base}/henvis/demo/laege", timeout=60).read()

        warm = [threading.Thread(target=warm_up) for _ in range(4)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        receipts, errors, lock = [], [], threading.Lock()
        counter = iter(range(args.submissions))

        def client():
            for n in counter:
                try:
                    reference = submit_one(base, n)
                    with lock:
                        receipts.append(reference)
                except Exception as exc:  # noqa: BLE001 — every failure is counted and shown
                    with lock:
                        errors.append(repr(exc))

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        cpu_before = server_cpu_seconds(server.pid)
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        cpu = server_cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)

    from peewee import SqliteDatabase

    database = SqliteDatabase(f"{tmp}/bench.db")
    stored = database.execute_sql(
        "SELECT s.reference FROM intake_submission s JOIN referral r ON r.id = s.referral_id "
        "JOIN citizen c ON c.id = r.citizen_id WHERE c.name LIKE 'Bench Borger %'"
    ).fetchall()
    stored = {row[0] for row in stored}
    referrals = database.execute_sql("SELECT COUNT(*) FROM referral WHERE referrer_name = 'Dr. Bench'").fetchone()[0]
    answers = database.execute_sql(
        "SELECT COUNT(DISTINCT a.referral_id) FROM intake_answer a JOIN referral r ON r.id = a.referral_id "
        "WHERE r.referrer_name = 'Dr. Bench'"
    ).fetchone()[0]
    database.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "cpu_ms": cpu * 1000 / max(len(receipts), 1),
        "rate": len(receipts) / elapsed,
        "elapsed": elapsed,
        "receipts": len(receipts),
        "errors": errors,
        "stored": referrals,
        "matching": len(stored & set(receipts)),
        "with_answers": answers,
    }


def _cycle(client, n):
    """GET the form, POST it as a browser would, GET the receipt (in-process)."""
    from werkzeug.datastructures import MultiDict

    page = client.get("/henvis/demo/laege").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|token)"[^>]*value="([^"]+)"', page))
    channel = re.search(r'<select[^>]*name="channel".*?<option[^>]*value="(\d+)"', page, re.S).group(1)
    data = [("csrf_token", fields["csrf_token"]), ("token", fields["token"]), ("name", f"Profil Borger {n}"),
            ("birth_year", "1945"), ("gender", "female"), ("postal_code", "2450"), ("channel", channel),
            ("referrer_name", "Dr. Bench"), ("consent", "y")]  # fmt: skip
    answered = set()
    for name, value in re.findall(r'name="(q_\d+)"[^>]*value="([^"]*)"', page):
        if name not in answered and value:
            data.append((name, value))
            answered.add(name)
    response = client.post("/henvis/demo/laege", data=MultiDict(data))
    assert response.status_code == 303, response.status_code
    assert client.get(response.headers["Location"]).status_code == 200


def profile(n):
    """Where the time of a public submission goes: CPU per cycle, statements per request, cProfile."""
    import cProfile
    import logging
    import pstats
    import statistics

    tmp = tempfile.mkdtemp(prefix="brobygger-profile-")
    database_url = f"sqlite:///{tmp}/profile.db"
    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-0123456789abcdef0123456789abcdef",
        "INTAKE_RATE_LIMIT": "1000000 per minute",
    }
    prepare(database_url, {**os.environ, **config})
    from app import create_app

    app = create_app({**config, "INTAKE_HOURLY_CEILING": 10**9})
    client = app.test_client()
    for i in range(5):  # warm: schema check, form classes, templates
        _cycle(client, i)
    statements = []

    class Count(logging.Handler):
        def emit(self, record):
            statements.append(record)

    peewee_log = logging.getLogger("peewee")
    peewee_log.setLevel(logging.DEBUG)
    peewee_log.addHandler(counter := Count())
    _cycle(client, 5)
    peewee_log.removeHandler(counter)
    print(f"SQL statements per GET + POST + receipt: {len(statements)}")
    times, profiler = [], cProfile.Profile(time.process_time)
    for i in range(n):
        started = time.process_time()
        profiler.enable()
        _cycle(client, 100 + i)
        profiler.disable()
        times.append((time.process_time() - started) * 1000)
    print(
        f"CPU per GET + POST + receipt (in-process, under cProfile): median {statistics.median(times):.1f} ms, "
        f"min {min(times):.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(
        r"(plugins|models|templates|flask_limiter|jinja2/environment|wtforms/form)", 30
    )
    stats.sort_stats("tottime").print_stats(15)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def report(label, result, args):
    print(
        f"{label:>12}: {result['rate']:6.1f} submissions/s, {result['cpu_ms']:.1f} ms server CPU each "
        f"({result['receipts']} receipts in "
        f"{result['elapsed']:.1f} s, {len(result['errors'])} errors); stored {result['stored']}, "
        f"receipts matching a stored referral {result['matching']}, with answers {result['with_answers']}",
        flush=True,
    )
    lost = result["receipts"] - result["matching"]
    if result["errors"]:
        print("    first errors:", result["errors"][:3])
    return not (lost or result["stored"] != result["receipts"] or result["errors"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--compare", metavar="REV", help="also serve the committed code of REV, in turns")
    parser.add_argument("--after", metavar="REV", help="serve REV's committed code instead of the working tree")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile N submissions in-process instead")
    args = parser.parse_args()
    import statistics

    if args.profile:
        return profile(args.profile)
    codes = [(args.after, checkout(args.after))] if args.after else [("working tree", ROOT)]
    if args.compare:
        codes.insert(0, (args.compare, checkout(args.compare)))
    print(
        f"gunicorn {args.workers} sync workers, SQLite (WAL), {args.clients} concurrent clients, "
        f"{args.submissions} submissions per run (each a GET of the form, a POST and the receipt)"
    )
    rates, ok = {label: [] for label, _code in codes}, True
    cpus = {label: [] for label, _code in codes}
    for round_no in range(args.rounds):
        print(f"round {round_no + 1}")
        for label, code in codes:
            result = run_once(code, args)
            rates[label].append(result["rate"])
            cpus[label].append(result["cpu_ms"])
            ok = report(label, result, args) and ok
    print("median submissions/s: " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in rates.items()))
    cpu_medians = ", ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in cpus.items())
    print(f"median server CPU per submission: {cpu_medians}")
    if args.compare:
        before, after = (statistics.median(rates[label]) for label, _code in codes)
        cpu_before, cpu_after = (statistics.median(cpus[label]) for label, _code in codes)
        print(
            f"speed-up: {after / before:.2f}x submissions/s, {cpu_before / cpu_after:.2f}x less server CPU "
            "per submission (same run, interleaved)"
        )
    print("none lost, none duplicated" if ok else "LOST OR DUPLICATED SUBMISSIONS")
    for _label, code in codes:
        if code != ROOT:  # the checkouts of --compare / --after
            shutil.rmtree(code, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
