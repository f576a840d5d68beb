"""Login manager, CSRF, rate limiting, security headers and friendly error pages.

Also the rules every other module calls: `safe_local_path()` for every redirect target,
`start_session()` / the user loader for sessions that end, `require_recent_auth` before
exports, deletes and user changes, the per-account failed-login limit, the CSP nonce.
"""

import datetime
import functools
import hashlib
import io
import logging
import re
import secrets
import time
import traceback
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.globals import request_ctx
from flask_login import current_user, login_user
from flask_wtf.csrf import CSRFError
from limits import parse
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from extensions import csrf, limiter, login_manager
from i18n import _, _l
from models import User
from models.compiled import Compiled
from models.user import configure_password_hashing

# -- redirect targets -----------------------------------------------------------------------

_DROPPED = re.compile(r"[\t\r\n]")


def safe_local_path(target, default=None):
    """`target` if it is a path on this site ("/admin/x?y=1"), else `default`.

    Browsers drop tab, CR and LF anywhere in a URL and read "\\" as "/", so "/\t/evil" and
    "/\\evil" lead off-site. After dropping tab/CR/LF the target must start with exactly one
    "/", contain no backslash, no scheme and no host, in its raw and its percent-decoded form.
    The value checked is the value returned."""
    if not target or not isinstance(target, str):
        return default
    target = _DROPPED.sub("", target)
    for form in (target, _DROPPED.sub("", unquote(target))):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return default
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in form):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return default
    return target


def clean_redirect_args(name="url"):
    """Replace the request's `name` parameter (query and form) with its safe_local_path(), or
    drop it. Flask-Admin reads its return address with helpers.get_redirect_target(), whose
    is_safe_url() checks a normalised copy but returns the raw value, and accepts
    "http:evil.tld/x" (urljoin keeps it on our host; browsers do not). Our admin views call
    this before any view runs, so every `url=` Flask-Admin reads is one of our paths."""
    for attr in ("args", "form"):
        values = getattr(request, attr)
        if name not in values:
            continue
        safe = safe_local_path(values.get(name))
        cleaned = values.copy() if hasattr(values, "copy") else dict(values)
        cleaned.poplist(name)
        if safe:
            cleaned[name] = safe
        request.__dict__[attr] = ImmutableMultiDict(cleaned)
    request.__dict__.pop("values", None)


# -- sessions -------------------------------------------------------------------------------


def _now():
    return int(time.time())


def start_session(user, fresh=True):
    """Log `user` in on a new session: nothing of the old session survives (no fixation), a new
    session id, the user's current session epoch, and the login time for both timeouts."""
    flashes = session.get("_flashes")
    session.clear()
    if flashes:
        session["_flashes"] = flashes
    login_user(user)
    now = _now()
    session.permanent = True
    session["sid"] = secrets.token_urlsafe(24)
    session["epoch"] = user.session_epoch or 0
    session["auth_at"] = session["seen_at"] = now
    if fresh:
        session["reauth_at"] = now


def session_is_current(user):
    """Whether the session in this request may still act for `user`."""
    if session.get("epoch") != (user.session_epoch or 0):
        return False
    now = _now()
    config = current_app.config
    if now - int(session.get("auth_at") or 0) > config["SESSION_MAX_HOURS"] * 3600:
        return False
    if now - int(session.get("seen_at") or 0) > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - int(session.get("seen_at") or 0) > 30:  # rewrite the cookie at most every 30 s
        session["seen_at"] = now
    return True


def mark_recent_auth():
    session["reauth_at"] = _now()


def has_recent_auth():
    return _now() - int(session.get("reauth_at") or 0) <= current_app.config["REAUTH_MINUTES"] * 60


def refuse_access():
    """The answer of a page the user may not reach (Flask-Admin's inaccessible_callback): the
    login page, coming back here after, for an anonymous user; 403 for a logged-in one."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    abort(403)


def recent_auth_redirect():
    """None when the user confirmed their password (and second factor) recently enough; else a
    redirect to the confirmation page, which returns to this page (a GET) or to the page the
    form was sent from (a POST, which the user then repeats)."""
    if has_recent_auth():
        return None
    if request.method == "GET":
        back = request.full_path if request.query_string else request.path
    else:
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc in ("", request.host)
        back = (referrer.path + (f"?{referrer.query}" if referrer.query else "")) if same_site else ""
    flash(_("Confirm your password to continue. This is asked at most every 10 minutes."), "info")
    return redirect(url_for("auth.reauth", next=safe_local_path(back, url_for("admin.index"))))


def require_recent_auth(view):
    """Decorator: the view runs only after a password (and second factor) confirmation within
    REAUTH_MINUTES; otherwise the user is sent to confirm first. For plain Flask views; admin
    views get the same check from admin/base.py (`recent_auth_views`)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = recent_auth_redirect() if current_user.is_authenticated else None
        return response or view(*args, **kwargs)

    return wrapper


# -- failed logins per account --------------------------------------------------------------


def _account_limit():
    return parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _account_key(email):
    # A digest, not the address: the limiter's storage (Redis) holds no personal data.
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def account_locked(email):
    """Whether this account had too many failed logins lately (known or not: no enumeration)."""
    return not limiter.limiter.test(_account_limit(), "login-account", _account_key(email))


def count_failed_login(email):
    limiter.limiter.hit(_account_limit(), "login-account", _account_key(email))


def clear_failed_logins(email):
    limiter.limiter.clear(_account_limit(), "login-account", _account_key(email))


# -- content security policy ----------------------------------------------------------------


def csp_nonce():
    """This response's CSP nonce (one per request), for <script nonce="...">."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce):
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Styles: Bootstrap and our templates use style attributes; scripts stay strict.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


# -- logs without personal data -------------------------------------------------------------


def _scrub_exception(exc_info):
    """A traceback with the frames but without exception messages (they carry values: a
    duplicate e-mail, a citizen's name in a database error)."""
    exc_type, exc, tb = exc_info
    lines = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        lines[:0] = [
            *traceback.format_tb(exc.__traceback__),
            f"{type(exc).__module__}.{type(exc).__qualname__}: <scrubbed>\n",
        ]
        exc = exc.__cause__ or exc.__context__
        if exc is not None:
            lines[:0] = ["\nDuring the handling of this exception another one occurred:\n\n"]
    return "Traceback (most recent call last):\n" + "".join(lines).rstrip("\n")


def install_log_scrubbing():
    """Every log record, of every logger: exceptions passed as arguments are replaced by their
    type name, and tracebacks lose their messages."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "brobygger_scrubbing", False):
        return

    def scrubbing_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        if isinstance(record.args, tuple):
            record.args = tuple(f"<{type(a).__name__}>" if isinstance(a, BaseException) else a for a in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _scrub_exception(record.exc_info)
        return record

    scrubbing_factory.brobygger_scrubbing = True
    logging.setLogRecordFactory(scrubbing_factory)


def buffer_chunked_body():
    """A chunked body (no Content-Length) is read here, up to MAX_CONTENT_LENGTH: one byte more
    answers 413. Werkzeug would otherwise cut such a body at the limit without a word and parse
    the truncated rest; after this it is an ordinary body with a length that every later limit
    (e.g. the public form's smaller one) can check."""
    environ = request.environ
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    if not environ.get("wsgi.input_terminated"):
        return  # the server does not decode chunks: Werkzeug reads nothing, which is safe
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 2 * 1024 * 1024
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    del environ["HTTP_TRANSFER_ENCODING"]
    for cached in ("content_length", "stream"):
        request.__dict__.pop(cached, None)


# The login loader's read, on every request: its SQL built once (models/compiled.py).
_active_user = Compiled(User.active_with_organisation)


def init_security(app):
    configure_password_hashing(app.config.get("PASSWORD_HASH_PARAMS"))
    install_log_scrubbing()
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops > 0:
        # Behind `hops` reverse proxies the client's address is the hops-th from the right in
        # X-Forwarded-For; the scheme comes from X-Forwarded-Proto (nginx sets both).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)
    if app.config.get("SESSION_COOKIE_SECURE") and app.config.get("SESSION_COOKIE_NAME", "session") == "session":
        # __Host-: the browser only accepts it over HTTPS, for this host and path /, no Domain.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(hours=app.config["SESSION_MAX_HOURS"])
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(buffer_chunked_body)  # first: before CSRF or any view reads the body
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id):
        try:
            rows = _active_user(int(user_id))
        except ValueError:
            return None
        user = rows[0] if rows else None
        # A deactivated organisation's users are logged out at their next request.
        if user is None or not user.is_active or not session_is_current(user):
            # Logged out elsewhere, password or role changed, deactivated, idle or too old.
            session.clear()
            return None
        return user

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        if app.config.get("SESSION_COOKIE_SECURE"):
            # No includeSubDomains: other hosts of the organisation's domain are not ours to pin.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and getattr(current_user, "is_authenticated", False):
            # Pages with personal data must not linger in shared browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _error(code, title, message):
        def handler(exc):
            if request_ctx.url_adapter is None:  # e.g. a host not in TRUSTED_HOSTS: no URLs to build
                return str(title), code, {"Content-Type": "text/plain; charset=utf-8"}
            return render_template("error.html", code=code, title=title, message=message), code

        return handler

    errors = {
        400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
        403: (_l("Access denied"), _l("You do not have access to this page.")),
        404: (_l("Not found"), _l("The page or record does not exist, or you do not have access to it.")),
        405: (_l("Not allowed"), _l("This action is not allowed here.")),
        413: (_l("Too much data"), _l("What you sent is too large. Shorten it and try again.")),
        429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a minute and try again.")),
        500: (
            _l("Something went wrong"),
            _l(
                "An unexpected error occurred. Nothing was saved. "
                "Try again, and contact your administrator if it persists."
            ),
        ),
    }
    for code, (title, message) in errors.items():
        app.register_error_handler(code, _error(code, title, message))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_template(
            "error.html",
            code=400,
            title=_("Session expired"),
            message=_("The form was too old or not sent from this site. Reload the page and try again."),
        ), 400

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return exc
        app.logger.exception("Unhandled error on %s", request.path)
        title, message = errors[500]
        return render_template("error.html", code=500, title=title, message=message), 500
