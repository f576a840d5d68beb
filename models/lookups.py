"""Lists an admin can extend: referral channels and reasons, activity categories, kinds."""

import re

from peewee import BooleanField, CharField, IntegerField

from i18n import _l
from models.organisation import TenantModel, organisation_fk
from models.search import fold


def code_from(name):
    """A code made from a name: folded, words joined by underscores ("Gå-tur i skoven" → ga_tur_i_skoven)."""
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:40] or "entry"


class Lookup(TenantModel):
    organisation = organisation_fk()
    name = CharField(max_length=120, verbose_name=_l("Name"))
    # Stable across renames and organisations (models/catalogue.py); figures and code use it.
    code = CharField(
        max_length=40,
        null=True,
        verbose_name=_l("Code"),
        help_text=_l("Stable identifier used by reports and imports. Made from the name when left empty."),
    )
    position = IntegerField(default=0, verbose_name=_l("Order"))
    active = BooleanField(default=True, verbose_name=_l("Active"))

    class Meta:
        indexes = ((("organisation", "position", "name"), False),)

    def save(self, *args, **kwargs):
        if not self.code and self.name:
            self.code = self.unused_code(code_from(self.name))
        return super().save(*args, **kwargs)

    def unused_code(self, wanted):
        """`wanted`, or `wanted_2`, `wanted_3`... if the organisation's list already has it."""
        cls = type(self)
        taken = {
            code
            for (code,) in cls.select(cls.code)
            .where(
                (cls.organisation == self.organisation_id) & cls.code.startswith(wanted) & (cls.id != (self.id or 0))
            )
            .tuples()
        }
        code, n = wanted, 1
        while code in taken:
            n += 1
            code = f"{wanted[:36]}_{n}"
        return code

    @classmethod
    def by_code(cls, organisation_id, code):
        """The organisation's entry with this code, or None."""
        return cls.get_or_none((cls.organisation == organisation_id) & (cls.code == code))

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

    label_fields = ("name",)

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
