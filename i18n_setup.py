"""Flask-Babel: Danish by default, English when the user picks it (kept in a cookie)."""

from flask import current_app, has_request_context, request
from flask_babel import get_locale

import models.roles
from extensions import babel
from i18n import format_day, format_moment, format_number

LANGUAGE_COOKIE = "brobygger_lang"


def select_locale():
    if has_request_context() and request.cookies.get(LANGUAGE_COOKIE) in current_app.config["LANGUAGES"]:
        return request.cookies[LANGUAGE_COOKIE]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app):
    babel.init_app(app, locale_selector=select_locale)
    # {{ case.received_on|date }} → 01.10.2021; {{ change.at|datetime }} → 01.10.2021 14:05 (local).
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["datetime"] = format_moment
    # {{ m.score|number }} → 8 or 8,5; {{ change|number(signed=True) }} → +2,5.
    app.jinja_env.filters["number"] = format_number
    # Templates compare roles by name too: {% if current_user.role in roles.TEAM_LEADS %}.
    app.jinja_env.globals["roles"] = models.roles

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_language": str(get_locale())}
