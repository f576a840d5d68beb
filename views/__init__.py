"""Blueprints outside the admin: login, language switch, front page."""

from flask import redirect, url_for

from views.auth import bp as auth_bp
from views.language import bp as language_bp


def init_views(app):
    from views.onboarding import bp as onboarding_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(language_bp)
    app.register_blueprint(onboarding_bp)

    @app.route("/")
    def index():
        return redirect(url_for("admin.index"))
