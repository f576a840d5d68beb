"""Who a case was assigned to, and when: the bridge builder of a case on any past date.

The status history lives in `models.workflow.StatusChange`; this is its twin for the assigned
bridge builder, so a report for a past date attributes a case to whoever had it then.
"""

import datetime

from peewee import DateField, DateTimeField, ForeignKeyField, fn

from models.base import BaseModel, utcnow
from models.referral import Referral
from models.user import User


class CaseAssignment(BaseModel):
    """From `effective_on` on, `assigned_to` (None: nobody) has the case.

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


def backfill_status_history(organisation_id):
    """Give cases of an organisation that have no status history one that matches their state.

    For data that came in without the workflow (demo data, imports): contacted on the first
    contact date, then the current status on the last closing date (closed) or the first contact
    date; cases still 'received' need no rows. Returns the number of rows written.
    """
    from models.outcomes import CaseClosure
    from models.referral import CLOSED, CONTACTED, RECEIVED
    from models.workflow import StatusChange

    has_history = StatusChange.select(StatusChange.id).where(StatusChange.referral == Referral.id)
    cases = Referral.select(Referral.id, Referral.status, Referral.received_on, Referral.first_contact_on).where(
        (Referral.organisation == organisation_id) & (Referral.status != RECEIVED) & ~fn.EXISTS(has_history)
    )
    closed_on = dict(
        CaseClosure.select(CaseClosure.referral, fn.MAX(CaseClosure.closed_on))
        .where(CaseClosure.organisation == organisation_id)
        .group_by(CaseClosure.referral)
        .tuples()
    )
    rows = []
    for case in cases:
        contacted = case.first_contact_on
        if contacted is not None:
            rows.append((case.id, RECEIVED, CONTACTED, contacted))
        if case.status != CONTACTED:
            on = closed_on.get(case.id) if case.status == CLOSED else None
            on = on or contacted or case.received_on
            rows.append((case.id, CONTACTED if contacted else RECEIVED, case.status, on))
    now = utcnow()
    for start in range(0, len(rows), 500):
        StatusChange.insert_many(
            [
                {
                    "referral": case_id,
                    "from_status": from_status,
                    "to_status": to_status,
                    "effective_on": on,
                    "at": datetime.datetime.combine(on, datetime.time(12)),
                    "note": "backfill",
                    "created_at": now,
                    "updated_at": now,
                }
                for case_id, from_status, to_status, on in rows[start : start + 500]
            ]
        ).execute()
    return len(rows)
