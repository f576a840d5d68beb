"""Logging a session with its attendance: the one domain operation the partner page, the admin
and tests call. A date is logged once per activity; a second phone saving the same date merges
its ticks into the session already there and is told so."""

import datetime
from dataclasses import dataclass, field

from peewee import IntegrityError

from extensions import db
from i18n import _
from models.activity import ActivitySession, Attendance
from models.audit import AuditLog
from models.citizen import Citizen
from models.schedule import ScheduleError

MAX_COUNT = 10000


@dataclass
class Logged:
    session: ActivitySession
    created: bool
    merged: bool = False  # the date was already logged: our ticks were added to that session
    added: list = field(default_factory=list)  # citizen ids ticked now that were not yet recorded


def existing_session(activity_id, day, exclude_id=None):
    query = ActivitySession.select().where((ActivitySession.activity == activity_id) & (ActivitySession.date == day))
    if exclude_id:
        query = query.where(ActivitySession.id != exclude_id)
    return query.first()


def duplicate_message(session):
    """The message pointing to the session already logged for that date."""
    by = session.logged_by.name if session.logged_by_id else None
    when = session.created_at.strftime("%H:%M") if session.created_at else ""
    if by:
        return _(
            "%(activity)s on %(date)s was already logged by %(by)s at %(time)s. Open that session to change it.",
            activity=session.activity.name,
            date=session.date.strftime("%d.%m.%Y"),
            by=by,
            time=when,
        )
    return _(
        "%(activity)s on %(date)s is already logged. Open that session to change it.",
        activity=session.activity.name,
        date=session.date.strftime("%d.%m.%Y"),
    )


def _count(value, label):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ScheduleError(_("%(field)s must be a whole number.", field=label)) from exc
    if not 0 <= number <= MAX_COUNT:
        raise ScheduleError(_("%(field)s must be between 0 and %(max)s.", field=label, max=MAX_COUNT))
    return number


def log_session(
    user,
    activity,
    day,
    present_ids,
    allowed_ids,
    head_count=None,
    men=None,
    women=None,
    newcomers=None,
    notes=None,
    session_id=None,
):
    """Record who came to `activity` on `day` (a new session, or the one given by `session_id`).

    `allowed_ids` are the citizens the user may tick (Citizen.visible_to_partner for partners);
    anything else is refused. When another phone logged the same date meanwhile, the ticks are
    merged into that session and `Logged.merged` says so. Raises ScheduleError (a message for the
    user) with nothing stored."""
    activity.check_session_date(day)
    present = {int(i) for i in present_ids}
    if not present <= set(allowed_ids):
        raise ScheduleError(_("One of the ticked participants cannot be recorded for this activity."))
    counts = {
        "head_count": _count(head_count, _("Head count")),
        "men": _count(men, _("Men")),
        "women": _count(women, _("Women")),
        "newcomers": _count(newcomers, _("New this time")),
    }
    if counts["head_count"] is not None and counts["head_count"] < len(present):
        counts["head_count"] = len(present)
    if counts["head_count"] is None:
        counts["head_count"] = len(present) or None
    if user.organisation.minimal_records:
        notes = None  # minimal records: no free text anywhere
    notes = (notes or "").strip()[:2000] or None
    try:
        return _write(user, activity, day, present, allowed_ids, counts, notes, session_id)
    except IntegrityError:  # two phones created the same date at the same moment: merge into it
        return _write(user, activity, day, present, allowed_ids, counts, notes, session_id)


def _write(user, activity, day, present, allowed_ids, counts, notes, session_id):
    with db.atomic():
        session = None
        if session_id:
            session = ActivitySession.get_or_none(
                (ActivitySession.id == session_id) & (ActivitySession.activity == activity.id)
            )
        if session is None:
            session = existing_session(activity.id, day)
            if session is None:
                session = ActivitySession.create(
                    organisation=activity.organisation_id,
                    activity=activity,
                    date=day,
                    logged_by=user,
                    notes=notes,
                    **counts,
                )
                result = Logged(session, created=True)
            else:
                # Another phone logged this date first: add our ticks; the larger head count wins.
                result = Logged(session, created=False, merged=True)
                ours, theirs = counts["head_count"], session.head_count
                if ours is not None and (theirs is None or ours > theirs):
                    session.head_count = ours
                    session.save()
        else:
            for name, value in counts.items():
                setattr(session, name, value)
            session.notes = notes
            session.save()
            result = Logged(session, created=False)
        recorded = present_in(session)
        if not result.merged:
            # Editing the session: unticked participants go (only those the user may see).
            gone = (recorded - present) & set(allowed_ids)
            if gone:
                Attendance.delete().where((Attendance.session == session.id) & Attendance.citizen.in_(gone)).execute()
        for citizen_id in sorted(present - recorded):
            Attendance.create(organisation=activity.organisation_id, session=session, citizen=citizen_id)
            result.added.append(citizen_id)
        if result.merged and session.head_count is not None and session.head_count < len(present_in(session)):
            session.head_count = len(present_in(session))
            session.save()
        AuditLog.record("create" if result.created else "update", session, session.id, user=user)
    return result


def present_in(session):
    """Citizen ids recorded as present at `session`."""
    if session is None:
        return set()
    return {c for (c,) in Attendance.select(Attendance.citizen).where(Attendance.session == session.id).tuples()}


def participant_labels(citizens):
    """{citizen id: label} by Citizen.partner_label; where two labels are the same, the birth
    year is added so a partner can tell them apart."""
    labels = {c.id: c.partner_label for c in citizens}
    seen = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    by_id = {c.id: c for c in citizens}
    for cid, label in labels.items():
        if seen[label] > 1 and by_id[cid].birth_year and str(by_id[cid].birth_year) not in label:
            labels[cid] = f"{label} ({by_id[cid].birth_year})"
    return labels


def this_week(today=None):
    today = today or datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


__all__ = ["Citizen", "Logged", "duplicate_message", "existing_session", "log_session", "participant_labels"]
