"""Collaboration with services: follow-ups, hand-overs, and feedback to the referring GP."""

import datetime

from peewee import JOIN

from plugins.api import (
    CASE_WORKERS,
    JOINED,
    Activity,
    AuditLog,
    CaseClosure,
    ClosureReason,
    Match,
    Partner,
    PartnerKind,
    User,
    _,
    _l,
    db,
    fold,
    format_day,
    utcnow,
)
from plugins.collaboration.models import CollaborationNote, GpFeedback


def followups(user, mine):
    """Open follow-ups the user may see (theirs only when `mine`), overdue first."""
    query = CollaborationNote.visible_to(user).where(
        CollaborationNote.followup_on.is_null(False) & CollaborationNote.followup_done_at.is_null()
    )
    if mine:
        query = query.where(CollaborationNote.followup_owner == user.id)
    return query.order_by(CollaborationNote.followup_on, CollaborationNote.id)


def complete_followup(note, user):
    with db.atomic():
        done = (
            CollaborationNote.update(followup_done_at=utcnow(), followup_done_by=user.id)
            .where((CollaborationNote.id == note.id) & CollaborationNote.followup_done_at.is_null())
            .execute()
        )
        if done:  # a second click (an old tab) keeps who did it first, and when
            AuditLog.record("update", note, note.id, user=user)


def objection(referral, closure):
    """Closing as "handed on to professional help" needs a recorded hand-over."""
    reason = closure.reason
    if getattr(reason, "code", None) != "professional_help":
        return None
    handed_on = (
        CollaborationNote.select()
        .where(
            (CollaborationNote.referral == referral.id) & (CollaborationNote.handover == True)  # noqa: E712
        )
        .exists()
    )
    if not handed_on:
        return _l(
            "Record the hand-over to the service in a collaboration note before closing the case as "
            "handed on to professional help."
        )
    return None


def feedback_for(referral):
    """What the referring GP may be told: only status facts, nothing from free-text notes, and
    only when the citizen has consented to the GP being informed (a consent of its own)."""
    citizen = referral.citizen
    closure = (
        CaseClosure.select(CaseClosure, ClosureReason)
        .join(ClosureReason)
        .where((CaseClosure.referral == referral.id) & CaseClosure.reopened_at.is_null())
        .order_by(CaseClosure.id.desc())
        .first()
    )
    joined_matches = list(
        Match.select(Match, Activity)
        .join(Activity)
        .where((Match.referral == referral.id) & (Match.status == JOINED))
        .order_by(Match.id)
    )
    joined = [m.activity.name for m in joined_matches]
    # A lasting activity the citizen joined and still goes to (closing leaves it ongoing).
    continuing = [m.activity.name for m in joined_matches if not m.activity.is_practice and m.ended_on is None]
    return {
        "referral": referral,
        "citizen_label": str(citizen) if not citizen.anonymous else citizen.initials,
        "consented": citizen.gp_consent_on is not None and citizen.erased_at is None,
        "contacted": referral.first_contact_on,
        "joined_community": bool(joined),
        "communities": joined,
        "continuing": continuing,
        "closed": closure,
        "gp_practice": citizen.gp_practice,
    }


def record_feedback(referral, form, user, receiver=None):
    """Record that feedback was given — when, the case's status, by whom, to which practice; a
    reload within the hour is the same feedback."""
    recent = GpFeedback.select().where(
        (GpFeedback.referral == referral.id)
        & (GpFeedback.form == form)
        & (GpFeedback.by == user.id)
        & (GpFeedback.status == referral.status)
        & (GpFeedback.given_at > utcnow() - datetime.timedelta(hours=1))
    )
    if recent.exists():
        return
    with db.atomic():
        feedback = GpFeedback.create(
            organisation=referral.organisation_id,
            referral=referral.id,
            form=form,
            by=user.id,
            status=referral.status,
            receiver=receiver.id if receiver is not None else None,
        )
        # The feedback's own id, so the citizen's access log (privacy/access_report.py) finds it.
        AuditLog.record("export", feedback, feedback.id, user=user)


def status_sentences(info):
    """The feedback's sentences, in Danish, built only from status facts."""

    sentences = []
    if info["contacted"]:
        sentences.append(
            _("The citizen was contacted by a bridge builder on %(date)s.", date=format_day(info["contacted"]))
        )
    else:
        sentences.append(_("The bridge builder has not yet reached the citizen."))
    if info["joined_community"]:
        sentences.append(_("The citizen has joined a community: %(names)s.", names=", ".join(info["communities"])))
    if info["closed"] and info["continuing"]:
        sentences.append(
            _("The citizen goes on in a lasting community: %(names)s.", names=", ".join(info["continuing"]))
        )
    if info["closed"]:
        sentences.append(
            _(
                "The case was closed on %(date)s: %(reason)s.",
                date=format_day(info["closed"].closed_on),
                reason=info["closed"].reason.name,
            )
        )
    return sentences


def followups_due(user, today):
    """Cases with a follow-up due by `today` that is the user's own (or on their own case)."""
    query = (
        CollaborationNote.visible_to(user)
        .select(CollaborationNote.referral, CollaborationNote.followup_on)
        .where(
            CollaborationNote.followup_on.is_null(False)
            & (CollaborationNote.followup_on <= today)
            & CollaborationNote.followup_done_at.is_null()
        )
        .limit(1000)
    )
    due = {}
    for referral_id, _on in query.tuples():
        due.setdefault(referral_id, [("followup", _l("Follow-up due"))])
    return due


def case_queries(referral, user):
    """What the case page's collaboration panel and timeline entries show, as queries (the page
    runs them with its own in one statement): the notes with their services, the GP feedback
    with its receiver and author, and the GP practices a message can go to."""
    if user.role not in CASE_WORKERS:
        return None
    receiver = Partner.alias()
    return {
        "collab_notes": CollaborationNote.visible_to(user)
        .select_extend(Partner.id, Partner.name)
        .join(Partner, on=(CollaborationNote.service == Partner.id))
        .where(CollaborationNote.referral == referral.id)
        .order_by(CollaborationNote.date.desc(), CollaborationNote.id.desc())
        .limit(200),
        "collab_feedback": GpFeedback.select(GpFeedback, receiver.id, receiver.name, User.id, User.name)
        .join(receiver, JOIN.LEFT_OUTER, on=(GpFeedback.receiver == receiver.id))
        .switch(GpFeedback)
        .join(User, JOIN.LEFT_OUTER, on=(GpFeedback.by == User.id))
        .where(GpFeedback.referral == referral.id)
        .order_by(GpFeedback.given_at.desc(), GpFeedback.id.desc())
        .limit(100),
        "collab_practices": gp_practices_query(user).select(Partner.id, Partner.name),
    }


def timeline_entries(referral, user, rows):
    """Collaboration notes and GP feedback as entries of the case's timeline (from case_queries)."""
    entries = []
    for note in rows.get("collab_notes", ()):
        detail = [note.label_of("direction"), note.label_of("channel")]
        if note.followup_on:
            detail.append(_("follow up %(date)s", date=note.followup_on.strftime("%d.%m.%Y")))
        entries.append(
            {
                "on": note.date,
                "kind": "collaboration",
                "title": _("Collaboration: %(service)s", service=note.service.name),
                "detail": " · ".join(str(d) for d in detail),
                "text": note.summary or "",
            }
        )
    for feedback in rows.get("collab_feedback", ()):
        entries.append(
            {
                "on": feedback.given_at,
                "kind": "gp_feedback",
                "title": _("Feedback to the GP"),
                "detail": " · ".join(
                    str(x)
                    for x in (
                        dict(FEEDBACK_FORMS).get(feedback.form, feedback.form),
                        feedback.label_of("status") if feedback.status else "",
                        feedback.receiver.name if feedback.receiver_id else "",
                        feedback.by.name if feedback.by_id else "",
                    )
                    if x
                ),
                "text": "",
            }
        )
    return entries


FEEDBACK_FORMS = (("print", _l("letter")), ("fhir", _l("FHIR message")))


def gp_practices(user):
    """GP practices and services the user's organisation may send a message to (SOR and EAN known)."""
    return list(gp_practices_query(user))


def gp_practices_query(user):
    return (
        Partner.visible_to(user)
        .join(PartnerKind, on=(Partner.kind == PartnerKind.id))
        .where(
            (PartnerKind.service == True)  # noqa: E712
            & Partner.sor_code.is_null(False)
            & Partner.ean_code.is_null(False)
        )
        .order_by(Partner.name)
    )


def gp_for(referral, user, partner_id=None, practices=None):
    """The GP practice to send to: the one chosen, else the one named as the citizen's GP."""
    practices = gp_practices(user) if practices is None else practices
    if partner_id is not None:
        return next((p for p in practices if p.id == partner_id), None)
    named = fold(referral.citizen.gp_practice or "")
    return next((p for p in practices if named and fold(p.name) == named), None)


def last_feedback(referral):
    """The latest feedback given to the GP on a case (when, the case's status, by whom)."""
    return GpFeedback.select().where(GpFeedback.referral == referral.id).order_by(GpFeedback.given_at.desc()).first()
