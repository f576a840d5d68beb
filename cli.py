"""Flask CLI commands: create-user and seed-demo (db backup and restore: db_backup.py)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from demo import DEMO_LOGINS, DEMO_PASSWORD, seed
from extensions import db
from models import Organisation, Partner, User
from models.roles import PARTNER, ROLE_NAMES
from models.rules import normalise_email


def init_cli(app):
    import db_backup  # noqa: F401  (adds `flask db backup` and `flask db restore`)

    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)


@click.command("create-user", help="Create a user (or reset the password of an existing one).")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True)
@click.option("--organisation", "org_slug", required=True, help="The organisation's short name.")
@click.option("--partner", "partner_name", default=None, help="Partner name, for partner users.")
@click.password_option(help="At least 10 characters.")
@with_appcontext
def create_user(email, name, role, org_slug, partner_name, password):
    if len(password) < 10:
        raise click.BadParameter("The password must have at least 10 characters.", param_hint="password")
    with db.obj.connection_context(), db.atomic():
        org = Organisation.get_or_none(Organisation.slug == org_slug)
        if org is None:
            raise click.BadParameter(f"No organisation with short name {org_slug!r}.", param_hint="--organisation")
        partner = None
        if role == PARTNER:
            partner = Partner.get_or_none((Partner.organisation == org) & (Partner.name == partner_name))
            if partner is None:
                raise click.BadParameter(
                    "A partner user needs --partner with an existing partner's name.", param_hint="--partner"
                )
        email = normalise_email(email)
        user = User.get_or_none(User.email == email) or User(email=email)
        user.organisation, user.name, user.role, user.partner, user.active = org, name, role, partner, True
        user.set_password(password)
        user.save()
    click.echo(f"User {email} ({role}) saved in {org.name}.")


@click.command("seed-demo", help="Create the demo organisation, its data and one login per role.")
@with_appcontext
def seed_demo():
    with db.obj.connection_context():
        created = seed()
    click.echo("Demo data created." if created else "Demo data already present; nothing duplicated.")
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, role in DEMO_LOGINS:
        click.echo(f"  {email:<24} {role}")
    current_app.logger.info("seed-demo done")
