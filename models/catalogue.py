"""The Danish default lists every new organisation starts with — the one place they are written.

Every entry has a stable `code`. Figures per channel, reason or closure reason are compared across
organisations by code, and code that looks an entry up uses the code, never the Danish name: an
organisation may rename "Praktiserende læge" to "Egen læge" and its GP referrals stay GP referrals.
`install_core_lists` copies the core lists into an organisation; plugins copy their part
(END_CRITERIA, INTAKE_FORMS) in their `brobygger_organisation_created` hook.
"""

import peewee as pw

from models.lookups import ActivityCategory, ContactKind, PartnerKind, ReferralChannel, ReferralReason, code_from
from models.outcomes import ClosureReason, Instrument
from models.search import fold

# -- referral channels (DESIGN §1, Fredericia's channels) ---------------------------------------
GP, HOME_CARE, HOME_NURSING, DEMENTIA_TEAM, PREVENTIVE_VISIT = (
    "gp",
    "home_care",
    "home_nursing",
    "dementia_team",
    "preventive_visit",
)
PSYCHIATRY, CIVIL_SOCIETY, RELATIVE, SELF_REFERRAL = "psychiatry", "civil_society", "relative", "self"
CHANNELS = (
    (GP, "Praktiserende læge"),
    (HOME_CARE, "Hjemmepleje"),
    (HOME_NURSING, "Hjemmesygepleje"),
    (DEMENTIA_TEAM, "Demensteam"),
    (PREVENTIVE_VISIT, "Forebyggende hjemmebesøg"),
    (PSYCHIATRY, "Psykiatrien"),
    (CIVIL_SOCIETY, "Civilsamfundet"),
    (RELATIVE, "Pårørende"),
    (SELF_REFERRAL, "Selvhenvendelse"),
)

REASONS = (
    ("emotional_loneliness", "Følelsesmæssig ensomhed"),
    ("social_isolation", "Social isolation"),
    ("bereavement", "Sorg efter tab"),
    ("newcomer", "Tilflytter uden netværk"),
    ("reduced_function", "Nedsat funktionsevne"),
    ("mental_illness", "Psykisk sygdom"),
    ("other", "Andet"),
)

ACTIVITY_CATEGORIES = (
    ("cafe", "Café"),
    ("walking", "Gåtur"),
    ("eating", "Spisefællesskab"),
    ("culture", "Kultur"),
    ("exercise", "Motion"),
    ("creative", "Kreativt"),
    ("conversation", "Samtalegruppe"),
)

# (code, name, a service we collaborate with and hand citizens on to)
MUNICIPAL_SERVICE, GP_PRACTICE = "municipal_service", "gp_practice"
PARTNER_KINDS = (
    ("association", "Forening", False),
    ("church", "Kirke", False),
    ("community_house", "Medborgerhus", False),
    ("volunteer_centre", "Frivilligcenter", False),
    (MUNICIPAL_SERVICE, "Kommunal tjeneste", True),
    (GP_PRACTICE, "Lægepraksis", True),
)

CONTACT_KINDS = (
    ("phone", "Telefon"),
    ("home_visit", "Hjemmebesøg"),
    ("meeting", "Møde"),
    ("group", "Gruppe"),
    ("accompanied", "Følgeskab"),
)

PROFESSIONAL_HELP = "professional_help"
CLOSURE_REASONS = (
    ("bridged", "Brobygget til varigt fællesskab"),
    ("volunteer", "Blevet frivillig"),
    (PROFESSIONAL_HELP, "Henvist til professionel hjælp"),
    ("moved", "Flyttet / plejehjem"),
    ("died", "Død"),
    ("declined", "Takket nej"),
    ("lost_contact", "Mistet kontakt efter flere forsøg"),
    ("other", "Andet"),
)

# Validated short instruments: item wording and answer anchors (from item_min up) as published
# in Danish. UCLA-3: Hughes et al. 2004, 1-3 per item, higher is lonelier. WHO-5: 0-5 per item,
# raw sum × 4 gives 0-100, higher is better.
UCLA3, WHO5 = "ucla3", "who5"
INSTRUMENTS = (
    {
        "code": UCLA3,
        "name": "UCLA ensomhedsskala (3 spørgsmål)",
        "items": (
            "Hvor ofte føler du, at du mangler nogen at være sammen med?",
            "Hvor ofte føler du dig udenfor?",
            "Hvor ofte føler du dig isoleret fra andre?",
        ),
        "anchors": ("Sjældent eller aldrig", "En gang imellem", "Ofte"),
        "item_min": 1,
        "item_max": 3,
        "factor": 1,
        "higher_is_better": False,
    },
    {
        "code": WHO5,
        "name": "WHO-5 trivselsindeks",
        "items": (
            "I de sidste 2 uger har jeg været glad og i godt humør",
            "I de sidste 2 uger har jeg følt mig rolig og afslappet",
            "I de sidste 2 uger har jeg følt mig aktiv og energisk",
            "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
            "I de sidste 2 uger har min dagligdag været fyldt med ting, der interesserer mig",
        ),
        "anchors": (
            "På intet tidspunkt",
            "Lidt af tiden",
            "Lidt mindre end halvdelen af tiden",
            "Lidt mere end halvdelen af tiden",
            "Det meste af tiden",
            "Hele tiden",
        ),
        "item_min": 0,
        "item_max": 5,
        "factor": 4,
        "higher_is_better": True,
    },
)

# (code, name, required) — copied by the end_criteria plugin.
END_CRITERIA = (
    ("lasting_community", "Deltager i mindst ét varigt fællesskab", True),
    ("knows_someone", "Kender nogen i fællesskabet ud over brobyggeren", True),
    ("agreed_ending", "Har aftalt afslutningen med brobyggeren", True),
    ("professional_help", "Er henvist videre til professionel hjælp, hvor der var behov", False),
)

# Intake forms by audience (the audience is the form's code) — copied by the intake plugin.
# Questions: (label, kind, required, choices, help text).
INTAKE_FORMS = {
    "public_gp": (
        "Social henvisning fra egen læge",
        "Henvis en borger, der oplever ensomhed, til en social brobygger. Borgeren skal have sagt ja til at "
        "blive kontaktet.",
        (
            ("Hvordan oplever borgeren sin ensomhed?", "long_text", False, None, "Kort, med borgerens egne ord."),
            (
                "Hvor ofte har borgeren kontakt med andre?",
                "single_choice",
                True,
                "Dagligt\nUgentligt\nSjældnere end ugentligt\nNæsten aldrig",
                None,
            ),
            ("Har borgeren brug for følgeskab til aktiviteter?", "yes_no", False, None, None),
            (
                "Interesser",
                "multiple_choice",
                False,
                "Gåture\nMad og fællesspisning\nKultur og musik\nHåndarbejde\nMotion\nSamtale",
                "Det, borgeren selv nævner.",
            ),
        ),
    ),
    "public_self": (
        "Jeg vil gerne tale med en brobygger",
        "Føler du dig ensom, eller kender du en, der gør? Skriv til os, så ringer en brobygger.",
        (
            ("Hvad vil du gerne have hjælp til?", "long_text", False, None, None),
            ("Hvornår på dagen er det bedst at ringe?", "single_choice", False, "Formiddag\nEftermiddag\nAften", None),
        ),
    ),
    "staff": (
        "Ny henvisning",
        "Registrér en henvisning modtaget pr. telefon eller ved et møde.",
        (
            ("Hvordan har borgeren det lige nu? (1 = meget dårligt, 5 = rigtig godt)", "scale", False, None, None),
            ("Borgerens ønsker til fællesskaber", "long_text", False, None, None),
            ("Aftalt første kontakt", "date", False, None, None),
        ),
    ),
}


def core_lists():
    """{model: [row dicts]} of the core lists (lookups, closure reasons, instruments)."""

    def rows(entries):
        return [{"code": code, "name": name, "position": i} for i, (code, name) in enumerate(entries)]

    return {
        ReferralChannel: rows(CHANNELS),
        ReferralReason: rows(REASONS),
        ActivityCategory: rows(ACTIVITY_CATEGORIES),
        PartnerKind: [
            {"code": code, "name": name, "service": service, "position": i}
            for i, (code, name, service) in enumerate(PARTNER_KINDS)
        ],
        ContactKind: rows(CONTACT_KINDS),
        ClosureReason: rows(CLOSURE_REASONS),
        Instrument: [
            {**spec, "items": "\n".join(spec["items"]), "anchors": "\n".join(spec["anchors"]), "position": i}
            for i, spec in enumerate(INSTRUMENTS)
        ],
    }


def install_core_lists(organisation):
    """Copy the core default lists into `organisation`; entries whose code it has are skipped
    (so running it twice, or on an organisation that renamed an entry, adds nothing twice)."""
    for model, rows in core_lists().items():
        have = {code for (code,) in model.select(model.code).where(model.organisation == organisation.id).tuples()}
        new = [{**row, "organisation": organisation.id} for row in rows if row["code"] not in have]
        for row in new:
            model.create(**row)


def codes_by_table():
    """{table name: [(code, name)]} of the core lists, for migrations that fill codes."""
    return {
        "referral_channel": (*CHANNELS, (GP, "Egen læge")),
        "referral_reason": REASONS,
        "activity_category": ACTIVITY_CATEGORIES,
        "partner_kind": [(code, name) for code, name, _service in PARTNER_KINDS],
        "contact_kind": CONTACT_KINDS,
        "closure_reason": CLOSURE_REASONS,
        "instrument": [(spec["code"], spec["name"]) for spec in INSTRUMENTS],
    }


def fill_codes(database, table_name, known):
    """Give every row of `table_name` without a code one: the catalogue's for a known name, else
    one made from the name; unique within each organisation's list."""
    by_name = {fold(name): code for code, name in known}
    table = pw.Table(table_name, ("id", "organisation_id", "name", "code")).bind(database)
    taken = {}
    rows = list(table.select(table.id, table.organisation_id, table.name, table.code).order_by(table.id).tuples())
    for _id, org, _name, code in rows:
        if code:
            taken.setdefault(org, set()).add(code)
    for row_id, org, name, code in rows:
        if code:
            continue
        wanted = by_name.get(fold(name)) or code_from(name)
        used = taken.setdefault(org, set())
        new, n = wanted, 1
        while new in used:
            n += 1
            new = f"{wanted[:36]}_{n}"
        used.add(new)
        table.update(code=new).where(table.id == row_id).execute()
