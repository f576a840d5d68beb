"""The tenant (Organisation) and the bases of every record that belongs to one."""

from peewee import SQL, BooleanField, CharField, ForeignKeyField, IntegerField

from i18n import _l
from models.base import BaseModel, StaleRecordError

VOLUNTEER_CENTRE, MUNICIPALITY = "volunteer_centre", "municipality"
KINDS = ((VOLUNTEER_CENTRE, _l("Volunteer centre")), (MUNICIPALITY, _l("Municipality")))


class Organisation(BaseModel):
    """A tenant: a volunteer centre or a municipal bridge-building unit."""

    name = CharField(max_length=200, verbose_name=_l("Name"))
    slug = CharField(
        max_length=60,
        unique=True,
        verbose_name=_l("Short name"),
        help_text=_l("Used in public addresses, e.g. the referral form."),
    )
    minimal_records = BooleanField(
        default=False, verbose_name=_l("Minimal records"), help_text=_l("No free-text case notes are kept.")
    )
    allow_anonymous = BooleanField(default=True, verbose_name=_l("Allow anonymous citizens"))
    max_case_days = IntegerField(default=365, verbose_name=_l("Case length limit (days)"))
    kind = CharField(max_length=30, default=VOLUNTEER_CENTRE, null=True, choices=KINDS, verbose_name=_l("Kind"))
    active = BooleanField(
        default=True,
        null=True,
        verbose_name=_l("Active"),
        help_text=_l("A deactivated organisation's users cannot log in. Nothing is deleted."),
    )

    @property
    def is_active(self):
        return self.active is not False

    report_k = IntegerField(
        default=5,
        null=True,
        verbose_name=_l("Smallest count shown to evaluators"),
        help_text=_l("Counts from 1 to one less than this are shown to evaluators as “<k”."),
    )

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.id == user.organisation_id)

    def __str__(self):
        return self.name


def organisation_fk(**kwargs):
    """The foreign key every tenant record carries."""
    return ForeignKeyField(Organisation, backref="+", index=True, **kwargs)


class TenantModel(BaseModel):
    """A record that belongs to one organisation and is only visible inside it."""

    @classmethod
    def visible_to(cls, user):
        if user.organisation_id is None:  # an operator: no organisation's records at all
            return cls.select().where(False)
        return cls.select().where(cls.organisation == user.organisation_id)


class VersionedModel(TenantModel):
    """An editable record with optimistic locking: a stale save raises StaleRecordError."""

    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])

    def save(self, force_insert=False, only=None):
        if force_insert or self._pk is None:
            return super().save(force_insert=force_insert, only=only)
        expected = self.version
        self.version = expected + 1
        self.touch()
        cls = type(self)
        data = {field: value for field, value in self.__data__.items() if field != cls._meta.primary_key.name}
        rows = cls.update(**data).where((cls._meta.primary_key == self._pk) & (cls.version == expected)).execute()
        if rows != 1:
            self.version = expected
            raise StaleRecordError()
        self._dirty.clear()
        return rows
