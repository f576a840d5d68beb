"""Browser fixtures: headless Chromium (Playwright, sync API) against a live server.

`live_server` serves the real app, CSRF on, on 127.0.0.1 and a free port, over the same
parametrised test databases as the rest of the suite (SQLite and, when TEST_DATABASE_URL is set,
PostgreSQL). Data is created with tests/factories.py in the test's thread before serving; the
server thread opens its own database connections (peewee connections are per thread).

Chromium comes from the OS (`apt-get install chromium`), not from `playwright install`. Without it
the browser tests are skipped locally and fail in CI (CI=true).
"""

import os
import re
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from extensions import db
from tests import factories
from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR") or tempfile.gettempdir())
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _unavailable(reason):
    if IN_CI:
        pytest.fail(f"{reason} The browser tests must run in CI: install it (apt-get install chromium).")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH or `apt-get install chromium`).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -r requirements-dev.txt).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(make_app):
    """The app with real CSRF, its context pushed and a connection open in the test's thread."""
    app = make_app(WTF_CSRF_ENABLED=True, POOL_MAX_CONNECTIONS=8, SEND_FILE_MAX_AGE_DEFAULT=3600)
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app
        if not db.is_closed():
            db.close()


@pytest.fixture
def e2e_world(live_app):
    """Our organisation with a bridge builder, and another organisation that must stay invisible."""
    org = factories.make_org(name="Frivilligcenter Østerbro")
    user = factories.make_user(org, "bridge_builder", name="Bente Brobygger")
    other_org = factories.make_org(name="Frivilligcenter Ærø")
    other_citizen = factories.make_citizen(other_org, name="Søren Fremmed", initials="SF")
    return SimpleNamespace(org=org, user=user, other_org=other_org, other_citizen=other_citizen)


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_server(live_app, e2e_world):
    """Serve the app in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context (no cookies) on the live server; screenshot to /tmp on failure.

    `page.errors` collects uncaught JavaScript errors, `page.dialogs` every alert/confirm shown.
    """
    context = browser.new_context(base_url=live_server, locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.dialogs = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))

    def _dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", _dialog)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        path = SCREENSHOT_DIR / f"brobygger-e2e-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"Screenshot of the failed page: {path} (at {page.url})")
        except Exception as exc:  # a failed screenshot must not hide the test's own failure
            print(f"No screenshot: {exc}")
    context.close()


def log_in(page, user, password=factories.PASSWORD):
    """Log in through the login form; land on the admin start page."""
    page.goto("/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=email]").fill(user.email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return page
