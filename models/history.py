"""Histories for data that came in without them (demo data, imports): see backfill_status_history.

The histories themselves: `models.workflow.StatusChange` (statuses) and
`models.referral.CaseAssignment` (the assigned bridge builder)."""

import datetime

from peewee import fn

from models.base import utcnow
from models.outcomes import CaseClosure
from models.referral import CLOSED, CONTACTED, RECEIVED, Referral
from models.workflow import StatusChange


def backfill_status_history(organisation_id):
    """Give cases of an organisation that have no status history one that matches their state.

    For data that came in without the workflow (demo data, imports): contacted on the first
    contact date, then the current status on the last closing date (closed) or the first contact
    date; cases still 'received' need no rows. Returns the number of rows written.
    """
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
