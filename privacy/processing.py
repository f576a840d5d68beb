"""Every field of every model that refers to a citizen, tagged in one place.

A tag says what the field holds (category), why we may hold it (legal basis), for how long
(retention), what erasure does to it (`erase`) and whether it is free text. The record of
processing (art. 30), the access report (art. 15), erasure (art. 17) and minimal records all read
these tags; `untagged_fields()` names what is missing, and a test fails on any.

Which models refer to a citizen is found by introspection: the citizen, every model with a
foreign key to it, and — in turn — every model with a foreign key to one of those (a case, a
closing...). A plugin's model is covered the moment it is imported; its fields must be tagged
here (PLUGIN_TAGS lets a plugin outside this repository add its own).
"""

from dataclasses import dataclass

from peewee import ForeignKeyField

from i18n import _, _l
from models import Citizen
from models.base import BaseModel

# What erasure does to a field.
KEEP = "keep"  # statistics or structure: stays, the person behind it is gone
CLEAR = "clear"  # set to NULL
PSEUDONYM = "pseudonym"  # replaced by the record number ("#123")
BAND = "band"  # birth year: replaced by the age band at referral (stored on each case), then NULL
DERIVED = "derived"  # recomputed from the erased fields (search keys)
TEXT_ANSWERS = "text_answers"  # intake answers: free-text and date answers cleared, choices kept
MARK = "mark"  # set to the time of erasure

CATEGORIES = {
    "identity": _l("Identity (name, initials)"),
    "contact": _l("Contact details"),
    "demographic": _l("Demographics (birth year, gender, area, household)"),
    "social_health": _l("Social and health situation (art. 9)"),
    "case": _l("Course of the case (dates, status, activities)"),
    "consent": _l("Consents"),
    "referrer": _l("The referrer"),
    "staff": _l("Staff who worked on the case"),
    "link": _l("References between records"),
    "system": _l("System fields"),
}
BASES = {
    "consent_or_task": _l(
        "The citizen's consent (art. 6(1)(a) and 9(2)(a)); in a municipality the public task "
        "(art. 6(1)(e) and 9(2)(h), the Social Services Act)"
    ),
    "accountability": _l("Documenting consents and who did what (art. 5(2), 6(1)(c) and 7(1))"),
    "legitimate": _l("Legitimate interest in running the service (art. 6(1)(f))"),
}
RETENTIONS = {
    "case": _l("Until the organisation's retention period after the case ends; then erased"),
    "statistics": _l("Kept without a link to the person (anonymised) for the organisation's statistics"),
    "record": _l("As long as the record"),
}


@dataclass(frozen=True)
class Tag:
    category: str
    erase: str = KEEP
    basis: str = "consent_or_task"
    retention: str = "case"
    free_text: bool = False
    # Shown to a partner (first name or initials only, with the citizen's consent)?
    partners: bool = False

    def __post_init__(self):
        assert self.category in CATEGORIES and self.basis in BASES and self.retention in RETENTIONS


def _stat(category):
    return Tag(category, KEEP, retention="statistics")


def _gone(category, **kw):
    return Tag(category, CLEAR, **kw)


def _text(category="social_health"):
    return Tag(category, CLEAR, free_text=True)


_LINK = Tag("link", KEEP, basis="legitimate", retention="record")
_STAFF = Tag("staff", KEEP, basis="accountability", retention="record")
_CONSENT = Tag("consent", KEEP, basis="accountability", retention="statistics")

# Fields every model has; tagged once.
SYSTEM = {
    name: Tag("system", KEEP, basis="legitimate", retention="record")
    for name in ("id", "created_at", "updated_at", "version", "organisation")
}

# table name → field name → tag. Core and built-in plugins.
TAGS = {
    "citizen": {
        "name": Tag("identity", CLEAR, partners=True),
        "initials": Tag("identity", PSEUDONYM, partners=True),
        "anonymous": _stat("identity"),
        "birth_year": Tag("demographic", BAND),
        "gender": _stat("demographic"),
        "postal_code": _gone("demographic"),
        "phone": _gone("contact"),
        "phone_key": _gone("contact"),  # the phone's last eight digits, for the look-alike check
        "email": _gone("contact"),
        "address": _gone("contact"),
        "lives_alone": _stat("demographic"),
        "gp_practice": _gone("contact"),
        "consent_on": _CONSENT,
        "consent_how": _CONSENT,
        "consent_scope": Tag("consent", CLEAR, basis="accountability", free_text=True),
        "partner_consent_on": Tag("consent", CLEAR, basis="accountability"),
        "partner_consent_how": Tag("consent", CLEAR, basis="accountability"),
        "gp_consent_on": _CONSENT,
        "gp_consent_how": _CONSENT,
        "erased_at": Tag("system", MARK, basis="accountability", retention="record"),
        "external_id": _gone("identity"),  # another system's number for the person (import)
        "search_key": Tag("system", DERIVED, basis="legitimate"),
    },
    "referral": {
        "citizen": _LINK,
        "channel": _stat("case"),
        "referrer_name": _gone("referrer"),
        "referrer_phone": _gone("referrer"),
        "received_on": _stat("case"),
        "assigned_to": _STAFF,
        "status": _stat("case"),
        "first_contact_on": _stat("case"),
        "shared": _stat("case"),
        "note": _text(),
        "review_on": _stat("case"),
        "age_band": _stat("demographic"),
        "external_id": _gone("identity"),
        "search_key": Tag("system", DERIVED, basis="legitimate"),
    },
    "referral_reason_link": {"referral": _LINK, "reason": _stat("social_health")},
    # The bridge builder's notes on the case page (not kept in minimal-records organisations).
    # (the text column is NOT NULL: erasure overwrites it with the citizen's number)
    "case_note": {
        "referral": _LINK,
        "date": _stat("case"),
        "text": Tag("social_health", PSEUDONYM, free_text=True),
        "by": _STAFF,
    },
    "contact": {
        "referral": _LINK,
        "date": _stat("case"),
        "kind": _stat("case"),
        "minutes": _stat("case"),
        "note": _text(),
        "by": _STAFF,
    },
    "match": {
        "referral": _LINK,
        "activity": _stat("case"),
        "status": _stat("case"),
        "role": _stat("case"),
        "accompanied": _stat("case"),
        "started_on": _stat("case"),
        "ended_on": _stat("case"),
    },
    "attendance": {"session": _LINK, "citizen": _LINK},
    "status_change": {
        "referral": _LINK,
        "from_status": _stat("case"),
        "to_status": _stat("case"),
        "by": _STAFF,
        "at": _stat("case"),
        "effective_on": _stat("case"),
        "note": _stat("case"),  # set by the workflow only ("reopened"), never typed
    },
    # Derived from status_change by triggers (models/intervals.py), for the reports.
    "status_interval": {
        "referral": _LINK,
        "citizen": _LINK,
        "status": _stat("case"),
        "from_on": _stat("case"),
        "until_on": _stat("case"),
    },
    "waiting_list_entry": {"activity": _stat("case"), "referral": _LINK, "added_by": _STAFF},
    "case_assignment": {
        "referral": _LINK,
        "assigned_to": _STAFF,
        "effective_on": _stat("case"),
        "at": _stat("case"),
    },
    "case_closure": {
        "referral": _LINK,
        "closed_on": _stat("case"),
        "reason": _stat("case"),
        "note": _text(),
        "by": _STAFF,
        "reopened_at": _stat("case"),
    },
    "measurement": {
        "referral": _LINK,
        "instrument": _stat("social_health"),
        "phase": _stat("social_health"),
        "taken_on": _stat("social_health"),
        "answers": _stat("social_health"),
        "score": _stat("social_health"),
        "by": _STAFF,
        "at": _stat("case"),
    },
    "collab_note": {
        "referral": _LINK,
        "service": _stat("case"),
        "direction": _stat("case"),
        "date": _stat("case"),
        "channel": _stat("case"),
        "legal_basis": _stat("consent"),
        "consent_on": _CONSENT,
        "consent_scope": Tag("consent", CLEAR, basis="accountability", free_text=True),
        "consent_scope_code": _CONSENT,
        "summary": _text(),
        "handover": _stat("case"),
        "handover_status": _stat("case"),
        "followup_on": _stat("case"),
        "followup_owner": _STAFF,
        "followup_done_at": _stat("case"),
        "followup_done_by": _STAFF,
        "by": _STAFF,
    },
    "collab_gp_feedback": {
        "referral": _LINK,
        "given_at": _stat("case"),
        "form": _stat("case"),
        "by": _STAFF,
        "status": _stat("case"),  # the case's status the GP was told
        "receiver": _LINK,  # the GP practice (a partner), not a person
    },
    "ec_agreed": {"referral": _LINK, "criterion": _stat("case"), "agreed_on": _stat("case"), "by": _STAFF},
    "ec_closure_review": {
        "closure": _LINK,
        "unmet_required": _stat("case"),
        "justification": _text("case"),
        "justification_code": _stat("case"),
    },
    "ec_closure_check": {"closure": _LINK, "criterion": _stat("case"), "met": _stat("case")},
    "intake_submission": {
        "token": Tag("system", KEEP, basis="legitimate", retention="record"),
        "reference": Tag("system", KEEP, basis="legitimate", retention="record"),
        "form": _LINK,
        "referral": _LINK,
        "source": _stat("case"),
        "received_at": _stat("case"),
    },
    "intake_answer": {
        "referral": _LINK,
        "question": _LINK,
        "position": Tag("system", KEEP, basis="legitimate", retention="record"),
        "question_label": Tag("system", KEEP, basis="legitimate", retention="record"),
        "kind": Tag("system", KEEP, basis="legitimate", retention="record"),
        "value": Tag("social_health", TEXT_ANSWERS, free_text=True),
    },
}
# Plugins outside this repository add their tables' tags here (table → field → Tag).
PLUGIN_TAGS = {}


def tag_of(model, name):
    table = model._meta.table_name
    return SYSTEM.get(name) or {**TAGS.get(table, {}), **PLUGIN_TAGS.get(table, {})}.get(name)


ABSTRACT = ("BaseModel", "TenantModel", "VersionedModel", "Lookup")


def all_models():
    """Every concrete model class the running code has imported (core and plugins; not tests')."""
    found, todo = [], [BaseModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__name__ not in ABSTRACT and not sub.__module__.startswith("tests"):
                found.append(sub)
    return sorted(set(found), key=lambda m: m._meta.table_name)


def citizen_models(models=None):
    """The models that refer to a citizen, directly or through a case (or a closing, ...), each
    with its foreign keys into that set: [(model, [fk, ...])], the citizen first, parents before
    children."""
    models = list(models) if models is not None else all_models()
    covered = {Citizen: []}
    changed = True
    while changed:
        changed = False
        for model in models:
            if model in covered:
                continue
            fks = [f for f in model._meta.sorted_fields if isinstance(f, ForeignKeyField) and f.rel_model in covered]
            if fks:
                covered[model] = fks
                changed = True
    return list(covered.items())


def untagged_fields(models=None):
    """ "table.field" for every field of a citizen model that has no tag."""
    missing = []
    for model, _fks in citizen_models(models):
        for name in model._meta.fields:
            if tag_of(model, name) is None:
                missing.append(f"{model._meta.table_name}.{name}")
    return missing


def free_text_fields(model):
    """Names of `model`'s fields tagged free text (hidden and not asked in minimal records)."""
    return [name for name in model._meta.fields if (tag := tag_of(model, name)) is not None and tag.free_text]


def record_of_processing(models=None):
    """The record of processing's rows: one per personal-data field of a citizen model."""
    rows = []
    for model, _fks in citizen_models(models):
        for name, field in model._meta.fields.items():
            tag = tag_of(model, name)
            if tag is None or tag.category == "system":
                continue
            rows.append(
                {
                    "table": model._meta.table_name,
                    "record": model_label(model),
                    "field": name,
                    "label": str(field.verbose_name or name),
                    "category": tag.category,
                    "category_label": str(CATEGORIES[tag.category]),
                    "basis": str(BASES[tag.basis]),
                    "retention": str(RETENTIONS[tag.retention]),
                    "erase": tag.erase,
                    "free_text": tag.free_text,
                }
            )
    return rows


RECORD_LABELS = {
    "citizen": _l("Citizen"),
    "referral": _l("Case"),
    "referral_reason_link": _l("Referral reason"),
    "contact": _l("Contact"),
    "match": _l("Activity match"),
    "attendance": _l("Attendance"),
    "status_change": _l("Status change"),
    "status_interval": _l("Status period (for reports)"),
    "waiting_list_entry": _l("Waiting list"),
    "case_assignment": _l("Assignment to a bridge builder"),
    "case_closure": _l("Closing"),
    "measurement": _l("Outcome measurement"),
    "collab_note": _l("Collaboration note"),
    "collab_gp_feedback": _l("Feedback to the GP"),
    "case_note": _l("Note"),
    "ec_agreed": _l("Agreed end criterion"),
    "ec_closure_review": _l("Closing against the end criteria"),
    "ec_closure_check": _l("End criterion at closing"),
    "intake_submission": _l("Intake submission"),
    "intake_answer": _l("Intake answer"),
}


def model_label(model):
    return str(RECORD_LABELS.get(model._meta.table_name, model._meta.table_name))


HEADERS = (_l("Record"), _l("Field"), _l("Category"), _l("Legal basis"), _l("Retention"), _l("Free text"))


def record_of_processing_markdown(organisation):
    """The record of processing (art. 30) as Markdown."""
    facts = (
        (
            _("Purpose"),
            _("Social prescribing: contacting referred citizens, bridging them to communities, reporting figures."),
        ),
        (_("Data subjects"), _("Referred citizens and their referrers.")),
        (_("Recipients"), _("Partners (first name only, with consent); the referring GP (status only, with consent).")),
        (
            _("Retention"),
            _(
                "closed cases %(closed)s months after closing, declined referrals %(declined)s months.",
                closed=organisation.retention_closed_months,
                declined=organisation.retention_declined_months,
            ),
        ),
    )
    lines = [
        "# " + _("Record of processing") + " — " + organisation.name,
        "",
        _("Generated from the tagged fields of Brobygger's models. Controller: %(org)s.", org=organisation.name),
        "",
        *(f"- {label}: {text}" for label, text in facts),
        "",
        "| " + " | ".join(str(h) for h in HEADERS) + " |",
        "|---|---|---|---|---|---|",
    ]
    for row in record_of_processing():
        cells = [row["record"], row["label"], row["category_label"], row["basis"], row["retention"]]
        cells.append(_("Yes") if row["free_text"] else _("No"))
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
