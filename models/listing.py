"""Partners' own listings: proposed changes the organisation approves, and waiting lists."""

import datetime
import json

from peewee import CharField, DateTimeField, ForeignKeyField, TextField, fn

from i18n import _l
from models.activity import PRICE, Activity
from models.base import utcnow
from models.organisation import TenantModel, organisation_fk
from models.referral import Referral
from models.schedule import Rule, Schedule, load_dates, load_moves
from models.user import User

# The fields of an activity that a partner keeps (their public listing).
LISTING_FIELDS = (
    "description",
    "place",
    "postal_code",
    "city",
    "recurrence",
    "start_time",
    "end_time",
    "active_from",
    "active_until",
    "cancelled_dates",
    "moved_dates",
    "price",
    "age_min",
    "age_max",
    "target_group",
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "accessibility_note",
    "contact_info",
    "how_to_join",
)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
CHANGE_STATUSES = ((PENDING, _l("Awaiting approval")), (APPROVED, _l("Approved")), (REJECTED, _l("Rejected")))


def _readable(name, value):
    """A stored value as the approval page shows it (the rule in words, dates as dd.mm.yyyy)."""
    if value in (None, ""):
        return value
    if name == "recurrence":
        return Schedule(Rule.parse(value), None, None, None, None, [], {}, datetime.date.today()).describe()
    if name == "cancelled_dates":
        return ", ".join(d.strftime("%d.%m.%Y") for d in load_dates(value))
    if name == "moved_dates":
        return ", ".join(f"{a:%d.%m.%Y} → {b:%d.%m.%Y}" for a, b in load_moves(value).items())
    if name == "price":
        return dict(PRICE).get(value, value)
    return value


def _dump(value):
    return None if value is None else value.isoformat() if hasattr(value, "isoformat") else value


class ListingChange(TenantModel):
    """A partner's proposed change to an activity's listing; applied only when approved."""

    organisation = organisation_fk()
    activity = ForeignKeyField(Activity, backref="listing_changes", on_delete="CASCADE", verbose_name=_l("Activity"))
    proposed = TextField(verbose_name=_l("Proposed"))  # JSON {field: new value}
    previous = TextField(verbose_name=_l("Before"))  # JSON {field: value when proposed}
    status = CharField(max_length=10, choices=CHANGE_STATUSES, default=PENDING, verbose_name=_l("Status"))
    proposed_by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Proposed by"))
    decided_by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Decided by"))
    decided_at = DateTimeField(null=True, verbose_name=_l("Decided"))

    class Meta:
        indexes = ((("organisation", "status"), False),)

    @classmethod
    def visible_to(cls, user):
        query = super().visible_to(user)
        if user.role == "partner":
            query = query.join(Activity).where(Activity.partner == user.partner_id)
        elif user.role not in ("admin", "coordinator"):
            query = query.where(False)
        return query

    @classmethod
    def propose(cls, activity, changed, user):
        """Record `changed` ({field: value}) for approval; a pending proposal is replaced."""
        cls.delete().where((cls.activity == activity.id) & (cls.status == PENDING)).execute()
        return cls.create(
            organisation=activity.organisation_id,
            activity=activity,
            proposed=json.dumps({k: _dump(v) for k, v in changed.items()}),
            previous=json.dumps({k: _dump(getattr(activity, k)) for k in changed}),
            proposed_by=user,
        )

    def values(self):
        """The proposed values, as Python values of the activity's fields."""
        fields = Activity._meta.fields
        return {name: fields[name].python_value(value) for name, value in json.loads(self.proposed).items()}

    def diff(self):
        """[(field label, before, proposed)] for the approval page."""
        before = json.loads(self.previous)
        fields = Activity._meta.fields
        return [
            (fields[name].verbose_name, _readable(name, before.get(name)), _readable(name, value))
            for name, value in json.loads(self.proposed).items()
        ]

    def decide(self, user, approve):
        """Approve (apply to the activity, checked like any edit) or reject. Raises ScheduleError."""
        self.status = APPROVED if approve else REJECTED
        if approve:
            activity = Activity.get_by_id(self.activity_id)
            for name, value in self.values().items():
                setattr(activity, name, value)
            activity.set_rule(Rule.parse(activity.recurrence))
            activity.check_schedule()
            activity.save()
        self.decided_by, self.decided_at = user, utcnow()
        self.save()

    def __str__(self):
        return f"{self.activity}"


def divert_to_approval(activity, user, is_created=False):
    """A partner's change to a published activity's listing waits for the organisation: the
    changed listing fields (and the name) go into a ListingChange and the activity keeps its
    published values. New and unpublished activities change at once (nothing is public yet) and
    stay unpublished. Returns the ListingChange, or None when nothing had to wait."""
    if is_created or activity.id is None:
        activity.public = False
        return None
    stored = Activity.get_by_id(activity.id)
    activity.public = stored.public
    if not stored.public:
        return None
    changed = {
        name: getattr(activity, name)
        for name in ("name", *LISTING_FIELDS)
        if getattr(activity, name) != getattr(stored, name)
    }
    if not changed:
        return None
    for name in changed:
        setattr(activity, name, getattr(stored, name))
    activity.frequency, activity.weekday = stored.frequency, stored.weekday
    return ListingChange.propose(stored, changed, user)


class WaitingListEntry(TenantModel):
    """A case waiting for a place on a full activity (in order of arrival)."""

    label_paths = ("activity",)

    organisation = organisation_fk()
    activity = ForeignKeyField(Activity, backref="waiting_list", on_delete="CASCADE", verbose_name=_l("Activity"))
    referral = ForeignKeyField(Referral, backref="+", on_delete="CASCADE", verbose_name=_l("Case"))
    added_by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Added by"))

    class Meta:
        indexes = ((("activity", "referral"), True),)

    @classmethod
    def waiting_counts(cls, activity_ids):
        ids = list(activity_ids)
        if not ids:
            return {}
        rows = cls.select(cls.activity, fn.COUNT(cls.id)).where(cls.activity.in_(ids)).group_by(cls.activity)
        return dict(rows.tuples())
