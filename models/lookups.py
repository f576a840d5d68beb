"""Lists an admin can extend: referral channels and reasons, activity categories, kinds."""

from peewee import BooleanField, CharField, IntegerField

from i18n import _l
from models.organisation import TenantModel, organisation_fk


class Lookup(TenantModel):
    organisation = organisation_fk()
    name = CharField(max_length=120, verbose_name=_l("Name"))
    position = IntegerField(default=0, verbose_name=_l("Order"))
    active = BooleanField(default=True, verbose_name=_l("Active"))

    class Meta:
        indexes = ((("organisation", "position", "name"), False),)

    @classmethod
    def choices_for(cls, user):
        """Active entries of the user's organisation in display order."""
        return cls.choices_for_organisation(user.organisation_id)

    @classmethod
    def choices_for_organisation(cls, organisation_id):
        """Active entries of an organisation in display order (for pages without a login)."""
        return (
            cls.select()
            .where((cls.organisation == organisation_id) & (cls.active == True))  # noqa: E712
            .order_by(cls.position, cls.name)
        )

    @classmethod
    def select_options(cls, organisation_id):
        """(id, name) pairs for a select field: the organisation's active entries in order."""
        return [(entry.id, entry.name) for entry in cls.choices_for_organisation(organisation_id)]

    def __str__(self):
        return self.name


class ReferralChannel(Lookup):
    """Who referred: GP, home care, psychiatry, civil society, relative, self..."""


class ReferralReason(Lookup):
    """Why: emotional loneliness, social isolation, bereavement, newcomer..."""


class ActivityCategory(Lookup):
    """Café, walking, eating, culture, exercise, creative..."""


class PartnerKind(Lookup):
    """Association, church, community house, municipal service, GP practice..."""

    service = BooleanField(
        default=False,
        null=True,
        verbose_name=_l("Service we collaborate with"),
        help_text=_l("Municipal services and GP practices: partners we hand citizens on to."),
    )


class ContactKind(Lookup):
    """Phone, home visit, meeting, group, accompanied visit..."""
