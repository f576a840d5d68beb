"""`flask network ...`: networks of organisations and their evaluators (run by the operator)."""

import click
from flask.cli import AppGroup

from extensions import db
from models import Network, NetworkEvaluator, NetworkMember, Organisation, User
from models.roles import NETWORK_EVALUATOR

network_cli = AppGroup("network", help="Networks of organisations and their network evaluators.")


def _network(slug):
    network = Network.get_or_none(Network.slug == slug)
    if network is None:
        raise click.BadParameter(f"No network with short name {slug!r}.", param_hint="NETWORK")
    return network


@network_cli.command("create", help="Create a network (or rename an existing one).")
@click.argument("slug")
@click.argument("name")
def create(slug, name):
    with db.obj.connection_context(), db.atomic():
        network = Network.get_or_none(Network.slug == slug) or Network(slug=slug)
        network.name = name
        network.save()
    click.echo(f"Network {slug} ({name}) saved.")


@network_cli.command("add-organisation", help="An organisation joins a network: its aggregates are shared.")
@click.argument("network_slug")
@click.argument("organisation_slug")
def add_organisation(network_slug, organisation_slug):
    with db.obj.connection_context(), db.atomic():
        network = _network(network_slug)
        org = Organisation.get_or_none(Organisation.slug == organisation_slug)
        if org is None:
            raise click.BadParameter(f"No organisation with short name {organisation_slug!r}.")
        NetworkMember.get_or_create(network=network, organisation=org)
    click.echo(f"{org.name} is a member of {network.name}.")


@network_cli.command("add-evaluator", help="Let a user with the role network_evaluator see a network's report.")
@click.argument("network_slug")
@click.argument("email")
def add_evaluator(network_slug, email):
    with db.obj.connection_context(), db.atomic():
        network = _network(network_slug)
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None or user.role != NETWORK_EVALUATOR:
            raise click.BadParameter("Give the e-mail of a user with the role network_evaluator.")
        NetworkEvaluator.get_or_create(network=network, user=user)
    click.echo(f"{user.email} evaluates {network.name}.")
