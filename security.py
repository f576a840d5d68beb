"""Login manager, CSRF, rate limiting, security headers and friendly error pages."""

from flask import render_template, request
from flask_login import current_user

from extensions import csrf, limiter, login_manager
from i18n import _, _l


def init_security(app):
    from models.user import configure_password_hashing

    configure_password_hashing(app.config.get("PASSWORD_HASH_PARAMS"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id):
        from peewee import JOIN

        from models import Organisation, User

        try:
            user = (
                User.select(User, Organisation)
                .join(Organisation, JOIN.LEFT_OUTER, on=(User.organisation == Organisation.id))
                .where((User.id == int(user_id)) & (User.active == True))  # noqa: E712
                .first()
            )
        except ValueError:
            return None
        # A deactivated organisation's users are logged out at their next request.
        return user if user is not None and user.is_active else None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user and getattr(current_user, "is_authenticated", False):
            # Pages with personal data must not linger in shared browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _error(code, title, message):
        def handler(exc):
            return render_template("error.html", code=code, title=title, message=message), code

        return handler

    from flask_wtf.csrf import CSRFError

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
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return exc
        app.logger.exception("Unhandled error on %s", request.path)
        title, message = errors[500]
        return render_template("error.html", code=500, title=title, message=message), 500
