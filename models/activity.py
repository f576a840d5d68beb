"""Activities (tilbud) run by partners, their sessions and who attended."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
    TimeField,
)

from i18n import _l, format_day
from models.citizen import Citizen
from models.lookups import ActivityCategory
from models.organisation import TenantModel, VersionedModel, organisation_fk
from models.partner import Partner
from models.roles import PARTNER

FOCUS = (("social", _l("Social")), ("diet", _l("Diet")), ("exercise", _l("Exercise")))
FREQUENCY = (
    ("weekly", _l("Weekly")),
    ("biweekly", _l("Every other week")),
    ("twice_monthly", _l("Twice a month")),
    ("monthly", _l("Monthly")),
    ("ad_hoc", _l("Now and then")),
)
WEEKDAYS = (
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
)
PRICE = (("free", _l("Free")), ("self_payment", _l("Self-payment")), ("pooled", _l("Pooled")))


class Activity(VersionedModel):
    """A community offer (tilbud) run by a partner, or a practice community run by us."""

    organisation = organisation_fk()
    external_id = CharField(max_length=100, null=True, verbose_name=_l("External id"))  # set by import
    search_key = CharField(max_length=500, default="")
    partner = ForeignKeyField(Partner, backref="activities", verbose_name=_l("Partner"))
    name = CharField(max_length=200, verbose_name=_l("Name"))
    category = ForeignKeyField(ActivityCategory, null=True, backref="+", verbose_name=_l("Category"))
    focus = CharField(max_length=20, choices=FOCUS, default="social", verbose_name=_l("Focus"))
    frequency = CharField(max_length=20, choices=FREQUENCY, default="weekly", verbose_name=_l("Frequency"))
    weekday = IntegerField(null=True, choices=WEEKDAYS, verbose_name=_l("Weekday"))
    start_time = TimeField(null=True, verbose_name=_l("Time"))
    place = CharField(max_length=200, null=True, verbose_name=_l("Place"))
    price = CharField(max_length=20, choices=PRICE, default="free", verbose_name=_l("Price"))
    age_min = IntegerField(null=True, verbose_name=_l("Age from"))
    age_max = IntegerField(null=True, verbose_name=_l("Age to"))
    capacity = IntegerField(null=True, verbose_name=_l("Capacity"))
    is_practice = BooleanField(
        default=False,
        verbose_name=_l("Practice community"),
        help_text=_l("A temporary community meant to lead on to a lasting one."),
    )
    leads_to = ForeignKeyField(
        "self",
        null=True,
        backref="practice_communities",
        verbose_name=_l("Leads to"),
        help_text=_l("The lasting activity this practice community leads to."),
    )
    public = BooleanField(default=False, verbose_name=_l("Publicly listed"))
    active_from = DateField(null=True, verbose_name=_l("Active from"))
    active_until = DateField(null=True, verbose_name=_l("Active until"))
    description = TextField(null=True, verbose_name=_l("Description"))

    search_fields = ("name", "place")

    class Meta:
        indexes = ((("organisation", "name"), False), (("organisation", "partner"), False))

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == PARTNER:
            query = query.where(cls.partner == user.partner_id)
        return query

    def __str__(self):
        return self.name


class ActivitySession(VersionedModel):
    """One occurrence of an activity, with its head count."""

    label_paths = ("activity",)

    organisation = organisation_fk()
    activity = ForeignKeyField(Activity, backref="sessions", verbose_name=_l("Activity"))
    date = DateField(verbose_name=_l("Date"))
    head_count = IntegerField(null=True, verbose_name=_l("Head count"))
    notes = TextField(null=True, verbose_name=_l("Notes"))

    class Meta:
        indexes = ((("organisation", "date"), False), (("activity", "date"), True))

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == PARTNER:
            query = query.join(Activity).where(Activity.partner == user.partner_id)
        return query

    def __str__(self):
        return f"{self.activity} {format_day(self.date)}" if self.date else str(self.activity)


class Attendance(TenantModel):
    """A referred citizen who attended a session (recorded only with their consent)."""

    label_paths = ("session.activity",)

    organisation = organisation_fk()
    session = ForeignKeyField(ActivitySession, backref="attendance", verbose_name=_l("Session"))
    citizen = ForeignKeyField(Citizen, backref="attendance", verbose_name=_l("Citizen"))

    class Meta:
        indexes = ((("session", "citizen"), True),)

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == PARTNER:
            # Partners see only consenting participants, and only their first name or initials.
            query = (
                query.join(ActivitySession)
                .join(Activity)
                .switch(cls)
                .join(Citizen)
                .where((Activity.partner == user.partner_id) & Citizen.consent_on.is_null(False))
            )
        return query

    def __str__(self):
        return f"{self.session}"
