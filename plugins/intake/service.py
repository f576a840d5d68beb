"""Registering an intake: one domain function used by the public form and staff intake alike."""

import datetime
import json
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError, fn

from plugins.api import (
    ADMIN,
    COORDINATOR,
    AuditLog,
    Citizen,
    Compiled,
    Referral,
    ReferralChannel,
    ReferralReason,
    ReferralReasonLink,
    _,
    clean_text,
    create_citizen,
    db,
    referral_created,
    utcnow,
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


def find_similar_citizens(organisation_id, name, initials, birth_year, postal_code, limit=10, phone=None):
    """Citizens of the organisation who look like the one described (Citizen.look_alikes: the
    same folded name, birth year and postal area, or the same phone number)."""
    return Citizen.look_alikes(organisation_id, name, initials, birth_year, postal_code, phone)[:limit]


CONTACT_FIELDS = ("phone", "email", "gp_practice")
# What a consent given on an intake form covers (stored with the consent date).
CONSENT_SCOPE = "Kontakt fra brobygger"


def consent_way(source):
    """How a consent recorded by an intake was given: ticked by the citizen or the referrer on the
    public form, or told to staff."""
    return "digital" if source == "public_form" else "oral"


def _complete(citizen, data, today, how="oral"):
    """Fill what a known citizen lacks from a new intake: consent, and contact details in empty
    fields (never for anonymous citizens). Nothing already recorded is overwritten."""
    changed = False
    if data.get("consent") and citizen.consent_on is None:
        citizen.consent_on, citizen.consent_how, citizen.consent_scope = today, how, CONSENT_SCOPE
        changed = True
    if not citizen.anonymous and not data.get("anonymous"):
        for name in CONTACT_FIELDS:
            value = (data.get(name) or "").strip()
            if value and not getattr(citizen, name):
                setattr(citizen, name, value)
                changed = True
    if changed:
        citizen.save()


def _citizen_fields(data, today, how="oral"):
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
        "consent_how": how if consent else None,
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
    `allowed_channels` / `allowed_reasons`: the ids the caller already read from the
    organisation's lists (the public form's choices); read here when not given.

    Everything that only reads (which channel and reasons the organisation has, the answers' JSON)
    is done before the transaction, and rows of one kind are written with one statement, so the
    write lock is held for a few statements (issue 15: the public form's throughput). The
    submission's unique token makes a form sent twice (a double click, two tabs) roll the whole
    transaction back; the first submission is returned then. Raises RuleError when the citizen
    breaks a rule (nothing stored). Returns the IntakeSubmission.
    """
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
        allowed_reasons = {reason_id for (reason_id,) in query.tuples()}
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
    try:
        return _register(
            organisation,
            data,
            today,
            source,
            channel_id,
            reason_ids,
            answer_rows,
            intake_form,
            token_nonce,
            existing_citizen,
            assigned_to,
            user,
        )
    except IntegrityError:
        submission = submission_for_token(token_nonce) if token_nonce else None
        if submission is None:
            raise
        return submission


def _register(
    organisation,
    data,
    today,
    source,
    channel_id,
    reason_ids,
    answer_rows,
    intake_form,
    token_nonce,
    existing_citizen,
    assigned_to,
    user,
):
    # On SQLite every transaction takes the write lock at BEGIN (database.py): from here on, other
    # submissions wait, so only writes follow.
    with db.atomic():
        if existing_citizen is None:
            citizen = create_citizen(organisation, **_citizen_fields(data, today, consent_way(source)))
        else:
            citizen = existing_citizen
            _complete(citizen, data, today, consent_way(source))
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


# Read on every public submission: their SQL built once (compiled.py; issue 15).
_BY_TOKEN = Compiled(lambda token: IntakeSubmission.select().where(IntakeSubmission.token == token).limit(1))
_PUBLIC_SINCE = Compiled(
    lambda organisation_id, since: IntakeSubmission.select(fn.COUNT(IntakeSubmission.id)).where(
        (IntakeSubmission.organisation == organisation_id)
        & (IntakeSubmission.source == "public_form")
        & (IntakeSubmission.received_at > since)
    ),
    raw=True,  # a count
)


def submission_for_token(token_nonce):
    found = _BY_TOKEN(token_nonce)
    return found[0] if found else None


def public_submissions_last_hour(organisation_id):
    return _PUBLIC_SINCE(organisation_id, utcnow() - datetime.timedelta(hours=1))[0][0]


def ceiling_reached(organisation_id):
    """Whether the organisation's public forms took INTAKE_HOURLY_CEILING referrals this hour (a
    flood, by a script or a mistake, must not bury the real ones nor fill the database)."""
    return public_submissions_last_hour(organisation_id) >= current_app.config["INTAKE_HOURLY_CEILING"]


def ceiling_notices(user):
    """The start-page notice for coordinators and admins while the ceiling holds."""
    if user.role not in (ADMIN, COORDINATOR) or not ceiling_reached(user.organisation_id):
        return None
    return [
        (
            "warning",
            _(
                "The public referral form received %(num)s referrals in the last hour and takes no "
                "more until the hour has passed. Check the new referrals for misuse.",
                num=current_app.config["INTAKE_HOURLY_CEILING"],
            ),
        )
    ]


__all__ = ["TokenError", "find_similar_citizens", "issue_token", "read_token", "register_intake"]
