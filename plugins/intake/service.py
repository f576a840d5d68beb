"""Registering an intake: one domain function used by the public form and staff intake alike."""

import datetime
import json
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError

from plugins.api import (
    AuditLog,
    Citizen,
    Referral,
    ReferralChannel,
    ReferralReason,
    ReferralReasonLink,
    clean_text,
    create_citizen,
    db,
    fold,
    referral_created,
    write_transaction,
)
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
# What a consent given on an intake form covers (stored with the consent date).
CONSENT_SCOPE = "Kontakt fra brobygger"


def _complete(citizen, data, today):
    """Fill what a known citizen lacks from a new intake: consent, and contact details in empty
    fields (never for anonymous citizens). Nothing already recorded is overwritten."""
    changed = False
    if data.get("consent") and citizen.consent_on is None:
        citizen.consent_on, citizen.consent_scope = today, CONSENT_SCOPE
        changed = True
    if not citizen.anonymous and not data.get("anonymous"):
        for name in CONTACT_FIELDS:
            value = (data.get(name) or "").strip()
            if value and not getattr(citizen, name):
                setattr(citizen, name, value)
                changed = True
    if changed:
        citizen.save()


def _citizen_fields(data, today):
    """The citizen's fields from an intake's data (anonymous: initials or a pseudonym only)."""
    anonymous = bool(data.get("anonymous"))
    consent = bool(data.get("consent"))
    return {
        "name": None if anonymous else data.get("name"),
        "initials": data.get("initials"),
        "anonymous": anonymous,
        "birth_year": data.get("birth_year"),
        "gender": data.get("gender"),
        "postal_code": data.get("postal_code"),
        "phone": None if anonymous else data.get("phone"),
        "email": None if anonymous else data.get("email"),
        "gp_practice": data.get("gp_practice"),
        "consent_on": today if consent else None,
        "consent_scope": CONSENT_SCOPE if consent else None,
    }


def register_intake(
    organisation,
    data,
    answers,
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

    `data` holds the core fields' plain values (the intake form's ``.data``); `answers` is a list
    of (question, value) pairs for the organisation's own questions (see forms.form_answers).
    The submission row is written first: its unique token makes a form sent twice (a double click,
    two tabs) store nothing the second time; the first submission is returned then. Raises
    RuleError when the citizen breaks a rule (nothing stored). Returns the IntakeSubmission.

    Issue 15: what only reads (the channel and reasons allowed in the organisation — or the ids the
    caller read from its lists for this request, `allowed_channels` / `allowed_reasons`) is done
    before the transaction, which takes SQLite's write lock at BEGIN and writes each kind of row
    with one statement, the submission last (its unique token still rolls everything back).
    """
    try:
        return _register(
            organisation,
            data,
            answers,
            source,
            intake_form,
            token_nonce,
            existing_citizen,
            assigned_to,
            user,
            allowed_channels,
            allowed_reasons,
        )
    except IntegrityError:
        submission = submission_for_token(token_nonce) if token_nonce else None
        if submission is None:
            raise
        return submission


def _register(
    organisation,
    data,
    answers,
    source,
    intake_form,
    token_nonce,
    existing_citizen,
    assigned_to,
    user,
    allowed_channels=None,
    allowed_reasons=None,
):
    today = datetime.date.today()
    channel_id = _to_int(data.get("channel"))
    if channel_id is not None and allowed_channels is None:
        channel_id = (
            ReferralChannel.select(ReferralChannel.id)
            .where((ReferralChannel.id == channel_id) & (ReferralChannel.organisation == organisation.id))
            .scalar()
        )
    elif channel_id not in (allowed_channels or ()):
        channel_id = None
    if allowed_reasons is None:
        query = ReferralReason.select(ReferralReason.id).where(ReferralReason.organisation == organisation.id)
        allowed_reasons = {r.id for r in query}
    reason_ids = sorted({r for r in data.get("reasons") or () if r in allowed_reasons})
    answer_rows = [
        {
            "organisation": organisation.id,
            "question": question.id,
            "position": position,
            "question_label": question.label,
            "kind": question.kind,
            "value": json.dumps(value, ensure_ascii=False),
        }
        for position, (question, value) in enumerate(answers)
        if value is not None
    ]
    with write_transaction():
        if existing_citizen is None:
            citizen = create_citizen(organisation, **_citizen_fields(data, today))
        else:
            citizen = existing_citizen
            _complete(citizen, data, today)
        referral = Referral.create(
            organisation=organisation.id,
            citizen=citizen,
            channel=channel_id,
            referrer_name=clean_text(data.get("referrer_name")),
            referrer_phone=clean_text(data.get("referrer_phone")),
            received_on=data.get("received_on") or today,
            assigned_to=assigned_to,
        )
        if reason_ids:
            ReferralReasonLink.insert_many([{"referral": referral.id, "reason": r} for r in reason_ids]).execute()
        if answer_rows:
            IntakeAnswer.insert_many([{**row, "referral": referral.id} for row in answer_rows]).execute()
        submission = IntakeSubmission.create(
            organisation=organisation.id,
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
        else:  # a public form: no user, the organisation's own trail
            AuditLog.record(
                "submit", referral, referral.id, organisation=organisation.id, items=[("Citizen", citizen.id)]
            )
        referral_created(referral, source)
    return submission


def _to_int(value):
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


__all__ = ["TokenError", "find_similar_citizens", "issue_token", "read_token", "register_intake"]
