"""Configuration: defaults first, then the environment."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class Config:
    # None: read from (or created once in) instance/secret_key. Set SECRET_KEY in production.
    SECRET_KEY = None
    DATABASE_URL = f"sqlite:///{BASE_DIR / 'instance' / 'brobygger.db'}"
    # Comma-separated plugin names (built-in ones by folder name under plugins/).
    BROBYGGER_PLUGINS = "intake,end_criteria,collaboration"
    BROBYGGER_SAFE_MODE = False
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("da", "en")
    FLASK_ADMIN_SWATCH = "default"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    LOGIN_RATE_LIMIT = "10 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # The app refuses to start on a schema it does not know; the CLI's db commands skip the check.
    CHECK_SCHEMA = True
    POOL_MAX_CONNECTIONS = 20
    # The caseload flags a case with no first contact after this many days, or no contact for
    # this many weeks.
    CASE_FIRST_CONTACT_DAYS = 7
    CASE_IDLE_WEEKS = 4
    # Where the app is reached, for links printed by the CLI (set-password links).
    BASE_URL = "http://127.0.0.1:5000"
    # Spreadsheet import in the browser: bigger files go through `flask import-data` (README).
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    IMPORT_MAX_ROWS = 10000
    # How long a request waits for a database lock before it answers 503 "try again" (None: SQLite
    # 5 000 ms, PostgreSQL 10 000 ms).
    DATABASE_LOCK_TIMEOUT_MS = None
    # Rows per export; the roles below pass the limit after a recent password login (exports.py).
    EXPORT_ROW_LIMIT = 10000
    EXPORT_UNLIMITED_ROLES = ("admin", "coordinator")
    # Reminder e-mails (flask send-reminders): no MAIL_SERVER, no mail.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "brobygger@localhost"
    MAIL_TIMEOUT = 10
    # The address links in e-mails start with, e.g. https://brobygger.example.dk
    BROBYGGER_BASE_URL = ""

    # -- sessions and login (issue 9) --------------------------------------------------------
    # A session ends after this much inactivity, and at the latest this long after the login.
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    # Exports, user and role changes and deletes need a password (and second factor) this recent.
    REAUTH_MINUTES = 10
    # Failed logins per account (any address), besides LOGIN_RATE_LIMIT per address.
    LOGIN_ACCOUNT_LIMIT = "5 per 15 minutes"
    # Roles that must log in with a second factor (TOTP). An organisation can require it for all.
    MFA_REQUIRED_ROLES = ("admin", "coordinator")
    MFA_ISSUER = "Brobygger"
    PASSWORD_MIN_LENGTH = 12

    # -- deployment (issue 9) ----------------------------------------------------------------
    # Reverse proxies in front that set X-Forwarded-For (0 = none: the socket's address counts).
    PROXY_FIX_X_FOR = 0
    # Host names the app answers to (None: any; set it in production).
    TRUSTED_HOSTS = None
    # `wsgi.py` refuses insecure settings (short SECRET_KEY, cookies without Secure, memory://
    # limits with several workers) unless this is set, for a development server.
    BROBYGGER_INSECURE_DEV = False


def from_environment():
    """Return the settings found in the environment (only those set)."""
    settings = {}
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "BROBYGGER_PLUGINS",
        "LOGIN_RATE_LIMIT",
        "DIRECTORY_RATE_LIMIT",
        "RATELIMIT_STORAGE_URI",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "BROBYGGER_BASE_URL",
        "BASE_URL",
        "LOGIN_ACCOUNT_LIMIT",
        "RATELIMIT_KEY_PREFIX",
    ):
        if key in os.environ:
            settings[key] = os.environ[key]
    if "BROBYGGER_SAFE_MODE" in os.environ:
        settings["BROBYGGER_SAFE_MODE"] = os.environ["BROBYGGER_SAFE_MODE"].lower() in ("1", "true", "yes")
    for key in ("MAIL_PORT", "MAIL_TIMEOUT"):
        if key in os.environ:
            settings[key] = int(os.environ[key])
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if key in os.environ:
            settings[key] = os.environ[key].lower() in ("1", "true", "yes")
    for key in ("DATABASE_LOCK_TIMEOUT_MS", "EXPORT_ROW_LIMIT"):
        if key in os.environ:
            settings[key] = int(os.environ[key])
    if "POOL_MAX_CONNECTIONS" in os.environ:
        settings["POOL_MAX_CONNECTIONS"] = int(os.environ["POOL_MAX_CONNECTIONS"])
    if os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"):
        settings["SESSION_COOKIE_SECURE"] = True
    for key in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "PROXY_FIX_X_FOR"):
        if key in os.environ:
            settings[key] = int(os.environ[key])
    if os.environ.get("TRUSTED_HOSTS"):
        settings["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()]
    if os.environ.get("BROBYGGER_INSECURE_DEV", "").lower() in ("1", "true", "yes"):
        settings["BROBYGGER_INSECURE_DEV"] = True
    return settings


def worker_count():
    """How many gunicorn workers serve the app: gunicorn.conf.py exports the real number as
    BROBYGGER_WORKERS; without it, WEB_CONCURRENCY (gunicorn's own default for --workers)."""
    for key in ("BROBYGGER_WORKERS", "WEB_CONCURRENCY"):
        value = os.environ.get(key, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def production_problems(config, workers=1):
    """What makes `config` unfit for production, as sentences (empty: fit). `wsgi.py` and
    gunicorn.conf.py refuse to start on any; BROBYGGER_INSECURE_DEV silences all but the
    shared-limit one, which no development server with several workers should ignore either."""
    problems = []
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if workers > 1 and storage.startswith("memory://"):
        problems.append(
            f"RATELIMIT_STORAGE_URI is {storage} with {workers} workers: each worker would count on its own. "
            "Use redis://... (see README)."
        )
    if config.get("BROBYGGER_INSECURE_DEV"):
        return problems
    key = os.environ.get("SECRET_KEY", "")
    if len(key.encode()) < 32:
        problems.append("SECRET_KEY must be set in the environment, at least 32 bytes (e.g. secrets.token_hex(32)).")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must be true (HTTPS), or set BROBYGGER_INSECURE_DEV=true.")
    return problems


def instance_secret_key(instance_path):
    """A random secret kept in the instance folder, so a dev server's sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
