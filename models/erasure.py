"""The pseudonymous tombstone of an erasure: "citizen #123 anonymised by X on D, why".

It names no one but the staff member who did it: the citizen is a number, the reason a code.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from i18n import _l
from models.base import utcnow
from models.organisation import TenantModel, organisation_fk
from models.user import User

ERASURE_REASONS = (
    ("request", _l("The citizen asked for erasure")),
    ("retention", _l("The retention period ran out")),
    ("no_longer_needed", _l("No longer needed")),
    ("consent_withdrawn", _l("Consent withdrawn")),
)


class Erasure(TenantModel):
    """One anonymisation of a citizen. `citizen_number` is the citizen's id, not a link: the
    tombstone must survive whatever happens to the anonymised row."""

    organisation = organisation_fk()
    citizen_number = IntegerField(index=True, verbose_name=_l("Citizen no."))
    cases = IntegerField(default=0, verbose_name=_l("Cases"))
    reason = CharField(max_length=20, choices=ERASURE_REASONS, verbose_name=_l("Reason"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))
    at = DateTimeField(default=utcnow, verbose_name=_l("When"))

    class Meta:
        table_name = "erasure"

    def __str__(self):
        return f"#{self.citizen_number}"
