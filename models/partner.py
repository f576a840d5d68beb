"""Partner organisations: those running activities, and services and GP practices worked with."""

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField

from i18n import _l
from models.lookups import PartnerKind
from models.organisation import VersionedModel, organisation_fk
from models.roles import PARTNER


class Partner(VersionedModel):
    """An organisation running activities, or a municipal service / GP practice worked with."""

    organisation = organisation_fk()
    external_id = CharField(max_length=100, null=True, verbose_name=_l("External id"))  # set by import
    search_key = CharField(max_length=500, default="")
    name = CharField(max_length=200, verbose_name=_l("Name"))
    kind = ForeignKeyField(PartnerKind, null=True, backref="+", verbose_name=_l("Kind"))
    contact_name = CharField(max_length=200, null=True, verbose_name=_l("Contact person"))
    contact_email = CharField(max_length=254, null=True, verbose_name=_l("Contact e-mail"))
    contact_phone = CharField(max_length=40, null=True, verbose_name=_l("Contact phone"))
    agreement = TextField(null=True, verbose_name=_l("Partnership agreement"))
    agreement_until = DateField(null=True, verbose_name=_l("Agreement until"))
    active = BooleanField(
        default=True, verbose_name=_l("Active"), help_text=_l("Only active partners' activities are listed publicly.")
    )
    # A GP practice's (or service's) identifiers in the national health network (MedCom).
    sor_code = CharField(
        max_length=20,
        null=True,
        verbose_name=_l("SOR code"),
        help_text=_l("The practice's number in the SOR register."),
    )
    ean_code = CharField(
        max_length=13, null=True, verbose_name=_l("EAN/GLN number"), help_text=_l("The location number messages go to.")
    )

    search_fields = ("name", "contact_name", "contact_email")

    class Meta:
        indexes = ((("organisation", "name"), False),)

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == PARTNER:
            query = query.where(cls.id == user.partner_id)
        return query

    label_fields = ("name",)

    def __str__(self):
        return self.name
