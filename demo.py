"""Demo data drawn from the seeds: a volunteer centre, its partners and activities, a few hundred
referrals across every channel and status, and Kirsten's journey (92, GP referral → network café)."""

import datetime
import json
import random

from extensions import db
from models import (
    Activity,
    ActivityCategory,
    ActivitySession,
    Attendance,
    CaseClosure,
    Citizen,
    ClosureReason,
    Contact,
    ContactKind,
    Instrument,
    Match,
    Measurement,
    Organisation,
    Partner,
    PartnerKind,
    Referral,
    ReferralChannel,
    ReferralReason,
    ReferralReasonLink,
    User,
    catalogue,
)
from models.catalogue import install_core_lists
from models.history import backfill_status_history
from models.onboarding import create_organisation
from plugins import hook

DEMO_SLUG = "demo"
DEMO_PASSWORD = "brobygger-demo"
DEMO_LOGINS = (
    ("admin@demo.dk", "admin"),
    ("koordinator@demo.dk", "coordinator"),
    ("brobygger@demo.dk", "bridge_builder"),
    ("partner@demo.dk", "partner"),
    ("evaluator@demo.dk", "evaluator"),
)

# (partner, kind code)
PARTNERS = (
    ("Frivilligcenter VSV", "volunteer_centre"),
    ("Ældre Sagen Vesterbro", "association"),
    ("Medborgerhuset Sydhavn", "community_house"),
    ("Kristkirken", "church"),
    ("En Som Dig", "association"),
    ("Seniormænd 60+", "association"),
    ("Kommunal psykiatri", "municipal_service"),
    ("Lægehuset Enghave", "gp_practice"),
)

# (name, partner, category code, frequency, weekday, practice community?)
ACTIVITIES = (
    ("Netværkscafé", "Frivilligcenter VSV", "cafe", "weekly", 2, True),
    ("Skovtur", "Frivilligcenter VSV", "walking", "weekly", 3, False),
    ("Mandag spisegruppe", "Ældre Sagen Vesterbro", "eating", "weekly", 0, False),
    ("Cafetur for En Som Dig", "En Som Dig", "cafe", "twice_monthly", 4, False),
    ("Mad og musik", "Medborgerhuset Sydhavn", "culture", "monthly", 4, False),
    ("Spisegruppe i medborgerhuset", "Medborgerhuset Sydhavn", "eating", "weekly", 1, False),
    ("Litteraturgruppe", "Kristkirken", "culture", "biweekly", 2, False),
    ("Yogagruppe", "Ældre Sagen Vesterbro", "exercise", "weekly", 1, False),
    ("+1 koncerter", "Medborgerhuset Sydhavn", "culture", "ad_hoc", None, False),
    ("Seniormænd 60+ værksted", "Seniormænd 60+", "creative", "weekly", 3, False),
)

FIRST_NAMES_F = ["Kirsten", "Inge", "Birthe", "Hanne", "Lone", "Grethe", "Åse", "Søs", "Mette", "Jytte"]
FIRST_NAMES_M = ["Søren", "Jørgen", "Bent", "Poul", "Erik", "Ole", "Niels", "Henning", "Æbbe", "Arne"]
LAST_NAMES = ["Hansen", "Jensen", "Nielsen", "Pedersen", "Mørk", "Sørensen", "Ærø", "Larsen", "Østergaard"]
POSTAL_CODES = ["1620", "1650", "1720", "1799", "2450", "2500"]
# How many days ago a demo case was received, by its status (closed and declined: three months to two years).
DEMO_AGE_DAYS = {"received": (0, 12), "contacted": (7, 120), "waiting": (14, 200), "active": (21, 300)}
CLOSED_AGE_DAYS = (90, 720)
OPEN_DEMO_STATUSES = ("contacted", "waiting", "active")


def ensure_lists(org):
    """Give an organisation the core default lists (models/catalogue.py); idempotent."""
    install_core_lists(org)


def _lookup(model, org):
    return {obj.code: obj for obj in model.select().where(model.organisation == org)}


def ensure_demo_logins(org, partner):
    names = {
        "admin": "Anne Admin",
        "coordinator": "Karen Koordinator",
        "bridge_builder": "Bo Brobygger",
        "partner": "Per Partner",
        "evaluator": "Eva Evaluator",
    }
    users = {}
    for email, role in DEMO_LOGINS:
        user = User.get_or_none(User.email == email)
        if user is None:
            user = User(
                email=email,
                organisation=org,
                name=names[role],
                role=role,
                partner=partner if role == "partner" else None,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[role] = user
    return users


def seed(referrals=300, rng_seed=2021):
    """Create the demo organisation. Returns False (and changes nothing) if it already exists."""
    if Organisation.select().where(Organisation.slug == DEMO_SLUG).exists():
        return False
    rng = random.Random(rng_seed)
    today = datetime.date.today()
    with db.atomic():
        # The same path as a real organisation (flask create-organisation): lists from the catalogue.
        org, _admin = create_organisation("Frivilligcenter Vesterbro-Sydhavnen", DEMO_SLUG)
        # Made-up SOR/EAN numbers of the right shape, so the MedCom message can be tried.
        Organisation.update(sor_code="100000000000001", ean_code="5790000000001", phone="33 00 00 00").where(
            Organisation.id == org.id
        ).execute()
        kinds, categories = _lookup(PartnerKind, org), _lookup(ActivityCategory, org)
        channels, reasons = _lookup(ReferralChannel, org), _lookup(ReferralReason, org)
        contact_kinds = _lookup(ContactKind, org)
        partners = {name: Partner.create(organisation=org, name=name, kind=kinds[kind]) for name, kind in PARTNERS}
        Partner.update(sor_code="100000000000002", ean_code="5790000000002").where(
            Partner.id == partners["Lægehuset Enghave"].id
        ).execute()
        users = ensure_demo_logins(org, partners["Ældre Sagen Vesterbro"])
        builders = [users["bridge_builder"]] + [
            _user(org, f"{first.lower()}@demo.dk", f"{first} Brobygger") for first in ("Susanne", "Mads")
        ]
        activities = {}
        for name, partner, category, frequency, weekday, practice in ACTIVITIES:
            activities[name] = Activity.create(
                organisation=org,
                partner=partners[partner],
                name=name,
                category=categories[category],
                frequency=frequency,
                weekday=weekday,
                start_time=datetime.time(13, 0) if weekday is not None else None,
                end_time=datetime.time(15, 0) if weekday is not None else None,
                place=partners[partner].name,
                postal_code="2450",
                city="København SV",
                how_to_join="Mød bare op, eller ring til frivilligcentret først.",
                is_practice=practice,
                public=not practice,
                price="self_payment" if "spise" in name.lower() else "free",
                active_from=today - datetime.timedelta(days=900),
            )
        cafe = activities["Netværkscafé"]
        cafe.leads_to = activities["Spisegruppe i medborgerhuset"]
        cafe.save()

        _kirsten(
            org,
            users["bridge_builder"],
            channels,
            reasons,
            contact_kinds,
            cafe,
            activities["Spisegruppe i medborgerhuset"],
            today,
        )

        statuses = ["received"] * 3 + ["contacted"] * 3 + ["active"] * 8 + ["waiting"] + ["declined"] + ["closed"] * 6
        channel_list, reason_list = list(channels.values()), list(reasons.values())
        closure_reasons = {r.code: r for r in ClosureReason.select().where(ClosureReason.organisation == org)}
        # Fredericia: cases end mostly through death, a move to a nursing home or severe illness.
        closure_weights = [
            closure_reasons[code]
            for code in (
                "bridged",
                "bridged",
                "bridged",
                "volunteer",
                "moved",
                "moved",
                "died",
                "died",
                "professional_help",
                "lost_contact",
                "declined",
            )
        ]
        activity_list = list(activities.values())
        for _i in range(referrals):
            female = rng.random() < 0.65
            first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
            last = rng.choice(LAST_NAMES)
            anonymous = rng.random() < 0.1
            birth_year = today.year - rng.choice([rng.randint(18, 59), rng.randint(60, 97), rng.randint(65, 90)])
            citizen = Citizen.create(
                organisation=org,
                anonymous=anonymous,
                name=None if anonymous else f"{first} {last}",
                initials=f"{first[0]}{last[0]}",
                birth_year=birth_year,
                gender="female" if female else "male",
                postal_code=rng.choice(POSTAL_CODES),
                phone=None if anonymous else f"2{rng.randint(1000000, 9999999)}",
                lives_alone=rng.random() < 0.7,
                consent_on=None if rng.random() < 0.2 else today - datetime.timedelta(days=rng.randint(1, 700)),
            )
            if citizen.consent_on:  # the same conversation: contact, partners and the GP (no extra draws)
                Citizen.update(
                    consent_how="oral",
                    partner_consent_on=citizen.consent_on,
                    partner_consent_how="oral",
                    gp_consent_on=citizen.consent_on,
                    gp_consent_how="oral",
                ).where(Citizen.id == citizen.id).execute()
            status = rng.choice(statuses)
            # As in a centre that keeps up: new referrals wait days, open cases are months old.
            age_days = rng.randint(*DEMO_AGE_DAYS.get(status, CLOSED_AGE_DAYS))
            received = today - datetime.timedelta(days=age_days)
            first_contact = (
                received + datetime.timedelta(days=rng.randint(1, 21)) if status not in ("received",) else None
            )
            referral = Referral.create(
                organisation=org,
                citizen=citizen,
                channel=rng.choice(channel_list),
                received_on=received,
                assigned_to=None if status == "received" else rng.choice(builders),
                status=status,
                first_contact_on=min(first_contact, today) if first_contact else None,
                referrer_name=rng.choice(["Dr. Holm", "Hjemmeplejen Syd", "Nabo", None]),
            )
            for reason in rng.sample(reason_list, rng.randint(1, 2)):
                ReferralReasonLink.create(referral=referral, reason=reason)
            if first_contact:
                Contact.create(
                    organisation=org,
                    referral=referral,
                    date=min(first_contact, today),
                    kind=rng.choice(list(contact_kinds.values())),
                    minutes=rng.choice([15, 30, 60, 90]),
                    by=referral.assigned_to,
                )
            if first_contact and status in OPEN_DEMO_STATUSES and rng.random() < 0.8:
                Contact.create(  # most open cases were seen lately; the rest show up as needing action
                    organisation=org,
                    referral=referral,
                    date=min(max(first_contact, today - datetime.timedelta(days=rng.randint(1, 25))), today),
                    kind=rng.choice(list(contact_kinds.values())),
                    minutes=rng.choice([30, 60]),
                    by=referral.assigned_to,
                )
            if status in ("active", "closed"):
                activity = rng.choice(activity_list)
                Match.create(
                    organisation=org,
                    referral=referral,
                    activity=activity,
                    status="joined" if status == "closed" else rng.choice(["suggested", "tried", "joined"]),
                    role="volunteer" if rng.random() < 0.1 else "participant",
                    accompanied=rng.random() < 0.3,
                    started_on=first_contact,
                )
            if status == "closed":
                closed_on = received + datetime.timedelta(days=rng.randint(min(60, age_days), min(420, age_days)))
                CaseClosure.create(
                    organisation=org,
                    referral=referral,
                    closed_on=max(closed_on, received),
                    reason=rng.choice(closure_weights),
                    by=referral.assigned_to,
                )
                Match.update(ended_on=max(closed_on, received)).where(Match.referral == referral.id).execute()
        hook().brobygger_seed_demo(organisation=org)
        backfill_status_history(org.id)  # the demo cases' status history, so Rapporter has figures
        for weeks_ago in range(12):
            ActivitySession.create(
                organisation=org,
                activity=cafe,
                date=today - datetime.timedelta(days=7 * weeks_ago + 1),
                head_count=rng.randint(6, 14),
            )
    return True


def _user(org, email, name):
    user = User(email=email, organisation=org, name=name, role="bridge_builder")
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _kirsten(org, builder, channels, reasons, contact_kinds, cafe, lasting, today):
    """The first seed's case: Kirsten, 92, referred by her GP, bridged via the network café."""
    kirsten = Citizen.create(
        organisation=org,
        name="Kirsten Holm",
        initials="KH",
        birth_year=today.year - 92,
        gender="female",
        postal_code="2450",
        lives_alone=True,
        gp_practice="Lægehuset Enghave",
        consent_on=today - datetime.timedelta(days=120),
        consent_how="oral",
        consent_scope="Kontakt og deltagelse i aktiviteter",
        partner_consent_on=today - datetime.timedelta(days=120),
        partner_consent_how="oral",
        gp_consent_on=today - datetime.timedelta(days=120),
        gp_consent_how="written",
    )
    referral = Referral.create(
        organisation=org,
        citizen=kirsten,
        channel=channels[catalogue.GP],
        referrer_name="Egen læge",
        received_on=today - datetime.timedelta(days=120),
        assigned_to=builder,
        status="active",
        first_contact_on=today - datetime.timedelta(days=115),
        note="Glad, men ensom. Savner nogen at dele tanker med i hverdagen.",
    )
    ReferralReasonLink.create(referral=referral, reason=reasons["emotional_loneliness"])
    ReferralReasonLink.create(referral=referral, reason=reasons["bereavement"])
    Contact.create(
        organisation=org,
        referral=referral,
        date=today - datetime.timedelta(days=115),
        kind=contact_kinds["phone"],
        minutes=20,
        by=builder,
    )
    Contact.create(
        organisation=org,
        referral=referral,
        date=today - datetime.timedelta(days=108),
        kind=contact_kinds["home_visit"],
        minutes=90,
        by=builder,
        note="Livshistorie. Intet lokalt tilbud som Fortæl for Livet.",
    )
    Match.create(
        organisation=org,
        referral=referral,
        activity=cafe,
        status="joined",
        accompanied=True,
        started_on=today - datetime.timedelta(days=100),
    )
    Match.create(organisation=org, referral=referral, activity=lasting, status="suggested")
    referral.review_on = today + datetime.timedelta(days=30)
    referral.save()
    instruments = {i.code: i for i in Instrument.select().where(Instrument.organisation == org)}
    for code, answers in (("ucla3", [3, 3, 2]), ("who5", [2, 2, 1, 2, 2])):
        instrument = instruments[code]
        Measurement.create(
            organisation=org,
            referral=referral,
            instrument=instrument,
            phase="intake",
            taken_on=today - datetime.timedelta(days=108),
            answers=json.dumps(answers),
            score=instrument.score(answers),
            by=builder,
        )
    session = ActivitySession.create(
        organisation=org, activity=cafe, date=today - datetime.timedelta(days=93), head_count=9
    )
    Attendance.create(organisation=org, session=session, citizen=kirsten)
