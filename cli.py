"""Flask CLI commands: create-organisation, create-user, seed-demo, import-data and send-reminders
(db backup and restore: db_backup.py)."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

import db_backup  # noqa: F401  (adds `flask db backup` and `flask db restore`)
from demo import DEMO_LOGINS, DEMO_PASSWORD, seed
from extensions import db
from models import Organisation, Partner, User, onboarding
from models.imports import ImportFileError, commit_import, preview_import
from models.onboarding import OnboardingError, create_operator, set_password_link
from models.reminders import send_reminders
from models.roles import OPERATOR, PARTNER, ROLE_NAMES
from models.rules import normalise_email
from models.user import password_problem
from privacy.cli import retention_cli
from reports.cli import network_cli


def init_cli(app):
    app.cli.add_command(create_organisation)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(retention_cli)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(import_data)
    app.cli.add_command(network_cli)


@click.command("create-organisation", help="Create an organisation with the default lists and its first admin.")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--slug", required=True, help="Short name: lower-case letters, digits and hyphens (used in addresses).")
@click.option("--kind", type=click.Choice(["volunteer_centre", "municipality"]), default="volunteer_centre")
@click.option("--admin-email", default=None, help="The first admin's e-mail.")
@click.option("--admin-name", default=None, help="The first admin's name.")
@click.option(
    "--link/--ask-password",
    "use_link",
    default=False,
    help="Print a one-time set-password link for the admin instead of asking for a password.",
)
@with_appcontext
def create_organisation(name, slug, kind, admin_email, admin_name, use_link):
    if bool(admin_email) != bool(admin_name):
        raise click.UsageError("Give both --admin-email and --admin-name, or neither.")
    password = None
    if admin_email and not use_link:
        password = click.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    with db.obj.connection_context():
        try:
            org, admin = onboarding.create_organisation(name, slug, kind, admin_email, admin_name, password)
        except OnboardingError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(f"Organisation {org.name} ({org.slug}) created with the default lists.")
        if admin is not None:
            click.echo(f"First admin: {admin.email}.")
            if use_link:
                click.echo(f"One-time link to set the password (valid 7 days): {set_password_link(admin)}")


@click.command("create-user", help="Create a user (or reset the password of an existing one).")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True)
@click.option("--organisation", "org_slug", default=None, help="The organisation's short name (not for operators).")
@click.option("--partner", "partner_name", default=None, help="Partner name, for partner users.")
@click.password_option(help="At least 12 characters, not easy to guess.")
@with_appcontext
def create_user(email, name, role, org_slug, partner_name, password):
    problem = password_problem(password, email, name, current_app.config["PASSWORD_MIN_LENGTH"])
    if problem:
        raise click.BadParameter(str(problem), param_hint="password")
    if role == OPERATOR:
        if org_slug:
            raise click.BadParameter("An operator belongs to no organisation.", param_hint="--organisation")
        with db.obj.connection_context():
            try:
                create_operator(email, name, password)
            except OnboardingError as exc:
                raise click.ClickException(str(exc.message)) from exc
        click.echo(f"Operator {email.strip().lower()} saved.")
        return
    if not org_slug:
        raise click.BadParameter("Give the organisation's short name.", param_hint="--organisation")
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
        if user.role == OPERATOR:
            raise click.BadParameter("That e-mail belongs to an operator.", param_hint="--email")
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


@click.command("send-reminders", help="E-mail new referrals and (once a day) the digest of what needs action.")
@click.option("--no-digest", is_flag=True, help="Only new referrals (for runs every few minutes).")
@with_appcontext
def send_reminders_command(no_digest):
    with db.obj.connection_context():
        sent, failed = send_reminders(digest=not no_digest)
    click.echo(f"Reminders sent: {sent}, not sent (tried again next run): {failed}.")


@click.command("import-data", help="Import partners, activities, citizens or referrals from an XLSX or CSV file.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["partners", "activities", "citizens", "referrals"]), required=True)
@click.option("--organisation", "org_slug", required=True, help="The organisation's short name.")
@click.option("--as", "as_email", required=True, help="E-mail of the admin the import is made as (audited).")
@click.option("--commit/--preview", default=False, help="Write the rows (all or nothing); the default only checks.")
@with_appcontext
def import_data(path, kind, org_slug, as_email, commit):
    """For files too big for the browser: the same checks and the same all-or-nothing commit,
    with progress on the terminal instead of a web worker busy for minutes."""
    with db.obj.connection_context():
        user = User.get_or_none(User.email == as_email.strip().lower())
        if user is None or user.role != "admin" or user.organisation.slug != org_slug or not user.is_active:
            raise click.BadParameter("Give the e-mail of an active admin of that organisation.", param_hint="--as")
        data = Path(path).read_bytes()
        with click.progressbar(length=100, label="Checking") as bar:
            done = [0]

            def progress(fraction):
                step = int(fraction * 100) - done[0]
                if step > 0:
                    bar.update(step)
                    done[0] += step

            try:
                result = preview_import(user, kind, Path(path).name, data, progress=progress)
            except ImportFileError as exc:
                raise click.ClickException(str(exc.message)) from exc
        click.echo(result.summary_text())
        for problem in result.problems[:50]:
            click.echo(f"  {problem}")
        if result.problems:
            raise click.ClickException("Nothing was imported: fix the rows above and try again.")
        if commit:
            with click.progressbar(length=100, label="Importing") as bar:
                done[0] = 0
                counts = commit_import(user, kind, Path(path).name, data, progress=progress)
            click.echo(f"Imported: {counts}")
