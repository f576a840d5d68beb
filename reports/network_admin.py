"""The operator's network pages: create a network, add and remove member organisations, and give
network evaluators access (or take it back).

Only the operator (who runs the installation for many organisations) reaches these pages. They
show networks, organisation names and the network evaluators' names and e-mails — never an
organisation's figures or records; what a network evaluator then sees is the suppressed
aggregate report of the network (reports/views.py NetworkReportView). Every change is a POST with
the CSRF token and is written to the audit log of each organisation it concerns.
"""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from peewee import IntegrityError, fn

from admin.loading import to_int
from admin.pages import RoleView
from extensions import db
from i18n import _, _l
from models import AuditLog, Network, NetworkEvaluator, NetworkMember, Organisation, User
from models.onboarding import SLUG_PATTERN
from models.roles import NETWORK_EVALUATOR, OPERATOR
from models.rules import normalise_email


class NetworkError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _audit(action, model, record_id, organisation_ids):
    """One audit row per organisation concerned (a network's own changes: one without one)."""
    for org_id in organisation_ids or [None]:
        AuditLog.create(
            organisation=org_id,
            user=current_user.id,
            role=current_user.role,
            action=action,
            model=model,
            record_id=record_id,
        )


def create_network(name, slug):
    name, slug = (name or "").strip(), (slug or "").strip()
    if not name or len(name) > 200:
        raise NetworkError(_l("Give the network a name (at most 200 characters)."))
    if not SLUG_PATTERN.match(slug):
        raise NetworkError(
            _l(
                "The short name may only contain lower-case letters a-z, digits and hyphens, "
                "start and end with a letter or digit, and be at most 60 characters."
            )
        )
    if Network.select().where(Network.slug == slug).exists():
        raise NetworkError(_l("The short name “%(slug)s” is already taken.", slug=slug))
    with db.atomic():
        network = Network.create(name=name, slug=slug)
        _audit("create", "Network", network.id, [])
    return network


def add_member(network, org_id):
    org = Organisation.get_or_none(Organisation.id == to_int(org_id))
    if org is None:
        raise NetworkError(_l("Choose an organisation."))
    try:
        with db.atomic():
            NetworkMember.create(network=network.id, organisation=org.id)
            _audit("create", "NetworkMember", network.id, [org.id])
    except IntegrityError:
        raise NetworkError(_l("%(name)s is a member already.", name=org.name)) from None
    return org


def remove_member(network, org_id):
    with db.atomic():
        removed = (
            NetworkMember.delete()
            .where((NetworkMember.network == network.id) & (NetworkMember.organisation == to_int(org_id)))
            .execute()
        )
        if removed:
            _audit("delete", "NetworkMember", network.id, [to_int(org_id)])
    return removed


def add_evaluator(network, email):
    """Give an existing network evaluator (a user with that role) access to `network`."""
    user = User.get_or_none((User.email == normalise_email(email or "")) & (User.role == NETWORK_EVALUATOR))
    if user is None:
        raise NetworkError(
            _l(
                "No network evaluator has that e-mail. An organisation's admin creates the user with the role "
                "Network evaluator; then give them access here."
            )
        )
    try:
        with db.atomic():
            NetworkEvaluator.create(network=network.id, user=user.id)
            _audit("create", "NetworkEvaluator", network.id, [user.organisation_id] if user.organisation_id else [])
    except IntegrityError:
        raise NetworkError(_l("%(name)s has access already.", name=user.name)) from None
    return user


def remove_evaluator(network, user_id):
    user = User.get_or_none(User.id == to_int(user_id))
    org_ids = [user.organisation_id] if user and user.organisation_id else []
    with db.atomic():
        removed = (
            NetworkEvaluator.delete()
            .where((NetworkEvaluator.network == network.id) & (NetworkEvaluator.user == to_int(user_id)))
            .execute()
        )
        if removed:
            _audit("delete", "NetworkEvaluator", network.id, org_ids)
    return removed


def _network(network_id):
    network = Network.get_or_none(Network.id == to_int(network_id))
    if network is None:
        abort(404)
    return network


class NetworkAdminView(RoleView):
    """Netværk: the operator's page of networks (see the module docstring)."""

    roles = (OPERATOR,)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "POST":
            try:
                network = create_network(request.form.get("name"), request.form.get("slug"))
            except NetworkError as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("The network %(name)s was created.", name=network.name), "success")
                return redirect(url_for(".network", network_id=network.id))
        members = dict(
            NetworkMember.select(NetworkMember.network, fn.COUNT(NetworkMember.id))
            .group_by(NetworkMember.network)
            .tuples()
        )
        evaluators = dict(
            NetworkEvaluator.select(NetworkEvaluator.network, fn.COUNT(NetworkEvaluator.id))
            .group_by(NetworkEvaluator.network)
            .tuples()
        )
        networks = list(Network.select().order_by(Network.name))
        return self.render(
            "reports/networks.html",
            networks=networks,
            members=members,
            evaluators=evaluators,
            form=request.form if request.method == "POST" else {},
        )

    @expose("/<network_id>")
    def network(self, network_id):
        network = _network(network_id)
        members = list(
            Organisation.select(Organisation.id, Organisation.name, Organisation.slug)
            .join(NetworkMember, on=(NetworkMember.organisation == Organisation.id))
            .where(NetworkMember.network == network.id)
            .order_by(Organisation.name)
        )
        others = list(
            Organisation.select(Organisation.id, Organisation.name)
            .where(Organisation.id.not_in([o.id for o in members]) if members else True)
            .order_by(Organisation.name)
        )
        evaluators = list(
            User.select(User.id, User.name, User.email)
            .join(NetworkEvaluator, on=(NetworkEvaluator.user == User.id))
            .where(NetworkEvaluator.network == network.id)
            .order_by(User.name)
        )
        return self.render(
            "reports/network.html", network=network, members=members, others=others, evaluators=evaluators
        )

    def _change(self, network_id, change, *args, done=None):
        network = _network(network_id)
        try:
            result = change(network, *args)
        except NetworkError as exc:
            flash(str(exc.message), "error")
        else:
            if done:
                flash(done(result), "success")
        return redirect(url_for(".network", network_id=network.id))

    @expose("/<network_id>/members", methods=("POST",))
    def add_member(self, network_id):
        return self._change(
            network_id,
            add_member,
            request.form.get("organisation"),
            done=lambda org: _("%(name)s joined the network.", name=org.name),
        )

    @expose("/<network_id>/members/<org_id>/remove", methods=("POST",))
    def remove_member(self, network_id, org_id):
        return self._change(
            network_id, remove_member, org_id, done=lambda n: _("The organisation left the network.") if n else None
        )

    @expose("/<network_id>/evaluators", methods=("POST",))
    def add_evaluator(self, network_id):
        return self._change(
            network_id,
            add_evaluator,
            request.form.get("email"),
            done=lambda user: _("%(name)s can see the network's report.", name=user.name),
        )

    @expose("/<network_id>/evaluators/<user_id>/remove", methods=("POST",))
    def remove_evaluator(self, network_id, user_id):
        return self._change(
            network_id,
            remove_evaluator,
            user_id,
            done=lambda n: _("The network evaluator no longer sees the network's report.") if n else None,
        )


__all__ = ["NetworkAdminView", "_l"]
