"""Flask-Babel: Danish by default, English when the user picks it."""

from flask import request, session

from extensions import babel


def select_locale():
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"] if request else "da"


def init_i18n(app):
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_language": str(get_locale())}
