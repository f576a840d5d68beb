"""Registering an intake: one domain function used by the public form and staff intake alike."""

import datetime
import json
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError

from extensions import db
from models import AuditLog, Citizen, Referral, ReferralChannel, ReferralReason, ReferralReasonLink
from models.base import write_transaction
from models.search import fold
from plugins import hook
from plugins.intake.forms import answer_value, question_field_name
from plugins.intake.models import IntakeAnswer, IntakeSubmission

TOKEN_MAX_AGE = 24 * 3600
# No 0/O/1/I: references are read aloud over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class TokenError(Exception):
    """The one-time form token is forged, expired or malformed."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="brobygger-intake")


def issue_token():
    """A signed, single-use token for one intake form rendering."""
    return _serializer().dumps(secrets.token_urlsafe(16))


def read_token(token):
    """The nonce inside `token`; TokenError if it is forged or too old."""
    try:
        return _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc


def new_reference():
    raw = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"BRO-{raw[:4]}-{raw[4:]}"


def find_similar_citizens(organisation_id, name, initials, birth_year, postal_code, limit=10):
    """Citizens of the organisation who look like the one described: same name (or initials when
    no name) folded — "Søren", "SØREN", "Soren" — and the same birth year and postal area."""
    if not birth_year or not postal_code:
        return []
    candidates = Citizen.select().where(
        (Citizen.organisation == organisation_id)
        & (Citizen.birth_year == birth_year)
        & (Citizen.postal_code == postal_code.strip())
    )
    wanted_name, wanted_initials = fold(name), fold(initials)

    def looks_alike(citizen):
        if wanted_name:
            return fold(citizen.name) == wanted_name
        return bool(wanted_initials) and fold(citizen.initials) == wanted_initials

    return [c for c in candidates.limit(200) if looks_alike(c)][:limit]


CONTACT_FIELDS = ("phone", "email", "gp_practice")


def _complete(citizen, data, today):
    """Fill what a known citizen lacks from a new intake: consent, and contact details in empty
    fields (never for anonymous citizens). Nothing already recorded is overwritten."""
    changed = False
    if data.get("consent") and citizen.consent_on is None:
        citizen.consent_on, citizen.consent_scope = today, "Kontakt fra brobygger"
        changed = True
    if not citizen.anonymous and not data.get("anonymous"):
        for name in CONTACT_FIELDS:
            value = (data.get(name) or "").strip()
            if value and not getattr(citizen, name):
                setattr(citizen, name, value)
                changed = True
    if changed:
        citizen.save()


def _initials_from(name):
    return "".join(part[0] for part in name.split() if part)[:20].upper()


def register_intake(
    organisation_id,
    form,
    questions,
    source,
    intake_form=None,
    token_nonce=None,
    existing_citizen=None,
    assigned_to=None,
    user=None,
    allowed_channels=None,
    allowed_reasons=None,
):
    """Create the citizen (unless linking `existing_citizen`), the referral, its reasons and
    answers, and the submission record — all in one transaction — then tell plugins.

    Everything that only reads (the channel and reasons allowed in the organisation, the answers'
    JSON, the citizen's folded search key) is done before the transaction, and rows of one kind are
    written with one statement, so the write lock is held for a few statements (issue 15: the lock,
    not the CPU, bounded submissions/s). The submission's unique token makes a resubmitted form fail
    with IntegrityError and the whole transaction roll back. Returns the IntakeSubmission.
    """
    data = form.data
    today = datetime.date.today()
    channel_id = to_int(data.get("channel"))
    if channel_id is not None and allowed_channels is None:
        channel_id = (
            ReferralChannel.select(ReferralChannel.id)
            .where((ReferralChannel.id == channel_id) & (ReferralChannel.organisation == organisation_id))
            .scalar()
        )
    elif channel_id not in (allowed_channels or ()):
        channel_id = None
    allowed = allowed_reasons
    if allowed is None:
        query = ReferralReason.select(ReferralReason.id).where(ReferralReason.organisation == organisation_id)
        allowed = {r.id for r in query}
    reason_ids = sorted({r for r in data.get("reasons") or () if r in allowed})
    answers = []
    for position, question in enumerate(questions):
        value = answer_value(question, form[question_field_name(question)])
        if value is not None:
            answers.append((question, position, value))
    citizen = existing_citizen
    if citizen is None:
        anonymous = bool(data.get("anonymous"))
        name = None if anonymous else (data.get("name") or "").strip() or None
        citizen = Citizen(
            organisation=organisation_id,
            name=name,
            initials=(data.get("initials") or "").strip() or _initials_from(name or "?"),
            anonymous=anonymous,
            birth_year=data.get("birth_year"),
            gender=data.get("gender") or "unknown",
            postal_code=(data.get("postal_code") or "").strip() or None,
            phone=None if anonymous else (data.get("phone") or "").strip() or None,
            email=None if anonymous else (data.get("email") or "").strip() or None,
            gp_practice=(data.get("gp_practice") or "").strip() or None,
            consent_on=today if data.get("consent") else None,
            consent_scope="Kontakt fra brobygger" if data.get("consent") else None,
        )
    referral = Referral(
        organisation=organisation_id,
        channel=channel_id,
        referrer_name=(data.get("referrer_name") or "").strip() or None,
        referrer_phone=(data.get("referrer_phone") or "").strip() or None,
        received_on=data.get("received_on") or today,
        assigned_to=assigned_to,
        status="received",
    )
    with write_transaction():
        if existing_citizen is None:
            citizen.save(force_insert=True)
        else:
            _complete(citizen, data, today)
        referral.citizen = citizen
        referral.save(force_insert=True)
        if reason_ids:
            ReferralReasonLink.insert_many(
                [{"referral": referral.id, "reason": reason_id} for reason_id in reason_ids]
            ).execute()
        if answers:
            IntakeAnswer.insert_many(
                [
                    {
                        "organisation": organisation_id,
                        "referral": referral.id,
                        "question": question.id,
                        "position": position,
                        "question_label": question.label,
                        "kind": question.kind,
                        "value": json.dumps(value, ensure_ascii=False),
                    }
                    for question, position, value in answers
                ]
            ).execute()
        submission = IntakeSubmission.create(
            organisation=organisation_id,
            token=token_nonce or secrets.token_urlsafe(16),
            reference=new_reference(),
            form=intake_form,
            source=source,
            referral=referral,
        )
        if user is not None:
            if existing_citizen is None:
                AuditLog.record("create", citizen, citizen.id, user=user)
            AuditLog.record("create", referral, referral.id, user=user)
        hook().brobygger_referral_created(referral=referral, source=source)
    return submission


def to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def link_to_citizen(referral, citizen, user):
    """Move `referral` to `citizen` (a duplicate found later). The citizen it leaves is removed
    when nothing else refers to it; otherwise it stays."""
    old = referral.citizen
    with db.atomic():
        # What the duplicate knew (a GP's consent date, a phone number) moves to the kept citizen.
        _complete(
            citizen,
            {"consent": old.consent_on is not None, **{name: getattr(old, name) for name in CONTACT_FIELDS}},
            old.consent_on,
        )
        Referral.update(citizen=citizen.id).where(Referral.id == referral.id).execute()
        referral.citizen = citizen
        Referral.refresh_search_keys(citizen)
        AuditLog.record("update", referral, referral.id, user=user)
        still_used = any(
            fk.model.select().where(condition).exists()
            for condition, fk in old.dependencies()
            if fk.model is not AuditLog
        )
        if not still_used:
            old.delete_instance()
            AuditLog.record("delete", old, old.id, user=user)


def submission_for_token(token_nonce):
    return IntakeSubmission.get_or_none(IntakeSubmission.token == token_nonce)


__all__ = ["IntegrityError", "TokenError", "find_similar_citizens", "issue_token", "read_token", "register_intake"]
