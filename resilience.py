"""A database that is busy or out of room answers 503 "try again", never 500.

A write lock that outlasts the lock timeout (SQLite's busy timeout, PostgreSQL's lock_timeout), a
PostgreSQL serialization failure or deadlock, a lost or refused connection (too many clients, the
pool full) are conditions of the moment, not bugs: the transaction has rolled back, nothing was
half-written, and the same request a little later will work. They answer 503 with Retry-After and
a Danish "busy" page.

A full disk (SQLite's SQLITE_FULL "database or disk is full"; PostgreSQL's 53100 disk_full, "could
not extend file") or a database out of memory (53200) also rolls back and passes once space is
freed, without restarting anything: 503 with a longer Retry-After and a page that says nothing was
saved, logged as an error so that an operator is told.
"""

from flask import current_app, render_template, request
from peewee import OperationalError
from playhouse.pool import MaxConnectionsExceeded

from i18n import _

try:
    import psycopg2.errors as pg_errors
except ImportError:  # a SQLite-only installation
    pg_errors = None

RETRY_AFTER_SECONDS = 5
FULL_RETRY_AFTER_SECONDS = 60
# PostgreSQL SQLSTATE classes and codes that mean "try again" (appendix A of its manual).
PG_TRANSIENT_CODES = {"55P03", "40001", "40P01", "57014", "57P01", "57P03"}
PG_TRANSIENT_CLASSES = ("08", "53")
# Class 53 "insufficient resources": these say the server is out of room, not merely busy.
PG_FULL_CODES = {"53000", "53100", "53200", "53400"}
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "busy", "disk is full", "disk i/o error")
SQLITE_FULL = ("disk is full", "disk i/o error", "out of memory")
CONNECTION_MARKERS = ("connection", "server closed", "too many clients", "remaining connection slots")


def _pg_code(exc):
    """The SQLSTATE of a PostgreSQL error: the server's, or that of psycopg2's error class when the
    driver raised it itself (psycopg2.errors.DiskFull and friends carry no pgcode then)."""
    for candidate in (exc, exc.__cause__, exc.__context__, *exc.args[:1]):
        if candidate is None or not isinstance(candidate, BaseException):
            continue
        code = getattr(candidate, "pgcode", None)
        if code:
            return code
        code = _psycopg2_class_codes().get(type(candidate))
        if code:
            return code
    return None


_CLASS_CODES = {}


def _psycopg2_class_codes():
    if not _CLASS_CODES:
        if pg_errors is None:  # a SQLite-only installation
            _CLASS_CODES[None] = None
            return _CLASS_CODES
        for code in (*PG_TRANSIENT_CODES, *PG_FULL_CODES, "53300"):
            try:
                _CLASS_CODES[pg_errors.lookup(code)] = code
            except KeyError:
                continue
    return _CLASS_CODES


def is_transient(exc):
    """True when `exc` is a database condition that passes (lock, conflict, full disk, lost link)."""
    if isinstance(exc, MaxConnectionsExceeded):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = _pg_code(exc)
    if code:
        return code in PG_TRANSIENT_CODES or code[:2] in PG_TRANSIENT_CLASSES
    text = str(exc).lower()
    return any(marker in text for marker in (*SQLITE_TRANSIENT, *CONNECTION_MARKERS))


def is_full(exc):
    """True when `exc` says the database has no room: a full disk or no memory."""
    if not isinstance(exc, OperationalError):
        return False
    code = _pg_code(exc)
    if code:
        return code in PG_FULL_CODES
    text = str(exc).lower()
    return any(marker in text for marker in SQLITE_FULL)


def busy_response():
    page = render_template(
        "error.html",
        code=503,
        title=_("Busy – try again"),
        message=_(
            "The system is busy right now and nothing was saved. Wait a few seconds and try again. "
            "What you typed is still on the previous page: go back and send it again."
        ),
    )
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def full_response():
    page = render_template(
        "error.html",
        code=503,
        title=_("Cannot save right now"),
        message=_(
            "There is no room to save right now, and nothing was saved. The administrators have been "
            "told. Try again in a few minutes: what you typed is still on the previous page."
        ),
    )
    return page, 503, {"Retry-After": str(FULL_RETRY_AFTER_SECONDS)}


def unavailable_response(exc):
    """The 503 for a transient database error `exc` (see is_transient), logged."""
    if is_full(exc):
        # Not a passing moment for the operator: the disk must be emptied or grown.
        current_app.logger.error("Database full on %s: %s", request.path, type(exc).__name__)
        return full_response()
    current_app.logger.warning("Database busy on %s: %s", request.path, type(exc).__name__)
    return busy_response()


def init_resilience(app):
    @app.errorhandler(MaxConnectionsExceeded)
    def _pool_full(exc):
        return unavailable_response(exc)

    @app.errorhandler(OperationalError)
    def _operational_error(exc):
        if is_transient(exc):
            return unavailable_response(exc)
        app.logger.exception("Database error on %s", request.path)
        page = render_template(
            "error.html",
            code=500,
            title=_("Something went wrong"),
            message=_(
                "An unexpected error occurred. Nothing was saved. "
                "Try again, and contact your administrator if it persists."
            ),
        )
        return page, 500
