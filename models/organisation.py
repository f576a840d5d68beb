"""The tenant (Organisation) and the bases of every record that belongs to one."""

from typing import NamedTuple

from peewee import SQL, BooleanField, CharField, ForeignKeyField, IntegerField

from i18n import _l
from models.base import BaseModel, StaleRecordError

VOLUNTEER_CENTRE, MUNICIPALITY = "volunteer_centre", "municipality"
KINDS = ((VOLUNTEER_CENTRE, _l("Volunteer centre")), (MUNICIPALITY, _l("Municipality")))


class QueueSettings(NamedTuple):
    first_contact_days: int
    idle_weeks: int
    unassigned_days: int


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
    # Retention (privacy/retention.py): months after closing before a case's citizen is anonymised.
    retention_closed_months = IntegerField(
        default=24,
        null=True,
        verbose_name=_l("Keep closed cases (months)"),
        help_text=_l("Months after closing before the citizen of a closed case is anonymised (6-120)."),
    )
    retention_declined_months = IntegerField(
        default=6,
        null=True,
        verbose_name=_l("Keep declined referrals (months)"),
        help_text=_l("Months after a referral was declined before its citizen is anonymised (1-60)."),
    )
    kind = CharField(max_length=30, default=VOLUNTEER_CENTRE, null=True, choices=KINDS, verbose_name=_l("Kind"))
    active = BooleanField(
        default=True,
        null=True,
        verbose_name=_l("Active"),
        help_text=_l("A deactivated organisation's users cannot log in. Nothing is deleted."),
    )

    report_k = IntegerField(
        default=5,
        null=True,
        verbose_name=_l("Smallest count shown to evaluators"),
        help_text=_l("Counts from 1 to one less than this are shown to evaluators as “<k”."),
    )
    session_demographics = BooleanField(
        default=False,
        verbose_name=_l("Count men, women and newcomers at sessions"),
        help_text=_l("Partners logging a session also give how many men, women and first-timers came."),
    )

    # No Python default (empty means no): older migrations' tests insert organisations too.
    mfa_required = BooleanField(
        null=True,
        verbose_name=_l("Two-factor login for everybody"),
        help_text=_l("Every user must log in with a code from an app; admins and coordinators always must."),
    )

    @property
    def is_active(self):
        return self.active is not False

    # The work queue's thresholds: what counts as "needs action".
    first_contact_days = IntegerField(
        null=True,
        default=7,
        verbose_name=_l("First contact within (days)"),
        help_text=_l("A new case without a first contact after this many days needs action."),
    )
    idle_weeks = IntegerField(
        null=True,
        default=4,
        verbose_name=_l("Contact at least every (weeks)"),
        help_text=_l("An open case without a contact for this many weeks needs action."),
    )
    unassigned_days = IntegerField(
        null=True,
        default=3,
        verbose_name=_l("Unassigned for at most (days)"),
        help_text=_l("Coordinators are reminded of new referrals nobody has taken after this many days."),
    )
    # Identifiers in the national health network, for messages to GPs (MedCom).
    sor_code = CharField(max_length=20, null=True, verbose_name=_l("SOR code"))
    ean_code = CharField(max_length=13, null=True, verbose_name=_l("EAN/GLN number"))
    phone = CharField(
        max_length=40, null=True, verbose_name=_l("Phone"), help_text=_l("Given in messages to GPs, for calling back.")
    )

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.id == user.organisation_id)

    @property
    def queue_settings(self):
        """The work queue's thresholds, with the defaults where none is set."""
        return QueueSettings(self.first_contact_days or 7, self.idle_weeks or 4, self.unassigned_days or 3)

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
