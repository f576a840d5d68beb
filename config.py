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


def from_environment():
    """Return the settings found in the environment (only those set)."""
    settings = {}
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "BROBYGGER_PLUGINS",
        "LOGIN_RATE_LIMIT",
        "RATELIMIT_STORAGE_URI",
        "BASE_URL",
    ):
        if key in os.environ:
            settings[key] = os.environ[key]
    if "BROBYGGER_SAFE_MODE" in os.environ:
        settings["BROBYGGER_SAFE_MODE"] = os.environ["BROBYGGER_SAFE_MODE"].lower() in ("1", "true", "yes")
    for key in ("DATABASE_LOCK_TIMEOUT_MS", "EXPORT_ROW_LIMIT"):
        if key in os.environ:
            settings[key] = int(os.environ[key])
    if "POOL_MAX_CONNECTIONS" in os.environ:
        settings["POOL_MAX_CONNECTIONS"] = int(os.environ["POOL_MAX_CONNECTIONS"])
    if os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"):
        settings["SESSION_COOKIE_SECURE"] = True
    return settings


def instance_secret_key(instance_path):
    """A random secret kept in the instance folder, so a dev server's sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
