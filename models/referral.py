"""Referrals and their cases (forløb): statuses, reasons, contacts and matches to activities."""

import datetime

from peewee import JOIN, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from i18n import _l, format_day
from models.activity import Activity
from models.base import BaseModel, utcnow
from models.citizen import Citizen
from models.lookups import ContactKind, ReferralChannel, ReferralReason
from models.organisation import TenantModel, VersionedModel, organisation_fk
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
    # Kept when the citizen is anonymised: the age band at referral instead of the birth year.
    age_band = CharField(max_length=10, null=True, verbose_name=_l("Age band at referral"))
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

    label_fields = ("citizen", "received_on")

    def __str__(self):
        received = format_day(self.received_on)
        return f"#{self.id} {self.citizen} {received}"

    @property
    def is_open(self):
        """Received, contacted, active or waiting: neither closed nor declined."""
        return self.status in OPEN_STATUSES

    # -- the work queue ------------------------------------------------------------------------
    @classmethod
    def last_contact_expr(cls):
        """The case's last contact date as a correlated sub-select (one probe of (referral, date))."""
        return Contact.select(fn.MAX(Contact.date)).where(Contact.referral == cls.id)

    @classmethod
    def queue_select(cls, user):
        """Open cases `user` may see, with citizen, channel, bridge builder and last contact."""
        builder = User.alias("builder")
        return (
            cls.visible_to(user)
            .select(cls, Citizen, ReferralChannel, builder, cls.last_contact_expr().alias("last_contact"))
            .join(Citizen, on=(cls.citizen == Citizen.id))
            .switch(cls)
            .join(ReferralChannel, JOIN.LEFT_OUTER, on=(cls.channel == ReferralChannel.id))
            .switch(cls)
            .join(builder, JOIN.LEFT_OUTER, on=(cls.assigned_to == builder.id), attr="assigned_to")
            .where(cls.status.in_(OPEN_STATUSES))
        )

    @classmethod
    def unassigned_new(cls, user, older_than_days=None, today=None):
        """New referrals nobody has taken yet (optionally only those older than N days)."""
        query = cls.queue_select(user).where(cls.assigned_to.is_null() & (cls.status == RECEIVED))
        if older_than_days is not None:
            today = today or datetime.date.today()
            query = query.where(cls.received_on < today - datetime.timedelta(days=older_than_days))
        return query

    @classmethod
    def due_condition(cls, settings, today, extra_ids=()):
        """SQL for "needs action": no first contact after N days, no contact for N weeks, review
        date passed, or (`extra_ids`) something a plugin says is due, e.g. a follow-up."""
        late = today - datetime.timedelta(days=settings.first_contact_days)
        idle = today - datetime.timedelta(weeks=settings.idle_weeks)
        last = cls.last_contact_expr()
        condition = (
            (cls.first_contact_on.is_null() & (cls.received_on < late))
            | (cls.first_contact_on.is_null(False) & (fn.COALESCE(last, cls.first_contact_on) < idle))
            | (cls.review_on.is_null(False) & (cls.review_on < today))
        )
        if extra_ids:
            condition = condition | cls.id.in_(list(extra_ids))
        return condition

    @classmethod
    def needing_action(cls, user, settings, team=False, today=None, extra_ids=()):
        """Open cases that need action: the user's own, or (`team`, coordinators) everybody's."""
        today = today or datetime.date.today()
        query = cls.queue_select(user).where(cls.due_condition(settings, today, extra_ids))
        if not team:
            query = query.where(cls.assigned_to == user.id)
        return query

    @classmethod
    def open_for(cls, user, team=False):
        """Open cases: the user's own, or (`team`) every open case they may see."""
        query = cls.queue_select(user)
        if not team:
            query = query.where(cls.assigned_to == user.id)
        return query

    def due_items(self, settings, today=None, extra=()):
        """What needs action on this open case, as (code, label) pairs; `extra` from plugins."""
        today = today or datetime.date.today()
        found = []
        if self.first_contact_on is None and (today - self.received_on).days > settings.first_contact_days:
            found.append(
                ("no_first_contact", _l("No first contact after %(days)s days", days=settings.first_contact_days))
            )
        last = getattr(self, "last_contact", None)
        if isinstance(last, str):
            last = datetime.date.fromisoformat(last[:10])
        last = last or self.first_contact_on
        if self.first_contact_on is not None and (today - last).days > settings.idle_weeks * 7:
            found.append(("idle", _l("No contact for %(weeks)s weeks", weeks=settings.idle_weeks)))
        if self.review_on and self.review_on < today:
            found.append(("review", _l("Review date passed")))
        found.extend(extra)
        return found

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

    @classmethod
    def citizens_visible_to_partner(cls, partner_id, activity_id=None):
        """The citizens a partner may see (first name and mark only), DESIGN.md §6: those who
        consented to share with partners, while a match to one of that partner's activities (or to
        `activity_id`) is suggested, tried or joined on an open case. The one rule for it
        (Citizen.visible_to_partner is this query).

        The consent to share with partners is a field of its own (issue 11), recorded apart from the
        consent to be contacted; an anonymised citizen is never shown."""
        match = (
            cls.select(cls.id)
            .join(Referral, on=(cls.referral == Referral.id))
            .switch(cls)
            .join(Activity, on=(cls.activity == Activity.id))
            .where(
                (Referral.citizen == Citizen.id)
                & Referral.status.in_(OPEN_STATUSES)
                & cls.status.in_((SUGGESTED, TRIED, JOINED))
                & (Activity.partner == partner_id)
            )
        )
        if activity_id is not None:
            match = match.where(cls.activity == activity_id)
        return Citizen.select().where(
            Citizen.partner_consent_on.is_null(False) & Citizen.erased_at.is_null() & fn.EXISTS(match)
        )

    @classmethod
    def places_taken(cls, activity_ids):
        """{activity id: places taken}, one query: participants on tried or joined matches of open
        cases take a place on an activity with a capacity."""
        ids = list(activity_ids)
        if not ids:
            return {}
        rows = (
            cls.select(cls.activity, fn.COUNT(cls.id))
            .join(Referral)
            .where(
                cls.activity.in_(ids)
                & cls.status.in_((TRIED, JOINED))
                & (cls.role == "participant")
                & Referral.status.in_(OPEN_STATUSES)
            )
            .group_by(cls.activity)
            .tuples()
        )
        return dict(rows)

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


class CaseNote(TenantModel):
    """A short dated note on a case (not kept in organisations with minimal records)."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="case_notes", on_delete="CASCADE", verbose_name=_l("Case"))
    date = DateField(default=datetime.date.today, verbose_name=_l("Date"))
    text = TextField(verbose_name=_l("Note"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))

    class Meta:
        table_name = "case_note"
        indexes = ((("referral", "date"), False),)

    @classmethod
    def visible_to(cls, user):
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)
