"""The language switch (Danish / English), kept in a cookie of its own."""

from flask import Blueprint, abort, current_app, redirect, request, url_for

from i18n_setup import LANGUAGE_COOKIE

bp = Blueprint("language", __name__)


@bp.route("/language/<code>", methods=["POST"])
def switch(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("index")
    response = redirect(target)
    # A cookie of its own, not the session: a request finishing at the same moment (a favicon, a
    # second tab) writes the session back and could undo the choice.
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
