"""A database that is busy answers 503 "try again", never 500.

A write lock that outlasts the lock timeout (SQLite's busy timeout, PostgreSQL's lock_timeout), a
PostgreSQL serialization failure or deadlock, a full disk or a lost connection are conditions of
the moment, not bugs: the transaction has rolled back, nothing was half-written, and the same
request a little later will work. Such errors answer 503 with Retry-After and a Danish page.
"""

from flask import render_template, request
from peewee import OperationalError

from i18n import _

RETRY_AFTER_SECONDS = 5
# PostgreSQL SQLSTATE classes and codes that mean "try again" (appendix A of its manual).
PG_TRANSIENT_CODES = {"55P03", "40001", "40P01", "57014", "57P01", "57P03"}
PG_TRANSIENT_CLASSES = ("08", "53")
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "busy", "disk is full", "disk i/o error")


def is_transient(exc):
    """True when `exc` is a database condition that passes (lock, conflict, full disk, lost link)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc.__context__ or exc
    code = getattr(cause, "pgcode", None) or getattr(exc, "pgcode", None)
    if code:
        return code in PG_TRANSIENT_CODES or code[:2] in PG_TRANSIENT_CLASSES
    text = str(exc).lower()
    return any(marker in text for marker in SQLITE_TRANSIENT) or "connection" in text or "server closed" in text


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


def init_resilience(app):
    @app.errorhandler(OperationalError)
    def _operational_error(exc):
        if is_transient(exc):
            app.logger.warning("Database busy on %s: %s", request.path, type(exc).__name__)
            return busy_response()
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
