"""The production entry point: wsgi.py refuses unsafe settings, and under gunicorn with several
workers the login limit is shared through Redis (one count for all workers), the access log
carries no query strings."""

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
GOOD_KEY = secrets.token_hex(32)


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path):
    path = tmp_path / "prod.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _env(database_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BROBYGGER_", "RATELIMIT_", "SECRET_KEY"))}
    env.pop("WEB_CONCURRENCY", None)
    env.pop("SESSION_COOKIE_SECURE", None)
    env.update({"DATABASE_URL": database_url, "BROBYGGER_PLUGINS": "intake,end_criteria,collaboration"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _import_wsgi(env):
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": GOOD_KEY}, "SESSION_COOKIE_SECURE must be true"),
        (
            {"SECRET_KEY": GOOD_KEY, "SESSION_COOKIE_SECURE": "true", "WEB_CONCURRENCY": "2"},
            "RATELIMIT_STORAGE_URI is memory://",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "BROBYGGER_INSECURE_DEV": "true", "BROBYGGER_WORKERS": "3"},
            "RATELIMIT_STORAGE_URI is memory://",
        ),
    ],
)
def test_wsgi_refuses_unsafe_settings(sqlite_db, settings, refusal):
    result = _import_wsgi(_env(sqlite_db, **settings))
    assert result.returncode == 3, result.stderr[-2000:]
    assert refusal in result.stderr


@pytest.mark.parametrize(
    "settings",
    [
        {"SECRET_KEY": GOOD_KEY, "SESSION_COOKIE_SECURE": "true"},
        {"SECRET_KEY": GOOD_KEY, "BROBYGGER_INSECURE_DEV": "true"},
        {
            "SECRET_KEY": GOOD_KEY,
            "SESSION_COOKIE_SECURE": "true",
            "WEB_CONCURRENCY": "4",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
        },
    ],
)
def test_wsgi_boots_with_safe_settings(sqlite_db, settings):
    result = _import_wsgi(_env(sqlite_db, **settings))
    assert result.returncode == 0, result.stderr[-2000:]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        message = f"Redis is not running at {REDIS_URL} (.ci/run starts Debian's redis-server)."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _gunicorn(env, workers, port, log):
    return subprocess.Popen(  # noqa: S603 - our own gunicorn on our own app
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_up(proc, port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _failed_login(port, n):
    """GET the login page (CSRF token and cookie), then POST a wrong password; its status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/login?next=/admin/secret-query-{n}")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = f"csrf_token={token}&email=nobody{n}%40example.dk&password=wrong-password"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/login", body=body, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_the_login_limit_holds_across_gunicorn_workers_with_redis(sqlite_db, tmp_path):
    _redis_or_skip()
    port = _free_port()
    env = _env(
        sqlite_db,
        SECRET_KEY=GOOD_KEY,
        BROBYGGER_INSECURE_DEV="true",  # plain HTTP on loopback
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"test-{secrets.token_hex(6)}",
        LOGIN_RATE_LIMIT="5 per minute",
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = _gunicorn(env, 2, port, log)
        try:
            assert _wait_up(proc, port), log_path.read_text()[-3000:]
            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses = list(pool.map(lambda n: _failed_login(port, n), range(12)))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log_path.read_text()
    # Two workers booted and served; together they let 5 attempts through, not 5 each.
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", text))) == 2, text[-3000:]
    assert sorted(statuses) == [200] * 5 + [429] * 7, statuses
    # The access log has the requests, without their query strings.
    assert '"GET /login HTTP/1.1" 200' in text
    assert "secret-query" not in text


def test_gunicorn_refuses_memory_limits_with_two_workers(sqlite_db, tmp_path):
    port = _free_port()
    env = _env(sqlite_db, SECRET_KEY=GOOD_KEY, BROBYGGER_INSECURE_DEV="true")
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = _gunicorn(env, 2, port, log)
        try:
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code != 0
    assert "RATELIMIT_STORAGE_URI is memory:// with 2 workers" in log_path.read_text()
