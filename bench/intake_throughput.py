"""How many public referrals per second the production setup (gunicorn + SQLite) takes, none lost.

Starts gunicorn on a fresh SQLite database with the demo data, then N client processes each fetch
the public GP form and send it (CSRF token, one-time token, answers) like a browser and follow the
redirect to the receipt. Afterwards it checks that every receipt matches exactly one stored
referral and answer set. It prints, per run, the server's CPU per submission (gunicorn master and
workers), the clients' and the whole machine's: on this shared 2-core machine the rate follows
what the other sessions leave over, the server's CPU per submission much less.

    .venv/bin/python bench/intake_throughput.py [--submissions 400] [--clients 16] [--workers 4]
    .venv/bin/python bench/intake_throughput.py --compare 2bd8f1b --rounds 3   # before vs after, same run
    .venv/bin/python bench/intake_throughput.py --compare main --after HEAD --rounds 5  # two commits
    .venv/bin/python bench/intake_throughput.py --profile 40     # cProfile of GET + POST + receipt in-process
    .venv/bin/python bench/intake_throughput.py --profile-server 100  # cProfile inside a gunicorn worker

With --compare REV the committed code of REV (git archive into a temporary folder, sharing this
tree's virtualenv) and the working tree (or the commit given with --after, so the tree can change
during a long run) serve in turn, round after round, each on a fresh database: the ratio of the two
medians is the speed-up on the same machine in the same run. --profile N runs N GET + POST +
receipt cycles in-process (Flask test client, same database setup) under cProfile and prints the
CPU per cycle, the statements per request and where the time goes; --profile-server N does the
same inside one gunicorn worker with production settings (bench/intake_profile_wsgi.py).
"""

import argparse
import contextlib
import multiprocessing
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


# The load generator: client processes (not threads: one Python process parsing 12 kB pages for
# eight threads took as much CPU as the server on this 2-core machine), each sending plain
# HTTP/1.1 over a socket and finding the form's fields with precompiled byte patterns. It does
# what a browser does: GET the form (keeping the session cookie), POST it with the CSRF and
# one-time tokens, follow the 303 to the receipt.
_HIDDEN = re.compile(rb'name="(csrf_token|token)"[^>]*value="([^"]+)"')
_CHANNEL = re.compile(rb'<select[^>]*name="channel".*?<option[^>]*value="(\d+)"', re.S)
_QUESTION = re.compile(rb'name="(q_\d+)"[^>]*value="([^"]*)"')
_COOKIE = re.compile(rb"^set-cookie:\s*([^=;\s]+)=([^;\r\n]*)", re.I | re.M)
_LOCATION = re.compile(rb"^location:\s*(\S+)", re.I | re.M)


def _http(port, method, path, cookies, body=b""):
    """(status, head, body) of one request on a new connection (gunicorn's sync workers close it)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        chunks = []
        while chunk := conn.recv(262144):
            chunks.append(chunk)
    head, _sep, content = b"".join(chunks).partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        raise RuntimeError("chunked response: not expected from these pages")
    for name, value in _COOKIE.findall(head):
        cookies[name.decode()] = value.decode()
    return int(head[9:12]), head, content


def submit_one(port, n):
    """One citizen's referral: GET the GP form, POST it, GET the receipt; the reference number."""
    cookies, path = {}, "/henvis/demo/laege"
    status, _head, page = _http(port, "GET", path, cookies)
    if status != 200:
        raise RuntimeError(f"GET of the form answered {status}")
    fields = {k.decode(): v.decode() for k, v in _HIDDEN.findall(page)}
    data = [
        ("csrf_token", fields["csrf_token"]),
        ("token", fields["token"]),
        ("name", f"Bench Borger {n}"),
        ("birth_year", "1945"),
        ("gender", "female"),
        ("postal_code", "2450"),
        ("channel", _CHANNEL.search(page).group(1).decode()),
        ("referrer_name", "Dr. Bench"),
        ("consent", "y"),
    ]
    answered = set()
    for name, value in _QUESTION.findall(page):  # the first option of every choice question
        if name not in answered and value:
            data.append((name.decode(), value.decode()))
            answered.add(name)
    status, head, _page = _http(port, "POST", path, cookies, urllib.parse.urlencode(data).encode())
    location = _LOCATION.search(head)
    if status != 303 or location is None or b"/kvittering/" not in location.group(1):
        raise RuntimeError(f"submission {n} did not get a receipt: {status}")
    receipt = urllib.parse.urlsplit(location.group(1).decode()).path
    status, _head, page = _http(port, "GET", receipt, cookies)
    if status != 200 or b'id="reference"' not in page:
        raise RuntimeError(f"receipt of submission {n} answered {status}")
    return receipt.rsplit("/", 1)[1]


def _client_process(port, total, counter, results):
    """One client process: submissions until the shared counter passes the total; its receipts,
    errors and CPU seconds go back through `results`."""
    receipts, errors = [], []
    while True:
        with counter.get_lock():
            n = counter.value
            counter.value += 1
        if n >= total:
            break
        try:
            receipts.append(submit_one(port, n))
        except Exception as exc:  # noqa: BLE001 — every failure is counted and shown
            errors.append(repr(exc))
    times = os.times()
    results.put((receipts, errors, times.user + times.system))


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


def machine_busy_seconds():
    """CPU seconds the whole machine has been busy (all cores, /proc/stat: everything but idle and
    iowait): with the server's and the clients' own, it shows what other work took."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_once(code, args, app="wsgi:app", extra_env=None):
    """Serve `code` with gunicorn on a fresh SQLite database, send the submissions, audit the data."""
    tmp = tempfile.mkdtemp(prefix="brobygger-bench-")
    database_url = f"sqlite:///{tmp}/bench.db"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-0123456789abcdef0123456789abcdef",
        "BROBYGGER_INSECURE_DEV": "true",  # plain HTTP on 127.0.0.1
        "INTAKE_RATE_LIMIT": "1000000 per minute",
        "INTAKE_HOURLY_CEILING": "1000000000",  # 200 an hour by default: the bench sends more
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "ACCESS_LOG": "/dev/null",
        **(extra_env or {}),
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
            app,
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
        context = multiprocessing.get_context("fork")
        counter, results = context.Value("i", 0), context.Queue()
        clients = [
            context.Process(target=_client_process, args=(port, args.submissions, counter, results))
            for _ in range(args.clients)
        ]
        cpu_before, machine_before = server_cpu_seconds(server.pid), machine_busy_seconds()
        started = time.perf_counter()
        for process in clients:
            process.start()
        receipts, errors, client_cpu = [], [], 0.0
        for _ in clients:
            got, failed, seconds = results.get(timeout=900)
            receipts += got
            errors += failed
            client_cpu += seconds
        elapsed = time.perf_counter() - started
        cpu = server_cpu_seconds(server.pid) - cpu_before
        machine = machine_busy_seconds() - machine_before
        for process in clients:
            process.join(60)
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
    done = max(len(receipts), 1)
    return {
        "cpu_ms": cpu * 1000 / done,
        "client_cpu_ms": client_cpu * 1000 / done,
        "machine_cpu_ms": machine * 1000 / done,
        "machine_busy": machine / elapsed / os.cpu_count(),
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


# Requests before the clients start: the readiness check and the warm-up's 20 GETs (run_once).
WARM_UP_REQUESTS = 21


def profile_server(args):
    """Where a submission's time goes in a real gunicorn worker (production settings, Redis
    limits, real HTTP): one worker, one client, cProfile (CPU time) around the app."""
    import pstats

    stats_file = Path(tempfile.mkdtemp(prefix="brobygger-profile-")) / "worker.prof"
    args.workers, args.clients, args.submissions = 1, 1, args.profile_server
    extra = {"BENCH_PROFILE": str(stats_file), "BENCH_PROFILE_SKIP": str(WARM_UP_REQUESTS)}
    result = run_once(ROOT, args, app="bench.intake_profile_wsgi:app", extra_env=extra)
    ok = report("profiled", result, args)
    stats = pstats.Stats(str(stats_file))
    by_part = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        match = re.search(r"site-packages/([^/]+)", filename)
        part = match.group(1).removesuffix(".py") if match else ("brobygger" if str(ROOT) in filename else "other")
        by_part[part] = by_part.get(part, 0) + own
    total = sum(by_part.values())
    print(
        f"CPU in the app under cProfile: {total * 1000 / result['receipts']:.1f} ms per submission; own time by part:"
    )
    for part, seconds in sorted(by_part.items(), key=lambda item: -item[1])[:15]:
        print(f"  {100 * seconds / total:5.1f} %  {part}")
    stats.sort_stats("cumulative").print_stats(
        r"(plugins|models|templates|flask_limiter/_limits|flask/templating|wtforms/form|flask/app.py:\d+\((process_response|preprocess_request)|peewee.py:\d+\((_generate_insert|initialize))",
        40,
    )
    shutil.rmtree(stats_file.parent, ignore_errors=True)
    return 0 if ok else 1


def report(label, result, args):
    print(
        f"{label:>12}: {result['rate']:6.1f} submissions/s, {result['cpu_ms']:.1f} ms server CPU each, "
        f"clients {result['client_cpu_ms']:.1f} ms, machine {result['machine_cpu_ms']:.1f} ms "
        f"(cores {100 * result['machine_busy']:.0f} % busy) "
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
    parser.add_argument(
        "--profile-server", type=int, metavar="N", help="cProfile N submissions in a gunicorn worker instead"
    )
    args = parser.parse_args()
    import statistics

    if args.profile:
        return profile(args.profile)
    if args.profile_server:
        return profile_server(args)
    codes = [(args.after, checkout(args.after))] if args.after else [("working tree", ROOT)]
    if args.compare:
        codes.insert(0, (args.compare, checkout(args.compare)))
    print(
        f"gunicorn {args.workers} sync workers, SQLite (WAL), {args.clients} concurrent clients, "
        f"{args.submissions} submissions per run (each a GET of the form, a POST and the receipt)"
    )
    ok, results = True, {label: [] for label, _code in codes}
    for round_no in range(args.rounds):
        print(f"round {round_no + 1} (load average {os.getloadavg()[0]:.1f})", flush=True)
        for label, code in codes:
            result = run_once(code, args)
            results[label].append(result)
            ok = report(label, result, args) and ok

    def summary(key, unit=""):
        return ", ".join(
            f"{label} {statistics.median(r[key] for r in rows):.1f}{unit} (min {min(r[key] for r in rows):.1f}, "
            f"max {max(r[key] for r in rows):.1f})"
            for label, rows in results.items()
        )

    print(f"median submissions/s: {summary('rate')}")
    print(f"median server CPU per submission: {summary('cpu_ms', ' ms')}")
    print(f"median client CPU per submission: {summary('client_cpu_ms', ' ms')}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if args.compare:
        (_b, before), (_a, after) = results.items()
        rate = [statistics.median(r["rate"] for r in rows) for rows in (before, after)]
        cpu = [statistics.median(r["cpu_ms"] for r in rows) for rows in (before, after)]
        per_round = ", ".join(f"{a['rate'] / b['rate']:.2f}" for b, a in zip(before, after, strict=True))
        print(
            f"speed-up: {rate[1] / rate[0]:.2f}x submissions/s (per round {per_round}), "
            f"{cpu[0] / cpu[1]:.2f}x less server CPU per submission (same run, interleaved)"
        )
    print("none lost, none duplicated" if ok else "LOST OR DUPLICATED SUBMISSIONS")
    for _label, code in codes:
        if code != ROOT:  # the checkouts of --compare / --after
            shutil.rmtree(code, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
