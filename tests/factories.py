"""Data builders for tests. Every builder takes keyword overrides."""

import datetime
import itertools
from types import SimpleNamespace

from argon2 import PasswordHasher

from demo import ensure_lists
from models import (
    Activity,
    ActivitySession,
    Attendance,
    Citizen,
    Contact,
    Match,
    Organisation,
    Partner,
    Referral,
    ReferralChannel,
    ReferralReason,
    User,
)

PASSWORD = "test-password-123"
ROLES = ("admin", "coordinator", "bridge_builder", "partner", "evaluator")
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
_seq = itertools.count(1)


def make_org(**kw):
    n = next(_seq)
    org = Organisation.create(**{"name": f"Frivilligcenter {n}", "slug": f"org-{n}", **kw})
    ensure_lists(org)
    return org


def make_partner(org, **kw):
    return Partner.create(**{"organisation": org, "name": f"Partner {next(_seq)}", **kw})


def make_user(org, role="bridge_builder", partner=None, **kw):
    n = next(_seq)
    if role == "partner" and partner is None:
        partner = make_partner(org)
    return User.create(
        **{
            "organisation": org,
            "email": f"{role}{n}@example.dk",
            "name": f"{role.title()} {n}",
            "role": role,
            "partner": partner,
            "password_hash": _HASH,
            **kw,
        }
    )


def make_citizen(org, **kw):
    n = next(_seq)
    return Citizen.create(
        **{
            "organisation": org,
            "name": f"Borger {n}",
            "initials": f"B{n}",
            "birth_year": 1950,
            "gender": "female",
            "postal_code": "2450",
            "consent_on": datetime.date(2025, 1, 1),
            "consent_how": "oral",
            "partner_consent_on": datetime.date(2025, 1, 1),
            "partner_consent_how": "oral",
            "gp_consent_on": datetime.date(2025, 1, 1),
            "gp_consent_how": "written",
            **kw,
        }
    )


def make_referral(org, citizen=None, **kw):
    citizen = citizen or make_citizen(org)
    channel = ReferralChannel.select().where(ReferralChannel.organisation == org).first()
    return Referral.create(**{"organisation": org, "citizen": citizen, "channel": channel, **kw})


def make_activity(org, partner=None, **kw):
    partner = partner or make_partner(org)
    return Activity.create(**{"organisation": org, "partner": partner, "name": f"Aktivitet {next(_seq)}", **kw})


def make_session(activity, **kw):
    return ActivitySession.create(
        **{"organisation": activity.organisation_id, "activity": activity, "date": datetime.date(2025, 3, 3), **kw}
    )


def make_contact(referral, **kw):
    return Contact.create(**{"organisation": referral.organisation_id, "referral": referral, **kw})


def make_match(referral, activity, **kw):
    return Match.create(**{"organisation": referral.organisation_id, "referral": referral, "activity": activity, **kw})


def make_participant(activity, status="suggested"):
    """A citizen a partner may see at `activity`: consented to sharing, matched on an open case."""
    citizen = make_citizen(activity.organisation_id)
    make_match(make_referral(activity.organisation_id, citizen=citizen), activity, status=status)
    return citizen


def make_attendance(session, citizen):
    return Attendance.create(organisation=session.organisation_id, session=session, citizen=citizen)


def build_org_world(name):
    """One organisation with a user per role and one of every record, linked together."""
    org = make_org(name=name)
    partner = make_partner(org, name=f"{name} partner")
    other_partner = make_partner(org, name=f"{name} anden partner")
    users = {role: make_user(org, role, partner=partner if role == "partner" else None) for role in ROLES}
    activity = make_activity(org, partner=partner, name=f"{name} café")
    other_activity = make_activity(org, partner=other_partner, name=f"{name} gåtur")
    citizen = make_citizen(org, name=f"{name} borger")
    referral = make_referral(org, citizen=citizen, assigned_to=users["bridge_builder"])
    reason = ReferralReason.select().where(ReferralReason.organisation == org).first()
    session = make_session(activity)
    other_session = make_session(other_activity)
    return SimpleNamespace(
        org=org,
        partner=partner,
        other_partner=other_partner,
        users=users,
        activity=activity,
        other_activity=other_activity,
        citizen=citizen,
        referral=referral,
        reason=reason,
        contact=make_contact(referral, minutes=30),
        match=make_match(referral, activity, status="joined"),
        session=session,
        other_session=other_session,
        attendance=make_attendance(session, citizen),
        other_attendance=make_attendance(other_session, citizen),
        channel=referral.channel,
    )


def build_world():
    return SimpleNamespace(a=build_org_world("Alfa"), b=build_org_world("Beta"))


def build_rich_case(side, n=5):
    """Give `side.referral` (of build_org_world) `n` rows of every kind its case page shows:
    contacts, matches (a practice community leading on), measurements, notes, status changes, a
    reopened closing, intake answers, collaboration notes (with follow-ups), GP feedback, agreed
    end criteria and a look-alike citizen. The case page's query count must not grow with `n`."""
    import json

    from models import Measurement
    from models.lookups import ContactKind, PartnerKind
    from models.outcomes import CaseClosure, ClosureReason, Instrument
    from models.referral import CaseNote, ReferralReasonLink
    from models.workflow import StatusChange
    from plugins.collaboration.models import CollaborationNote, GpFeedback
    from plugins.end_criteria.models import AgreedCriterion, EndCriterion
    from plugins.intake.models import IntakeAnswer

    org, case, builder = side.org, side.referral, side.users["bridge_builder"]
    start = datetime.date(2025, 1, 6)
    Citizen.update(phone="20 30 40 50", gp_practice="Lægehuset Nord", lives_alone=True).where(
        Citizen.id == case.citizen_id
    ).execute()
    make_citizen(org, name=f"{side.citizen.name} kopi", phone="20304050")  # a look-alike (the same phone)
    for reason in ReferralReason.select().where(ReferralReason.organisation == org).limit(2):
        ReferralReasonLink.get_or_create(referral=case, reason=reason)
    kinds = list(ContactKind.select().where(ContactKind.organisation == org))
    instruments = list(Instrument.select().where(Instrument.organisation == org))
    service_kind = PartnerKind.get((PartnerKind.organisation == org.id) & (PartnerKind.name == "Kommunal tjeneste"))
    gp = make_partner(org, name="Lægehuset Nord", kind=service_kind, sor_code="123456789", ean_code="5790000123456")
    onward = make_activity(org, partner=side.partner, name="Spisefællesskab")
    reason = ClosureReason.select().where(ClosureReason.organisation == org).first()
    closure = CaseClosure.create(organisation=org, referral=case, closed_on=start, reason=reason)
    CaseClosure.update(reopened_at=datetime.datetime(2025, 1, 7, 9, 0)).where(CaseClosure.id == closure.id).execute()
    for i in range(n):
        day = start + datetime.timedelta(days=7 * i)
        make_contact(case, minutes=10 + i, date=day, kind=kinds[i % len(kinds)], by=builder, note=f"Samtale {i}")
        practice = make_activity(org, partner=side.partner, is_practice=True, leads_to=onward, name=f"Netværkscafé {i}")
        make_match(case, practice, status="joined", started_on=day)
        for instrument in instruments:
            Measurement.create(
                organisation=org,
                referral=case,
                instrument=instrument,
                phase="during",
                taken_on=day,
                answers=json.dumps([1] * len(instrument.item_list)),
                score=float(len(instrument.item_list) + i),
            )
        CaseNote.create(organisation=org, referral=case, date=day, text=f"Note {i}", by=builder)
        StatusChange.create(referral=case, from_status="received", to_status="contacted", by=builder, effective_on=day)
        IntakeAnswer.create(
            organisation=org,
            referral=case,
            position=i,
            question_label=f"Spørgsmål {i}",
            kind="short_text",
            value='"Ja"',
        )
        CollaborationNote.create(
            organisation=org,
            referral=case,
            service=gp if i % 2 else make_partner(org, name=f"Jobcenter {i}", kind=service_kind),
            date=day,
            summary=f"Aftalt {i}",
            followup_on=day + datetime.timedelta(days=14),
            followup_owner=builder,
            by=builder,
        )
        GpFeedback.create(organisation=org, referral=case, form="print", by=builder, status="contacted", receiver=gp)
        criterion = EndCriterion.create(organisation=org, name=f"Kriterium {i} ({case.id})", required=i == 0)
        AgreedCriterion.create(referral=case, criterion=criterion, agreed_on=day, by=builder)
    return case
