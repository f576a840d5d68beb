"""Activities (tilbud) run by partners, their sessions and who attended."""

import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
    TimeField,
)

from i18n import _, _l, format_day
from models.citizen import Citizen
from models.lookups import ActivityCategory
from models.organisation import TenantModel, VersionedModel, organisation_fk
from models.partner import Partner
from models.roles import PARTNER
from models.schedule import Rule, Schedule, ScheduleError, legacy_fields, legacy_rule
from models.user import User

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
SESSION_NOTES = (
    ("as_planned", _l("As planned")),
    ("few_came", _l("Fewer came than expected")),
    ("new_faces", _l("New participants came")),
    ("cancelled", _l("Cancelled")),
    ("moved", _l("Moved to another time or place")),
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
    # The schedule (models/schedule.py): an RFC 5545 RRULE value, None for "now and then"; frequency
    # and weekday above are kept in step with it for the older filters and searches.
    recurrence = CharField(max_length=200, null=True, verbose_name=_l("Recurrence rule"))
    end_time = TimeField(null=True, verbose_name=_l("Ends at"))
    cancelled_dates = TextField(null=True, verbose_name=_l("Cancelled dates"))
    moved_dates = TextField(null=True, verbose_name=_l("Moved dates"))
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
    # The public listing (the directory, iCal feeds and the HSDS export show these).
    postal_code = CharField(max_length=10, null=True, verbose_name=_l("Postal code"))
    city = CharField(max_length=100, null=True, verbose_name=_l("Town"))
    target_group = CharField(max_length=200, null=True, verbose_name=_l("Target group"))
    step_free = BooleanField(default=False, verbose_name=_l("Step-free access"))
    accessible_toilet = BooleanField(default=False, verbose_name=_l("Accessible toilet"))
    hearing_loop = BooleanField(default=False, verbose_name=_l("Hearing loop"))
    accessibility_note = CharField(max_length=500, null=True, verbose_name=_l("Accessibility, more"))
    contact_info = CharField(max_length=200, null=True, verbose_name=_l("Contact (public)"))
    how_to_join = CharField(max_length=500, null=True, verbose_name=_l("How to join"))

    search_fields = ("name", "place")

    class Meta:
        indexes = ((("organisation", "name"), False), (("organisation", "partner"), False))

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == PARTNER:
            query = query.where(cls.partner == user.partner_id)
        return query

    def save(self, *args, **kwargs):
        if self.recurrence is None and self.frequency not in (None, "ad_hoc") and self.weekday is not None:
            self.recurrence = legacy_rule(self.frequency, self.weekday).to_rrule()  # older callers
        self.frequency, self.weekday = legacy_fields(Rule.parse(self.recurrence))
        return super().save(*args, **kwargs)

    @classmethod
    def published(cls, organisation_id, today=None):
        """The public directory: publicly listed, current activities of active partners."""
        today = today or datetime.date.today()
        return (
            cls.select(cls, Partner)
            .join(Partner, on=(cls.partner == Partner.id))
            .where(
                (cls.organisation == organisation_id)
                & (cls.public == True)  # noqa: E712
                & (Partner.active == True)  # noqa: E712
                & (cls.active_until.is_null() | (cls.active_until >= today))
            )
        )

    def set_rule(self, rule):
        """Store a schedule Rule (models/schedule.py) with the legacy frequency/weekday in step."""
        self.recurrence = rule.to_rrule()
        self.frequency, self.weekday = legacy_fields(rule)

    @property
    def schedule(self):
        """The activity's dates (models/schedule.py Schedule)."""
        return Schedule.of(self)

    def check_schedule(self):
        """Raise ScheduleError (a Danish message) unless the schedule can be stored."""
        self.schedule.check()

    def check_session_date(self, day, today=None):
        """Raise ScheduleError unless a session may be logged on `day`: not in the future, not
        outside the activity's active period."""
        today = today or datetime.date.today()
        if day > today:
            raise ScheduleError(_("A session cannot be logged for a date in the future."))
        if not self.schedule.in_period(day):
            raise ScheduleError(_("The date lies outside the activity's active period."))

    @classmethod
    def places_taken(cls, activity_ids):
        """{activity id: places taken} in one query (Match.places_taken; models/referral.py imports
        this module, so the match model is reached through its backref)."""
        return cls.matches.rel_model.places_taken(activity_ids)

    @property
    def is_full(self):
        if not self.capacity:
            return False
        return self.places_taken([self.id]).get(self.id, 0) >= self.capacity

    label_fields = ("name",)

    def __str__(self):
        return self.name


class ActivitySession(VersionedModel):
    """One occurrence of an activity, with its head count."""

    label_paths = ("activity",)

    organisation = organisation_fk()
    activity = ForeignKeyField(Activity, backref="sessions", verbose_name=_l("Activity"))
    date = DateField(verbose_name=_l("Date"))
    head_count = IntegerField(null=True, verbose_name=_l("Head count"))
    men = IntegerField(null=True, verbose_name=_l("Men"))
    women = IntegerField(null=True, verbose_name=_l("Women"))
    newcomers = IntegerField(null=True, verbose_name=_l("New this time"))
    logged_by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Logged by"))
    notes = TextField(null=True, verbose_name=_l("Notes"))
    # What minimal-records organisations record instead of notes: a choice, never free text.
    note_code = CharField(max_length=20, null=True, choices=SESSION_NOTES, verbose_name=_l("How it went"))

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
            # Partners see only participants Citizen.visible_to_partner allows (DESIGN.md §6).
            query = (
                query.join(ActivitySession)
                .join(Activity)
                .switch(cls)
                .join(Citizen)
                .where(
                    (Activity.partner == user.partner_id)
                    & Citizen.id.in_(Citizen.visible_to_partner(user.partner_id).select(Citizen.id))
                )
            )
        return query

    def __str__(self):
        return f"{self.session}"
