"""Collaboration with services: follow-ups, hand-overs, and feedback to the referring GP."""

import datetime
import uuid

from plugins.api import JOINED, AuditLog, CaseClosure, ClosureReason, Match, _, _l, db, format_day, utcnow
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
    only when the citizen has consented to contact (their consent covers the feedback)."""
    citizen = referral.citizen
    closure = (
        CaseClosure.select(CaseClosure, ClosureReason)
        .join(ClosureReason)
        .where((CaseClosure.referral == referral.id) & CaseClosure.reopened_at.is_null())
        .order_by(CaseClosure.id.desc())
        .first()
    )
    joined = [m.activity.name for m in Match.select().where((Match.referral == referral.id) & (Match.status == JOINED))]
    return {
        "referral": referral,
        "citizen_label": str(citizen) if not citizen.anonymous else citizen.initials,
        "consented": citizen.consent_on is not None,
        "contacted": referral.first_contact_on,
        "joined_community": bool(joined),
        "communities": joined,
        "closed": closure,
        "gp_practice": citizen.gp_practice,
    }


def record_feedback(referral, form, user):
    """Record that feedback was given; a reload within the hour is the same feedback."""
    recent = GpFeedback.select().where(
        (GpFeedback.referral == referral.id)
        & (GpFeedback.form == form)
        & (GpFeedback.by == user.id)
        & (GpFeedback.given_at > utcnow() - datetime.timedelta(hours=1))
    )
    if recent.exists():
        return
    with db.atomic():
        GpFeedback.create(organisation=referral.organisation_id, referral=referral.id, form=form, by=user.id)
        AuditLog.record("export", "GpFeedback", referral.id, user=user)


def fhir_bundle(referral, sender_name, texts):
    """The feedback as a FHIR R4 message Bundle in the shape of MedCom's correspondence message:
    MessageHeader → Communication about the Patient, from the Organization. Built and validated
    with fhir.resources (R4). `texts` is the list of status sentences."""
    # Imported when a message is built: fhir.resources (pydantic models) adds ~1 s to start-up.
    from fhir.resources.bundle import Bundle

    info = feedback_for(referral)
    citizen = referral.citizen
    ids = {name: str(uuid.uuid4()) for name in ("header", "communication", "patient", "sender")}
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    patient = {"resourceType": "Patient", "id": ids["patient"], "name": [{"text": info["citizen_label"]}]}
    if citizen.birth_year and not citizen.anonymous:
        patient["birthDate"] = str(citizen.birth_year)
    organisation = {"resourceType": "Organization", "id": ids["sender"], "name": sender_name}
    communication = {
        "resourceType": "Communication",
        "id": ids["communication"],
        "status": "completed",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes",
                        "code": "new-message",
                    }
                ]
            }
        ],
        "subject": {"reference": f"urn:uuid:{ids['patient']}"},
        "sender": {"reference": f"urn:uuid:{ids['sender']}"},
        "sent": now,
        "topic": {"text": "Status på social henvisning"},
        "payload": [{"contentString": text} for text in texts],
    }
    header = {
        "resourceType": "MessageHeader",
        "id": ids["header"],
        "eventCoding": {
            "system": "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes",
            "code": "care-communication-message",
        },
        "source": {"endpoint": "urn:brobygger", "name": "Brobygger"},
        "sender": {"reference": f"urn:uuid:{ids['sender']}"},
        "focus": [{"reference": f"urn:uuid:{ids['communication']}"}],
    }
    entries = [header, communication, patient, organisation]
    bundle = Bundle.parse_obj(
        {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "message",
            "timestamp": now,
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
        }
    )
    return bundle


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
    if info["closed"]:
        sentences.append(
            _(
                "The case was closed on %(date)s: %(reason)s.",
                date=format_day(info["closed"].closed_on),
                reason=info["closed"].reason.name,
            )
        )
    return sentences
