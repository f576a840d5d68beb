"""The case workflow: which status changes are allowed, and the one function that makes them.

Admin views, forms and the CLI all call `change_status`; hiding a button is never the guard.
"""

import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from extensions import db
from i18n import _l
from models.audit import AuditLog
from models.base import BaseModel, utcnow
from models.referral import ACTIVE, CLOSED, CONTACTED, DECLINED, RECEIVED, STATUSES, WAITING, Referral
from models.user import User

# Closing goes through the closing form (close_case), never through a plain status change.
TRANSITIONS = {
    RECEIVED: (CONTACTED, WAITING, DECLINED),
    CONTACTED: (ACTIVE, WAITING, DECLINED),
    ACTIVE: (WAITING,),
    WAITING: (CONTACTED, ACTIVE, DECLINED),
    DECLINED: (),
    CLOSED: (),
}
# Reopening a closed or declined case: coordinators and admins only, back to active contact.
REOPEN_ROLES = ("admin", "coordinator")
REOPENABLE = (CLOSED, DECLINED)


class TransitionError(Exception):
    """A status change that is not allowed; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class StatusChange(BaseModel):
    """Who moved a case from which status to which, and when."""

    referral = ForeignKeyField(Referral, backref="status_changes", on_delete="CASCADE")
    from_status = CharField(max_length=20, null=True, choices=STATUSES, verbose_name=_l("From"))
    to_status = CharField(max_length=20, choices=STATUSES, verbose_name=_l("To"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))
    at = DateTimeField(default=utcnow, verbose_name=_l("When"))
    note = TextField(null=True, verbose_name=_l("Note"))

    class Meta:
        indexes = ((("referral", "at"), False),)

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


def allowed_transitions(referral, user):
    """The statuses `user` may move `referral` to now (reopen included where allowed)."""
    targets = list(TRANSITIONS.get(referral.status, ()))
    if referral.status in REOPENABLE and user.role in REOPEN_ROLES:
        targets.append(ACTIVE)
    return targets


def _record(referral, from_status, to_status, user, note=None):
    StatusChange.create(referral=referral.id, from_status=from_status, to_status=to_status, by=user.id, note=note)
    AuditLog.record("update", referral, referral.id, user=user)


def change_status(referral, to_status, user, expected_version=None, note=None):
    """Move `referral` to `to_status` as `user`, atomically, or raise TransitionError.

    `expected_version` (the version the user saw) makes a change on a stale page fail with
    StaleRecordError instead of overwriting someone else's change.
    """
    from models.base import StaleRecordError

    valid = dict(STATUSES)
    if to_status not in valid:
        raise TransitionError(_l("Unknown status."))
    if to_status == CLOSED:
        raise TransitionError(_l("A case is closed with the closing form."))
    if to_status not in allowed_transitions(referral, user):
        raise TransitionError(
            _l(
                "A case cannot go from “%(from)s” to “%(to)s”.",
                **{"from": valid[referral.status], "to": valid[to_status]},
            )
        )
    if expected_version is not None and expected_version != referral.version:
        raise StaleRecordError()
    with db.atomic():
        from_status = referral.status
        reopening = from_status in REOPENABLE
        referral.status = to_status
        if to_status == CONTACTED and referral.first_contact_on is None:
            referral.first_contact_on = datetime.date.today()
        referral.save()
        _record(referral, from_status, to_status, user, note=note or ("reopened" if reopening else None))
    return referral


def contact_recorded(contact, user):
    """The first contact of a case sets its first-contact date and moves a new case on."""
    referral = Referral.get_by_id(contact.referral_id)
    if referral.first_contact_on is None or contact.date < referral.first_contact_on:
        referral.first_contact_on = contact.date
        if referral.status == RECEIVED:
            from_status, referral.status = referral.status, CONTACTED
            referral.save()
            _record(referral, from_status, CONTACTED, user)
        else:
            referral.save()
