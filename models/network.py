"""Networks of organisations (a region's or a national partner's social prescribing projects).

A network evaluator sees the aggregate report of the organisations that joined the network,
each and in total, suppressed like an evaluator's; never any record.
"""

from peewee import CharField, ForeignKeyField

from i18n import _l
from models.base import BaseModel
from models.organisation import Organisation
from models.roles import NETWORK_EVALUATOR
from models.user import User


class Network(BaseModel):
    name = CharField(max_length=200, verbose_name=_l("Name"))
    slug = CharField(max_length=60, unique=True, verbose_name=_l("Short name"))

    def __str__(self):
        return self.name

    @property
    def organisation_ids(self):
        return [m.organisation_id for m in self.members.order_by(NetworkMember.organisation)]


class NetworkMember(BaseModel):
    """An organisation that joined a network (and so shares its aggregate figures with it)."""

    network = ForeignKeyField(Network, backref="members", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "network_member"
        indexes = ((("network", "organisation"), True),)


class NetworkEvaluator(BaseModel):
    """A user (role network_evaluator) who may see a network's report."""

    network = ForeignKeyField(Network, backref="evaluators", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "network_evaluator"
        indexes = ((("network", "user"), True),)


def networks_of(user):
    """The networks `user` evaluates (none unless their role is network_evaluator)."""
    if user.role != NETWORK_EVALUATOR:
        return Network.select().where(False)
    return Network.select().join(NetworkEvaluator).where(NetworkEvaluator.user == user.id).order_by(Network.name)
