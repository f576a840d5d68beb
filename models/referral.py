"""Referrals and their cases (forløb): statuses, reasons, contacts and matches to activities."""

import datetime

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from i18n import _l, format_day
from models.activity import Activity
from models.base import BaseModel, utcnow
from models.citizen import Citizen
from models.lookups import ContactKind, ReferralChannel, ReferralReason
from models.organisation import VersionedModel, organisation_fk
from models.roles import BRIDGE_BUILDER, TEAM_LEADS
from models.search import fold
from models.user import User

RECEIVED, CONTACTED, ACTIVE, CLOSED, WAITING, DECLINED = (
    "received",
    "contacted",
    "active",
    "closed",
    "waiting",
    "declined",
)
STATUSES = (
    (RECEIVED, _l("Received")),
    (CONTACTED, _l("Contacted")),
    (ACTIVE, _l("Active")),
    (WAITING, _l("Waiting")),
    (DECLINED, _l("Declined")),
    (CLOSED, _l("Closed")),
)
OPEN_STATUSES = (RECEIVED, CONTACTED, ACTIVE, WAITING)


class Referral(VersionedModel):
    """A referral and the case (forløb) that follows it."""

    label_paths = ("citizen",)

    organisation = organisation_fk()
    external_id = CharField(max_length=100, null=True, verbose_name=_l("External id"))  # set by import
    citizen = ForeignKeyField(Citizen, backref="referrals", verbose_name=_l("Citizen"))
    channel = ForeignKeyField(ReferralChannel, null=True, backref="+", verbose_name=_l("Channel"))
    referrer_name = CharField(max_length=200, null=True, verbose_name=_l("Referred by"))
    referrer_phone = CharField(max_length=40, null=True, verbose_name=_l("Referrer's phone"))
    received_on = DateField(default=datetime.date.today, verbose_name=_l("Received"))
    assigned_to = ForeignKeyField(User, null=True, backref="cases", verbose_name=_l("Bridge builder"))
    status = CharField(max_length=20, choices=STATUSES, default=RECEIVED, verbose_name=_l("Status"))
    first_contact_on = DateField(null=True, verbose_name=_l("First contact"))
    shared = BooleanField(
        default=False,
        verbose_name=_l("Shared with the team"),
        help_text=_l("Every bridge builder of the organisation may work on it."),
    )
    note = TextField(null=True, verbose_name=_l("Note"))
    review_on = DateField(
        null=True,
        verbose_name=_l("Review date"),
        help_text=_l("When to look at the case again, e.g. against the agreed end criteria."),
    )
    # Case number and the citizen's name, folded, so cases are found by who they are about.
    search_key = CharField(max_length=500, default="")

    class Meta:
        indexes = (
            (("organisation", "search_key"), False),
            (("organisation", "received_on"), False),
            (("organisation", "status", "received_on"), False),
            (("organisation", "assigned_to", "received_on"), False),
            (("organisation", "first_contact_on"), False),
        )

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == BRIDGE_BUILDER:
            query = query.where(cls.bridge_builder_sees(user))
        elif user.role not in TEAM_LEADS:
            query = query.where(False)
        return query

    @classmethod
    def bridge_builder_sees(cls, user):
        """Own cases, unassigned new ones, and cases shared with the team."""
        return (cls.assigned_to == user.id) | cls.assigned_to.is_null() | (cls.shared == True)  # noqa: E712

    @classmethod
    def exists_for(cls, link, user=None):
        """EXISTS (a case linked by `link`[, visible to bridge builder `user`]) as a correlated
        sub-select, fenced with LIMIT 1 OFFSET 0 so neither database turns it into a hash of every
        referral (bench/README.md: 65-167 ms → under 1 ms at 200 000 cases)."""
        condition = link if user is None else link & cls.bridge_builder_sees(user)
        return fn.EXISTS(cls.select(cls.id).where(condition).limit(1).offset(0))

    @classmethod
    def scope_case_rows(cls, query, case_field, user):
        """Narrow rows that belong to a case (contacts, matches...) to the cases `user` may see.
        Admins and coordinators see every case of their organisation, so the organisation filter
        already did it; only narrower roles get the (costlier) sub-select."""
        if user.role in TEAM_LEADS:
            return query
        if user.role == BRIDGE_BUILDER:
            return query.where(cls.exists_for(cls.id == case_field, user))
        return query.where(False)

    def touch(self):
        super().touch()
        citizen = self.citizen if self.citizen_id else None
        self.search_key = fold(f"{self.id or ''} {citizen.search_key if citizen else ''}")

    def save(self, *args, **kwargs):
        created = self.id is None
        if not created and "assigned_to" in self._dirty:
            note_assignment(self)  # reports attribute a case to whoever had it on the date
        result = super().save(*args, **kwargs)
        if created:  # the case number is only known after the insert
            type(self).update(search_key=fold(f"{self.id} {self.search_key}")).where(type(self).id == self.id).execute()
        return result

    @classmethod
    def refresh_search_keys(cls, citizen):
        """Keep the cases' search keys in step with a renamed citizen."""
        for (case_id,) in cls.select(cls.id).where(cls.citizen == citizen.id).tuples():
            cls.update(search_key=fold(f"{case_id} {citizen.search_key}")).where(cls.id == case_id).execute()

    def __str__(self):
        received = format_day(self.received_on)
        return f"#{self.id} {self.citizen} {received}"

    @property
    def is_open(self):
        """Received, contacted, active or waiting: neither closed nor declined."""
        return self.status in OPEN_STATUSES

    @classmethod
    def open_filter(cls):
        """The query condition for open cases (see is_open)."""
        return cls.status.in_(OPEN_STATUSES)


class ReferralReasonLink(BaseModel):
    """The reasons given for a referral (many per referral)."""

    referral = ForeignKeyField(Referral, backref="reason_links", on_delete="CASCADE")
    reason = ForeignKeyField(ReferralReason, backref="+")

    class Meta:
        indexes = ((("referral", "reason"), True),)


class Contact(VersionedModel):
    """A conversation (samtale) with the citizen within a case."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="contacts", verbose_name=_l("Case"))
    date = DateField(default=datetime.date.today, verbose_name=_l("Date"))
    kind = ForeignKeyField(ContactKind, null=True, backref="+", verbose_name=_l("Kind"))
    minutes = IntegerField(null=True, verbose_name=_l("Minutes"))
    note = TextField(null=True, verbose_name=_l("Short note"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))

    class Meta:
        indexes = ((("referral", "date"), False), (("organisation", "date"), False))

    @classmethod
    def visible_to(cls, user):
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)

    def __str__(self):
        return format_day(self.date) if self.date else ""


SUGGESTED, TRIED, JOINED, STOPPED = "suggested", "tried", "joined", "stopped"
MATCH_STATUSES = (
    (SUGGESTED, _l("Suggested")),
    (TRIED, _l("Tried")),
    (JOINED, _l("Joined")),
    (STOPPED, _l("Stopped")),
)
MATCH_ROLES = (("participant", _l("Participant")), ("volunteer", _l("Volunteer")))


class Match(VersionedModel):
    """A citizen matched to an activity within a case."""

    label_paths = ("activity",)

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="matches", verbose_name=_l("Case"))
    activity = ForeignKeyField(Activity, backref="matches", verbose_name=_l("Activity"))
    status = CharField(max_length=20, choices=MATCH_STATUSES, default=SUGGESTED, verbose_name=_l("Status"))
    role = CharField(max_length=20, choices=MATCH_ROLES, default="participant", verbose_name=_l("As"))
    accompanied = BooleanField(default=False, verbose_name=_l("Accompanied"))
    started_on = DateField(null=True, verbose_name=_l("Started"))
    ended_on = DateField(null=True, verbose_name=_l("Ended"))

    class Meta:
        indexes = (
            (("referral", "activity"), False),
            (("organisation", "status"), False),
            (("organisation", "created_at"), False),
        )

    @classmethod
    def visible_to(cls, user):
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)

    def __str__(self):
        return str(self.activity)


class CaseAssignment(BaseModel):
    """From `effective_on` on, `assigned_to` (None: nobody) has the case: the bridge builder of a
    case on any past date, so a report attributes a case to whoever had it then.

    Rows are written only when the assignment changes; the first change also writes the
    assignment the case had until then, from its received date. A case with no rows has had
    its current bridge builder all along.
    """

    referral = ForeignKeyField(Referral, backref="assignments", on_delete="CASCADE")
    assigned_to = ForeignKeyField(User, null=True, backref="+")
    effective_on = DateField(default=datetime.date.today)
    at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "case_assignment"
        indexes = ((("referral", "effective_on"), False),)


def note_assignment(referral):
    """Record a change of `referral.assigned_to` about to be saved (called from Referral.save)."""
    old = Referral.select(Referral.assigned_to).where(Referral.id == referral.id).scalar()
    new = referral.assigned_to_id
    if old == new:
        return
    if not CaseAssignment.select().where(CaseAssignment.referral == referral.id).exists():
        CaseAssignment.create(referral=referral.id, assigned_to=old, effective_on=referral.received_on)
    CaseAssignment.create(referral=referral.id, assigned_to=new, effective_on=datetime.date.today())
