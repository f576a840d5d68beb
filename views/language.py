from flask import Blueprint, abort, current_app, redirect, request, session, url_for

bp = Blueprint("language", __name__)


@bp.route("/language/<code>", methods=["POST"])
def switch(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("index")
    return redirect(target)
