"""A minimal Brobygger plugin: counts new referrals and shows the count on a page of its own."""

import click
from flask import Blueprint
from flask_login import login_required

from plugins.api import hookimpl

bp = Blueprint("referral_counter", __name__, url_prefix="/referral-counter")
seen = []  # (referral id, source) of every referral committed while the app runs


@bp.route("/")
@login_required
def count():
    return {"referrals_created": len(seen)}


@hookimpl
def brobygger_config_defaults():
    return {"REFERRAL_COUNTER_LABEL": "referrals"}  # overridden by the app's config or environment


@hookimpl
def brobygger_blueprints(app):
    return [bp]


@hookimpl
def brobygger_after_referral_created(referral, source):
    # After the commit: a referral that was rolled back is never counted (nor mailed, nor texted).
    seen.append((referral.id, source))


@click.command("referral-count", help="Print how many referrals this process has seen.")
def referral_count():
    click.echo(len(seen))


@hookimpl
def brobygger_cli_commands():
    return [referral_count]
