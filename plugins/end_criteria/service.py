"""End criteria as data: agreeing them for a case, checking a closing against them, the summary."""

import datetime
import statistics

from peewee import JOIN

from plugins.api import AuditLog, CaseClosure, ClosureReason, Organisation, Referral, User, _l, db
from plugins.end_criteria.models import JUSTIFICATIONS, AgreedCriterion, ClosureCheck, ClosureReview, EndCriterion

JUSTIFICATION_MAX = 2000


def criteria_for(organisation_id):
    return list(criteria_query(organisation_id))


def criteria_query(organisation_id):
    return (
        EndCriterion.select()
        .where((EndCriterion.organisation == organisation_id) & (EndCriterion.active == True))  # noqa: E712
        .order_by(EndCriterion.position, EndCriterion.name)
    )


def agreed_ids(referral):
    return {a.criterion_id for a in AgreedCriterion.select().where(AgreedCriterion.referral == referral.id)}


def set_agreed(referral, criterion_ids, user):
    """Record the criteria agreed for a case (replacing earlier ones). Unknown ids are refused."""
    allowed = {c.id for c in criteria_for(referral.organisation_id)}
    wanted = set(criterion_ids)
    if not wanted <= allowed:
        raise ValueError(_l("Unknown end criterion."))
    with db.atomic():
        AgreedCriterion.delete().where(AgreedCriterion.referral == referral.id).execute()
        for criterion_id in sorted(wanted):
            AgreedCriterion.create(
                referral=referral.id, criterion=criterion_id, agreed_on=datetime.date.today(), by=user.id
            )
        AuditLog.record("update", referral, referral.id, user=user)


# The closing form's fields this plugin reads (hook brobygger_close_form_fields): the ids of the
# criteria ticked as met, and the written or chosen justification.
CLOSE_FORM_FIELDS = {"criteria_met": list, "justification": str, "justification_code": str}


def _submitted(form, organisation_id):
    """(criteria, met ids, justification, error) from the closing form's plain values."""
    criteria = criteria_for(organisation_id)
    raw = form.get("criteria_met") or []
    try:
        met = {int(value) for value in raw}
    except (TypeError, ValueError):
        return criteria, set(), "", _l("Unknown end criterion.")
    if not met <= {c.id for c in criteria}:
        return criteria, met, "", _l("Unknown end criterion.")
    if Organisation.get_by_id(organisation_id).minimal_records:
        # Minimal records: a justification chosen from the list, never written.
        code = form.get("justification_code") or ""
        if code and code not in dict(JUSTIFICATIONS):
            return criteria, met, "", _l("Choose a justification from the list.")
        return criteria, met, code, None
    justification = (form.get("justification") or "").strip()
    if len(justification) > JUSTIFICATION_MAX:
        return (
            criteria,
            met,
            justification,
            _l("The justification can be at most %(max)s characters.", max=JUSTIFICATION_MAX),
        )
    return criteria, met, justification, None


def objection(referral, closure, form):
    """Why the case may not close as submitted, or None."""
    criteria, met, justification, error = _submitted(form, referral.organisation_id)
    if error:
        return error
    unmet_required = [c for c in criteria if c.required and c.id not in met]
    if unmet_required and not justification:
        return _l(
            "Required end criteria are not met (%(criteria)s): write a justification to close anyway.",
            criteria=", ".join(c.name for c in unmet_required),
        )
    return None


def record_closing(referral, closure, form):
    criteria, met, justification, _error = _submitted(form, referral.organisation_id)
    for criterion in criteria:
        ClosureCheck.create(closure=closure.id, criterion=criterion.id, met=criterion.id in met)
    chosen = justification in dict(JUSTIFICATIONS) and Organisation.get_by_id(referral.organisation_id).minimal_records
    ClosureReview.create(
        closure=closure.id,
        unmet_required=sum(1 for c in criteria if c.required and c.id not in met),
        justification=None if chosen else justification or None,
        justification_code=justification if chosen else None,
    )


def closure_rows(user, start, end):
    """One row per closing in [start, end] that the user may see, with what the summary needs."""
    query = (
        CaseClosure.select(
            CaseClosure.id,
            CaseClosure.closed_on,
            Referral.id.alias("case_id"),
            Referral.received_on,
            User.name.alias("builder"),
            ClosureReason.name.alias("reason"),
            ClosureReview.unmet_required,
        )
        .join(Referral, on=(CaseClosure.referral == Referral.id))
        .join(User, JOIN.LEFT_OUTER, on=(Referral.assigned_to == User.id))
        .switch(CaseClosure)
        .join(ClosureReason, on=(CaseClosure.reason == ClosureReason.id))
        .switch(CaseClosure)
        .join(ClosureReview, JOIN.LEFT_OUTER, on=(ClosureReview.closure == CaseClosure.id))
        .where(
            (CaseClosure.organisation == user.organisation_id)
            & (CaseClosure.closed_on >= start)
            & (CaseClosure.closed_on <= end)
            & CaseClosure.reopened_at.is_null()
        )
        .order_by(CaseClosure.closed_on.desc())
    )
    return list(query.dicts())


def _counts(rows, key):
    counts = {}
    for row in rows:
        counts[row[key] or "—"] = counts.get(row[key] or "—", 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def summary(user, start, end):
    """Closings per bridge builder and reason, median case length, share closed with unmet
    required criteria, and open cases older than the organisation's limit."""
    rows = closure_rows(user, start, end)
    for row in rows:
        row["days"] = (row["closed_on"] - row["received_on"]).days
    limit = user.organisation.max_case_days
    too_old = (
        Referral.select(Referral.id, Referral.received_on, User.name.alias("builder"))
        .join(User, JOIN.LEFT_OUTER, on=(Referral.assigned_to == User.id))
        .where(
            (Referral.organisation == user.organisation_id)
            & Referral.open_filter()
            & (Referral.received_on < datetime.date.today() - datetime.timedelta(days=limit))
        )
        .order_by(Referral.received_on)
    )
    reviewed = [r for r in rows if r["unmet_required"] is not None]
    return {
        "rows": rows,
        "total": len(rows),
        "per_builder": _counts(rows, "builder"),
        "per_reason": _counts(rows, "reason"),
        "median_days": statistics.median([r["days"] for r in rows]) if rows else None,
        "unmet_share": (sum(1 for r in reviewed if r["unmet_required"]) / len(reviewed)) if reviewed else None,
        "too_old": list(too_old.limit(500).dicts()),
        "too_old_count": too_old.count(),
        "limit_days": limit,
    }
