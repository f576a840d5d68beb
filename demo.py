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
)
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

DEFAULT_LISTS = {
    ReferralChannel: [
        "Praktiserende læge",
        "Hjemmepleje",
        "Hjemmesygepleje",
        "Demensteam",
        "Forebyggende hjemmebesøg",
        "Psykiatrien",
        "Civilsamfundet",
        "Pårørende",
        "Selvhenvendelse",
    ],
    ReferralReason: [
        "Følelsesmæssig ensomhed",
        "Social isolation",
        "Sorg efter tab",
        "Tilflytter uden netværk",
        "Nedsat funktionsevne",
        "Psykisk sygdom",
        "Andet",
    ],
    ActivityCategory: ["Café", "Gåtur", "Spisefællesskab", "Kultur", "Motion", "Kreativt", "Samtalegruppe"],
    PartnerKind: ["Forening", "Kirke", "Medborgerhus", "Frivilligcenter", "Kommunal tjeneste", "Lægepraksis"],
    ContactKind: ["Telefon", "Hjemmebesøg", "Møde", "Gruppe", "Følgeskab"],
}

# (partner, kind)
PARTNERS = (
    ("Frivilligcenter VSV", "Frivilligcenter"),
    ("Ældre Sagen Vesterbro", "Forening"),
    ("Medborgerhuset Sydhavn", "Medborgerhus"),
    ("Kristkirken", "Kirke"),
    ("En Som Dig", "Forening"),
    ("Seniormænd 60+", "Forening"),
    ("Kommunal psykiatri", "Kommunal tjeneste"),
    ("Lægehuset Enghave", "Lægepraksis"),
)

# (name, partner, category, frequency, weekday, practice community?)
ACTIVITIES = (
    ("Netværkscafé", "Frivilligcenter VSV", "Café", "weekly", 2, True),
    ("Skovtur", "Frivilligcenter VSV", "Gåtur", "weekly", 3, False),
    ("Mandag spisegruppe", "Ældre Sagen Vesterbro", "Spisefællesskab", "weekly", 0, False),
    ("Cafetur for En Som Dig", "En Som Dig", "Café", "twice_monthly", 4, False),
    ("Mad og musik", "Medborgerhuset Sydhavn", "Kultur", "monthly", 4, False),
    ("Spisegruppe i medborgerhuset", "Medborgerhuset Sydhavn", "Spisefællesskab", "weekly", 1, False),
    ("Litteraturgruppe", "Kristkirken", "Kultur", "biweekly", 2, False),
    ("Yogagruppe", "Ældre Sagen Vesterbro", "Motion", "weekly", 1, False),
    ("+1 koncerter", "Medborgerhuset Sydhavn", "Kultur", "ad_hoc", None, False),
    ("Seniormænd 60+ værksted", "Seniormænd 60+", "Kreativt", "weekly", 3, False),
)

FIRST_NAMES_F = ["Kirsten", "Inge", "Birthe", "Hanne", "Lone", "Grethe", "Åse", "Søs", "Mette", "Jytte"]
FIRST_NAMES_M = ["Søren", "Jørgen", "Bent", "Poul", "Erik", "Ole", "Niels", "Henning", "Æbbe", "Arne"]
LAST_NAMES = ["Hansen", "Jensen", "Nielsen", "Pedersen", "Mørk", "Sørensen", "Ærø", "Larsen", "Østergaard"]
POSTAL_CODES = ["1620", "1650", "1720", "1799", "2450", "2500"]


CLOSURE_REASONS = (
    ("Brobygget til varigt fællesskab", "bridged"),
    ("Blevet frivillig", "volunteer"),
    ("Henvist til professionel hjælp", "professional_help"),
    ("Flyttet / plejehjem", "moved"),
    ("Død", "died"),
    ("Takket nej", "declined"),
    ("Mistet kontakt efter flere forsøg", "lost_contact"),
    ("Andet", "other"),
)
INSTRUMENTS = (
    {
        "name": "UCLA ensomhedsskala (3 spørgsmål)",
        "code": "ucla3",
        "items": "Hvor ofte føler du, at du mangler nogen at være sammen med?\n"
        "Hvor ofte føler du dig udenfor?\nHvor ofte føler du dig isoleret fra andre?",
        "item_min": 1,
        "item_max": 3,
        "factor": 1,
        "higher_is_better": False,
    },
    {
        "name": "WHO-5 trivselsindeks",
        "code": "who5",
        "items": "I de sidste 2 uger har jeg været glad og i godt humør\n"
        "I de sidste 2 uger har jeg følt mig rolig og afslappet\n"
        "I de sidste 2 uger har jeg følt mig aktiv og energisk\n"
        "I de sidste 2 uger er jeg vågnet frisk og udhvilet\n"
        "I de sidste 2 uger har min dagligdag været fyldt med ting, der interesserer mig",
        "item_min": 0,
        "item_max": 5,
        "factor": 4,
        "higher_is_better": True,
    },
)


SERVICE_KINDS = ("Kommunal tjeneste", "Lægepraksis")


def ensure_lists(org):
    """Give an organisation the default lists, closure reasons and instruments (idempotent)."""
    for position, (name, code) in enumerate(CLOSURE_REASONS):
        ClosureReason.get_or_create(organisation=org, code=code, defaults={"name": name, "position": position})
    for position, spec in enumerate(INSTRUMENTS):
        Instrument.get_or_create(organisation=org, code=spec["code"], defaults={**spec, "position": position})
    for model, names in DEFAULT_LISTS.items():
        existing = {name for (name,) in model.select(model.name).where(model.organisation == org).tuples()}
        rows = [
            {"organisation": org, "name": name, "position": position}
            for position, name in enumerate(names)
            if name not in existing
        ]
        if rows:
            model.insert_many(rows).execute()
    PartnerKind.update(service=True).where(
        (PartnerKind.organisation == org) & PartnerKind.name.in_(SERVICE_KINDS)
    ).execute()


def _lookup(model, org):
    return {obj.name: obj for obj in model.select().where(model.organisation == org)}


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
        org = Organisation.create(name="Frivilligcenter Vesterbro-Sydhavnen", slug=DEMO_SLUG)
        ensure_lists(org)
        kinds, categories = _lookup(PartnerKind, org), _lookup(ActivityCategory, org)
        channels, reasons = _lookup(ReferralChannel, org), _lookup(ReferralReason, org)
        contact_kinds = _lookup(ContactKind, org)
        partners = {name: Partner.create(organisation=org, name=name, kind=kinds[kind]) for name, kind in PARTNERS}
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
                place=partners[partner].name,
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
            received = today - datetime.timedelta(days=rng.randint(0, 720))
            status = rng.choice(statuses)
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
                closed_on = min(received + datetime.timedelta(days=rng.randint(60, 420)), today)
                CaseClosure.create(
                    organisation=org,
                    referral=referral,
                    closed_on=max(closed_on, received),
                    reason=rng.choice(closure_weights),
                    by=referral.assigned_to,
                )
                Match.update(ended_on=max(closed_on, received)).where(Match.referral == referral.id).execute()
        hook().brobygger_seed_demo(organisation=org)
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
        consent_scope="Kontakt og deltagelse i aktiviteter",
    )
    referral = Referral.create(
        organisation=org,
        citizen=kirsten,
        channel=channels["Praktiserende læge"],
        referrer_name="Egen læge",
        received_on=today - datetime.timedelta(days=120),
        assigned_to=builder,
        status="active",
        first_contact_on=today - datetime.timedelta(days=115),
        note="Glad, men ensom. Savner nogen at dele tanker med i hverdagen.",
    )
    ReferralReasonLink.create(referral=referral, reason=reasons["Følelsesmæssig ensomhed"])
    ReferralReasonLink.create(referral=referral, reason=reasons["Sorg efter tab"])
    Contact.create(
        organisation=org,
        referral=referral,
        date=today - datetime.timedelta(days=115),
        kind=contact_kinds["Telefon"],
        minutes=20,
        by=builder,
    )
    Contact.create(
        organisation=org,
        referral=referral,
        date=today - datetime.timedelta(days=108),
        kind=contact_kinds["Hjemmebesøg"],
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
