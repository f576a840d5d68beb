"""A minimal Brobygger plugin: counts new referrals and shows the count on a page of its own."""

from flask import Blueprint
from flask_login import login_required

from plugins import hookimpl

bp = Blueprint("referral_counter", __name__, url_prefix="/referral-counter")
seen = []  # (referral id, source) of every referral created while the app runs


@bp.route("/")
@login_required
def count():
    return {"referrals_created": len(seen)}


@hookimpl
def brobygger_blueprints(app):
    return [bp]


@hookimpl
def brobygger_referral_created(referral, source):
    seen.append((referral.id, source))
