"""The case workflow: which status changes are allowed, and the one function that makes them.

Admin views, forms and the CLI all call `change_status`; hiding a button is never the guard.
"""

import datetime
import json

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from database import after_commit
from extensions import db
from i18n import _l
from models.activity import WEEKDAYS, Activity
from models.audit import AuditLog
from models.base import BaseModel, StaleRecordError, utcnow
from models.outcomes import PHASES, CaseClosure, ClosureReason, Instrument, Measurement
from models.referral import (
    ACTIVE,
    CLOSED,
    CONTACTED,
    DECLINED,
    JOINED,
    MATCH_ROLES,
    OPEN_STATUSES,
    RECEIVED,
    STATUSES,
    STOPPED,
    SUGGESTED,
    TRIED,
    WAITING,
    Match,
    Referral,
)
from models.roles import TEAM_LEADS
from models.rules import RuleError, not_in_future
from models.user import User
from plugins import hook

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
REOPENABLE = (CLOSED, DECLINED)


class TransitionError(RuleError):
    """A status change that is not allowed; `message` says why, in the user's language."""


class StatusChange(BaseModel):
    """Who moved a case from which status to which, and when."""

    referral = ForeignKeyField(Referral, backref="status_changes", on_delete="CASCADE")
    from_status = CharField(max_length=20, null=True, choices=STATUSES, verbose_name=_l("From"))
    to_status = CharField(max_length=20, choices=STATUSES, verbose_name=_l("To"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))
    at = DateTimeField(default=utcnow, verbose_name=_l("When"))
    # The day the change took effect (a closing's date, a first contact's date); reports read it.
    effective_on = DateField(default=datetime.date.today, verbose_name=_l("Effective"))
    note = TextField(null=True, verbose_name=_l("Note"))

    class Meta:
        indexes = ((("referral", "at"), False), (("referral", "effective_on"), False))

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


def allowed_transitions(referral, user):
    """The statuses `user` may move `referral` to now (reopen included where allowed)."""
    targets = list(TRANSITIONS.get(referral.status, ()))
    if referral.status in REOPENABLE and user.role in TEAM_LEADS:
        targets.append(ACTIVE)
    return targets


def _record(referral, from_status, to_status, user, note=None, on=None):
    StatusChange.create(
        referral=referral.id,
        from_status=from_status,
        to_status=to_status,
        by=user.id,
        note=note,
        effective_on=on or datetime.date.today(),
    )
    AuditLog.record("update", referral, referral.id, user=user)


def change_status(referral, to_status, user, expected_version=None, note=None):
    """Move `referral` to `to_status` as `user`, atomically, or raise TransitionError.

    `expected_version` (the version the user saw) makes a change on a stale page fail with
    StaleRecordError instead of overwriting someone else's change.
    """
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
        if reopening:  # the closing history stays; the last closing is marked as undone
            CaseClosure.update(reopened_at=utcnow()).where(
                (CaseClosure.referral == referral.id) & CaseClosure.reopened_at.is_null()
            ).execute()
        _record(referral, from_status, to_status, user, note=note or ("reopened" if reopening else None))
    return referral


def ensure_open(referral_id):
    """Raise TransitionError unless the case is open. A closed (or declined) case is read-only:
    its contacts, matches and notes change only after it is reopened — whatever page asks."""
    referral = Referral.get_or_none(Referral.id == referral_id) if referral_id is not None else None
    if referral is not None and referral.status not in OPEN_STATUSES:
        raise TransitionError(_l("The case is closed; reopen it first."))


def contact_recorded(contact, user):
    """The first contact of a case sets its first-contact date and moves a new case on."""
    referral = Referral.get_by_id(contact.referral_id)
    if referral.first_contact_on is None or contact.date < referral.first_contact_on:
        referral.first_contact_on = contact.date
        if referral.status == RECEIVED:
            from_status, referral.status = referral.status, CONTACTED
            referral.save()
            _record(referral, from_status, CONTACTED, user, on=contact.date)
        else:
            referral.save()


def record_measurement(referral, instrument, phase, taken_on, answers, user):
    """Store one filling-in of an instrument with its computed score; refuses out-of-range answers."""
    if not isinstance(instrument, Instrument) or instrument.organisation_id != referral.organisation_id:
        raise TransitionError(_l("Unknown instrument."))
    if phase not in dict(PHASES):
        raise TransitionError(_l("Unknown phase."))
    items = instrument.item_list
    if len(answers) != len(items) or any(a is None for a in answers):
        raise TransitionError(_l("Answer every item of %(instrument)s.", instrument=instrument.name))
    if any(not instrument.item_min <= a <= instrument.item_max for a in answers):
        raise TransitionError(
            _l("Each answer must be between %(min)s and %(max)s.", min=instrument.item_min, max=instrument.item_max)
        )
    not_in_future(taken_on, error=TransitionError)
    measurement = Measurement.create(
        organisation=referral.organisation_id,
        referral=referral.id,
        instrument=instrument.id,
        phase=phase,
        taken_on=taken_on,
        answers=json.dumps(list(answers)),
        score=instrument.score(answers),
        by=user.id,
    )
    AuditLog.record("create", measurement, measurement.id, user=user)
    return measurement


def close_case(referral, user, reason, closed_on, note=None, expected_version=None, form=None, measurements=()):
    """Close `referral`: status, closure record, status history, match end dates, closing outcome
    measurements and whatever plugins store — all in one transaction, or nothing.

    Plugins are asked first (hook brobygger_case_may_close); the first objection stops the closing.
    `form` is a plain dict of the closing form's plugin fields (``{"criteria_met": ["3", "5"],
    "justification": "..."}``; views build it with ``plugins.close_form_values(request.form)``),
    never the request's form: each plugin reads its own fields from it.
    `measurements` are (instrument, answers) pairs taken at closure. Raises TransitionError with a
    message, or StaleRecordError when the case changed since the user opened the closing form.
    Plugins hear of the closing inside the transaction (brobygger_case_closed) and once it is
    committed (brobygger_after_case_closed).
    """
    if not referral.is_open:
        raise TransitionError(_l("The case is already closed or declined."))
    if not isinstance(reason, ClosureReason) or reason.organisation_id != referral.organisation_id or not reason.active:
        raise TransitionError(_l("Choose a closure reason."))
    if closed_on is None:
        raise TransitionError(_l("The closing date cannot be in the future."))
    not_in_future(closed_on, _l("The closing date cannot be in the future."), error=TransitionError)
    if closed_on < referral.received_on:
        raise TransitionError(_l("The closing date cannot be before the referral was received."))
    if expected_version is not None and expected_version != referral.version:
        raise StaleRecordError()
    if hasattr(form, "getlist"):
        raise TypeError("close_case takes plain values: pass plugins.close_form_values(request.form)")
    form = dict(form) if form is not None else {}
    record = CaseClosure(
        organisation=referral.organisation_id,
        referral=referral.id,
        closed_on=closed_on,
        reason=reason,
        note=note,
        by=user,
    )
    objection = hook().brobygger_case_may_close(referral=referral, closure=record, form=form, user=user)
    if objection:
        raise TransitionError(objection)
    with db.atomic():
        from_status = referral.status
        referral.status = CLOSED
        referral.save()  # optimistic lock: a concurrent close or edit makes this raise
        record.save(force_insert=True)
        end_matches_at_closing(referral, closed_on)
        for instrument, answers in measurements:
            record_measurement(referral, instrument, "closure", closed_on, answers, user)
        _record(referral, from_status, CLOSED, user, on=closed_on)
        hook().brobygger_case_closed(referral=referral, closure=record, form=form, user=user)
        after_commit(lambda: hook().brobygger_after_case_closed(referral=referral, closure=record, user=user))
    return record


def referral_created(referral, source):
    """Tell plugins of a new referral: inside the creating transaction (a plugin's objection rolls
    it back) and, once committed, for side effects (brobygger_after_referral_created)."""
    hook().brobygger_referral_created(referral=referral, source=source)
    after_commit(lambda: hook().brobygger_after_referral_created(referral=referral, source=source))


MATCH_FLOW = {
    SUGGESTED: (TRIED, JOINED, STOPPED),
    TRIED: (JOINED, STOPPED),
    JOINED: (STOPPED,),
    STOPPED: (),
}


def suggest_activity(referral, activity, user, role="participant", accompanied=False):
    """Suggest an activity to the citizen of a case (a new match, status suggested)."""
    if activity.organisation_id != referral.organisation_id:
        raise TransitionError(_l("Unknown activity."))
    if not referral.is_open:
        raise TransitionError(_l("The case is closed; reopen it first."))
    if role not in dict(MATCH_ROLES):
        raise TransitionError(_l("Unknown role."))
    with db.atomic():
        match = Match.create(
            organisation=referral.organisation_id,
            referral=referral.id,
            activity=activity.id,
            status=SUGGESTED,
            role=role,
            accompanied=bool(accompanied),
        )
        AuditLog.record("create", match, match.id, user=user)
    return match


def move_match(match, to_status, user, on=None):
    """Mark a match tried, joined or stopped; the start date is set on the first try or join, the
    end date when it stops."""
    on = on or datetime.date.today()
    if not Referral.get_by_id(match.referral_id).is_open:
        raise TransitionError(_l("The case is closed; reopen it first."))
    if to_status not in MATCH_FLOW.get(match.status, ()):
        raise TransitionError(
            _l(
                "An activity cannot go from “%(from)s” to “%(to)s”.",
                **{"from": match.label_of("status"), "to": to_status},
            )
        )
    with db.atomic():
        match.status = to_status
        if to_status in (TRIED, JOINED) and match.started_on is None:
            match.started_on = on
        if to_status == STOPPED:
            match.ended_on = on
        match.save()
        AuditLog.record("update", match, match.id, user=user)
        if to_status == "joined":
            # Joining an activity is what active collaboration means: the case moves on with it.
            referral = Referral.get_by_id(match.referral_id)
            if referral.status in (RECEIVED, CONTACTED, WAITING):
                from_status, referral.status = referral.status, ACTIVE
                if referral.first_contact_on is None:
                    referral.first_contact_on = on
                referral.save()
                _record(referral, from_status, ACTIVE, user)
    return match


def end_matches_at_closing(referral, closed_on):
    """At closing, a practice community's match and anything not joined ends; a lasting activity
    the citizen joined stays ongoing: continuing in it is the point of the work."""
    practice = Activity.select(Activity.id).where(Activity.is_practice == True)  # noqa: E712
    Match.update(ended_on=closed_on).where(
        (Match.referral == referral.id)
        & Match.ended_on.is_null()
        & ((Match.status != "joined") | Match.activity.in_(practice))
    ).execute()


def take_case(referral, user, expected_version=None):
    """`user` takes an unassigned case (one click on the work queue or the case page)."""
    if referral.status not in OPEN:
        raise TransitionError(_l("The case is closed; reopen it first."))
    if referral.assigned_to_id == user.id:
        return referral
    if referral.assigned_to_id is not None:
        raise TransitionError(_l("Another bridge builder has already taken this case."))
    if expected_version is not None and expected_version != referral.version:
        raise StaleRecordError()
    with db.atomic():
        referral.assigned_to = user.id
        referral.save()  # optimistic lock: two people taking the same case at once → one wins
        AuditLog.record("update", referral, referral.id, user=user)
    return referral


ASSIGN_ROLES = ("admin", "coordinator")
CASE_WORKER_ROLES = ("admin", "coordinator", "bridge_builder")
OPEN = (RECEIVED, CONTACTED, ACTIVE, WAITING)


def assign_case(referral, assignee, user):
    """A coordinator gives a case to a bridge builder (or coordinator) of the organisation."""
    if user.role not in ASSIGN_ROLES:
        raise TransitionError(_l("Only coordinators assign cases."))
    if (
        assignee is None
        or assignee.organisation_id != referral.organisation_id
        or assignee.role not in CASE_WORKER_ROLES
        or not assignee.active
    ):
        raise TransitionError(_l("Choose a bridge builder."))
    if referral.status not in OPEN:
        raise TransitionError(_l("The case is closed; reopen it first."))
    with db.atomic():
        referral.assigned_to = assignee.id
        referral.save()
        AuditLog.record("update", referral, referral.id, user=user)
    return referral


def start_practice_community(referral, user, partner, name, category=None, weekday=None, place=None, leads_to=None):
    """From "no activity fits": create a practice community (øvefællesskab) run by `partner` and
    suggest it to the citizen, in one transaction. Returns the new match."""
    name = (name or "").strip()
    if not name:
        raise TransitionError(_l("Give the practice community a name."))
    if len(name) > 200 or len(place or "") > 200:
        raise TransitionError(_l("The name and place may be at most 200 characters."))
    if partner is None or partner.organisation_id != referral.organisation_id:
        raise TransitionError(_l("Choose who runs the practice community."))
    if weekday is not None and weekday not in dict(WEEKDAYS):
        raise TransitionError(_l("Unknown weekday."))
    for related in (category, leads_to):
        if related is not None and related.organisation_id != referral.organisation_id:
            raise TransitionError(_l("Unknown activity."))
    if referral.status not in OPEN:
        raise TransitionError(_l("The case is closed; reopen it first."))
    with db.atomic():
        activity = Activity.create(
            organisation=referral.organisation_id,
            partner=partner.id,
            name=name,
            category=category.id if category else None,
            weekday=weekday,
            place=(place or "").strip() or None,
            is_practice=True,
            leads_to=leads_to.id if leads_to else None,
            active_from=datetime.date.today(),
        )
        AuditLog.record("create", activity, activity.id, user=user)
        return suggest_activity(referral, activity, user)


def next_step(referral, matches, today=None):
    """The one thing to do next on a case, in the bridge builder's words (for the case header)."""
    today = today or datetime.date.today()
    if referral.status not in OPEN:
        return None
    if referral.assigned_to_id is None:
        return _l("Take the case or assign it to a bridge builder.")
    if referral.first_contact_on is None:
        return _l("Make the first contact.")
    if referral.review_on and referral.review_on < today:
        return _l("Review the case: the review date has passed.")
    live = [m for m in matches if m.status in ("suggested", "tried", "joined") and m.ended_on is None]
    if not live:
        return _l("Find an activity with the citizen, or start a practice community.")
    joined = [m for m in live if m.status == "joined"]
    if not joined:
        return _l("Follow up: did the citizen try the suggested activity?")
    lasting = [m for m in joined if not m.activity.is_practice]
    if not lasting:
        onward = next((m.activity.leads_to for m in joined if m.activity.leads_to_id), None)
        if onward is not None:
            return _l("Bridge on to the lasting activity “%(activity)s”.", activity=onward.name)
        return _l("Find a lasting activity the practice community can lead on to.")
    return _l("Check the end criteria with the citizen and close the case.")
