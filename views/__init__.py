"""Blueprints outside the admin: login, language switch, front page."""

from flask import redirect, url_for

from views.auth import bp as auth_bp
from views.directory import bp as directory_bp
from views.directory import init_directory
from views.language import bp as language_bp
from views.onboarding import bp as onboarding_bp
from views.partner import bp as partner_bp


def init_views(app):
    app.register_blueprint(auth_bp)
    app.register_blueprint(language_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(partner_bp)
    app.register_blueprint(directory_bp)
    init_directory(app)

    @app.route("/")
    def index():
        return redirect(url_for("admin.index"))
