"""`flask --app app retention run [--dry-run]`: anonymise what the retention periods say is due."""

import datetime

import click
from flask.cli import AppGroup

from extensions import db
from models import Organisation
from privacy import retention

retention_cli = AppGroup("retention", help="Retention: anonymise citizens whose cases ended long enough ago.")


@retention_cli.command("run", help="Anonymise every citizen that is due (each in its own transaction).")
@click.option("--dry-run", is_flag=True, help="Only print what would be anonymised; change nothing.")
@click.option("--organisation", "org_slug", default=None, help="Only this organisation (short name).")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Run as if today were this date."
)
def run_command(dry_run, org_slug, today):
    with db.obj.connection_context():
        organisations = None
        if org_slug:
            organisation = Organisation.get_or_none(Organisation.slug == org_slug)
            if organisation is None:
                raise click.BadParameter(f"No organisation with short name {org_slug!r}.", param_hint="--organisation")
            organisations = [organisation]
        day = today.date() if today else datetime.date.today()
        count = retention.run(dry_run=dry_run, today=day, organisations=organisations, echo=click.echo)
    if dry_run:
        click.echo(f"Dry run: {count} citizen(s) would be anonymised; nothing was changed.")
    else:
        click.echo(f"{count} citizen(s) anonymised." if count else "Nothing is due.")
