"""Flask-Babel: Danish by default, English when the user picks it (kept in a cookie)."""

from flask import has_request_context, request

from extensions import babel

LANGUAGE_COOKIE = "brobygger_lang"


def select_locale():
    from flask import current_app

    if has_request_context() and request.cookies.get(LANGUAGE_COOKIE) in current_app.config["LANGUAGES"]:
        return request.cookies[LANGUAGE_COOKIE]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app):
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_language": str(get_locale())}
