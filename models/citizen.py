"""Citizens (borgere): named or anonymous, and the one function that registers one."""

import datetime

from peewee import BooleanField, CharField, DateField, DateTimeField, IntegerField

from i18n import _l
from models.organisation import VersionedModel, organisation_fk
from models.roles import BRIDGE_BUILDER, TEAM_LEADS
from models.rules import RuleError, check_birth_year, clean_text, normalise_email, not_in_future
from models.search import fold

GENDERS = (("female", _l("Woman")), ("male", _l("Man")), ("other", _l("Other")), ("unknown", _l("Not stated")))
CONSENT_WAYS = (
    ("oral", _l("Orally")),
    ("written", _l("In writing")),
    ("digital", _l("Digitally (a form)")),
    ("via_referrer", _l("Through the referrer")),
)
AGE_BANDS = (
    (0, 17, "0-17"),
    (18, 29, "18-29"),
    (30, 44, "30-44"),
    (45, 59, "45-59"),
    (60, 69, "60-69"),
    (70, 79, "70-79"),
    (80, 89, "80-89"),
    (90, 200, "90+"),
)


def phone_key(phone):
    """A phone number's last eight digits ("+45 12 34 56 78" and "12345678" are one number)."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return digits[-8:] if len(digits) >= 8 else ""


def age_band(age):
    """The report band ("60-69") an age falls in, or None for an unknown age."""
    if age is None:
        return None
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), None)


# What an anonymous citizen never has.
CONTACT_DETAILS = ("name", "phone", "email", "address")
ANONYMOUS_WITH_DETAILS = _l(
    "An anonymous citizen has initials or a pseudonym only: leave name and contact details empty."
)
NO_INITIALS = _l("Enter initials or a pseudonym.")
CONSENT_IN_FUTURE = _l("The consent date cannot be in the future.")
ERASED = _l("The citizen is anonymised; the record cannot be changed.")
# Consents as data: each a date and how it was given (contact, share with partners, inform the GP).
CONSENTS = (
    ("consent_on", "consent_how"),
    ("partner_consent_on", "partner_consent_how"),
    ("gp_consent_on", "gp_consent_how"),
)


def check_consents(citizen):
    """Each consent has both its date (not in the future) and how it was given, or neither."""
    for date_name, how_name in CONSENTS:
        given, how = getattr(citizen, date_name), getattr(citizen, how_name) or None
        not_in_future(given, CONSENT_IN_FUTURE)
        if given and not how:
            raise RuleError(_l("Say how each consent was given (orally, in writing, ...)."))
        if how and not given:
            raise RuleError(_l("Give the date of each consent you say was given."))


def initials_from(name):
    """ "Søren Mørk" → "SM": the initials a citizen gets when only a name is given."""
    return "".join(part[0] for part in (name or "").split() if part)[:20].upper()


def check_anonymity(anonymous, initials, details, allow_anonymous=True):
    """The anonymity rule: an anonymous citizen has initials or a pseudonym and nothing else,
    and only in an organisation that registers anonymous citizens. `details` are the values of
    CONTACT_DETAILS."""
    if not anonymous:
        return
    if not allow_anonymous:
        raise RuleError(_l("Your organisation does not register anonymous citizens."))
    if not (initials or "").strip():
        raise RuleError(NO_INITIALS)
    if any((value or "").strip() for value in details):
        raise RuleError(ANONYMOUS_WITH_DETAILS)


class Citizen(VersionedModel):
    """A referred person (borger). May be anonymous: initials or a pseudonym only."""

    organisation = organisation_fk()
    external_id = CharField(max_length=100, null=True, verbose_name=_l("External id"))  # set by import
    name = CharField(max_length=200, null=True, verbose_name=_l("Name"))
    initials = CharField(max_length=20, verbose_name=_l("Initials or pseudonym"))
    anonymous = BooleanField(
        default=False,
        verbose_name=_l("Anonymous"),
        help_text=_l("Registered by initials or pseudonym only; no contact details."),
    )
    birth_year = IntegerField(null=True, verbose_name=_l("Birth year"))
    gender = CharField(max_length=10, choices=GENDERS, default="unknown", verbose_name=_l("Gender"))
    postal_code = CharField(max_length=10, null=True, verbose_name=_l("Postal code"))
    phone = CharField(max_length=40, null=True, verbose_name=_l("Phone"))
    email = CharField(max_length=254, null=True, verbose_name=_l("E-mail"))
    address = CharField(max_length=200, null=True, verbose_name=_l("Address"))
    lives_alone = BooleanField(null=True, verbose_name=_l("Lives alone"))
    gp_practice = CharField(max_length=200, null=True, verbose_name=_l("GP practice"))
    consent_on = DateField(
        null=True,
        verbose_name=_l("Consent given"),
        help_text=_l("Date the citizen agreed to be registered and contacted."),
    )
    consent_scope = CharField(max_length=200, null=True, verbose_name=_l("Consent scope"))
    # Consent as data (GDPR): each consent with its date and how it was given.
    consent_how = CharField(max_length=20, null=True, choices=CONSENT_WAYS, verbose_name=_l("Consent given how"))
    partner_consent_on = DateField(
        null=True,
        verbose_name=_l("Consent to share first name with partners"),
        help_text=_l("Date the citizen agreed that partners running their activities see their first name."),
    )
    partner_consent_how = CharField(
        max_length=20, null=True, choices=CONSENT_WAYS, verbose_name=_l("Partner consent given how")
    )
    gp_consent_on = DateField(
        null=True,
        verbose_name=_l("Consent to inform the GP"),
        help_text=_l("Date the citizen agreed that the referring GP is told how the case goes."),
    )
    gp_consent_how = CharField(max_length=20, null=True, choices=CONSENT_WAYS, verbose_name=_l("GP consent given how"))
    erased_at = DateTimeField(null=True, verbose_name=_l("Anonymised"))
    search_key = CharField(max_length=500, default="", index=True)
    # The phone's last eight digits (phone_key), kept for the look-alike check's index.
    phone_key = CharField(max_length=8, null=True)

    search_fields = ("name", "initials", "postal_code", "phone", "email")

    class Meta:
        indexes = (
            (("organisation", "search_key"), False),
            (("organisation", "created_at"), False),
            (("organisation", "birth_year", "postal_code"), False),  # the duplicate check
            (("organisation", "phone_key"), False),  # the duplicate check by phone
        )

    @classmethod
    def visible_to(cls, user):
        """Bridge builders see citizens with a case visible to them, or with no case yet."""
        Referral = cls.case_model()
        query = super().visible_to(user)
        if user.role == BRIDGE_BUILDER:
            # Correlated EXISTS, one index probe per citizen: an IN list or an uncorrelated
            # NOT EXISTS made PostgreSQL hash every referral in the database.
            of_citizen = Referral.citizen == cls.id
            query = query.where(Referral.exists_for(of_citizen, user) | ~Referral.exists_for(of_citizen))
        elif user.role not in TEAM_LEADS:
            query = query.where(False)
        return query

    @classmethod
    def case_model(cls):
        """The case model (Referral), reached through its backref: models/referral.py imports this
        module, so importing it here would make the model graph a cycle."""
        return cls.referrals.rel_model

    def clean(self, organisation):
        """Normalise the record and check every rule on it before a save (RuleError if one fails).
        Admin forms, intake and import all call it, through create_citizen or directly."""
        self.name = clean_text(self.name)
        self.initials = clean_text(self.initials) or initials_from(self.name)
        if not self.initials:
            raise RuleError(NO_INITIALS)
        for name in ("postal_code", "phone", "address", "gp_practice", "consent_scope"):
            setattr(self, name, clean_text(getattr(self, name)))
        self.email = normalise_email(self.email)
        check_anonymity(
            self.anonymous,
            self.initials,
            [getattr(self, name) for name in CONTACT_DETAILS],
            allow_anonymous=organisation.allow_anonymous,
        )
        check_birth_year(self.birth_year)
        if self.erased_at is not None:
            raise RuleError(ERASED)
        check_consents(self)
        self.gender = self.gender or "unknown"
        return self

    @classmethod
    def look_alikes(cls, organisation_id, name=None, initials=None, birth_year=None, postal_code=None, phone=None):
        """Citizens of the organisation who may be the one described (one rule for every place
        citizens are created): the same folded name (or initials when no name), birth year and
        postal area — or the same phone number, however it was written."""
        candidates = cls.look_alike_queries(organisation_id, name, initials, birth_year, postal_code, phone)
        return cls.pick_look_alikes([(list(query), alike) for query, alike in candidates])

    @classmethod
    def look_alike_queries(
        cls, organisation_id, name=None, initials=None, birth_year=None, postal_code=None, phone=None, among=None
    ):
        """look_alikes' rule as [(query of candidates, alike(citizen) → bool)], for a page that
        runs the queries together with its others (the case page). `among`: the query to look in
        (e.g. `visible_to(user)` with the columns wanted), by default every citizen; its rule
        applies to each candidate row, so no list of the organisation's citizens is built."""
        base = among if among is not None else cls.select()
        found = []
        if birth_year and postal_code:
            wanted_name, wanted_initials = fold(name or ""), fold(initials or "")

            def same_name(citizen):
                if wanted_name:
                    return fold(citizen.name or "") == wanted_name
                return bool(wanted_initials) and fold(citizen.initials or "") == wanted_initials

            query = base.where(
                (cls.organisation == organisation_id)
                & (cls.birth_year == birth_year)
                & (cls.postal_code == postal_code.strip())
            )
            found.append((query.order_by(cls.id).limit(200), same_name))
        key = phone_key(phone)
        if key:
            query = base.where((cls.organisation == organisation_id) & (cls.phone_key == key))
            found.append((query.order_by(cls.id).limit(200), lambda citizen: phone_key(citizen.phone) == key))
        return found

    @staticmethod
    def pick_look_alikes(candidates):
        """The look-alikes among [(candidate rows, alike)] of look_alike_queries, each once."""
        found = {}
        for rows, alike in candidates:
            for citizen in rows:
                if alike(citizen):
                    found.setdefault(citizen.id, citizen)
        return list(found.values())

    def touch(self):
        super().touch()
        self.phone_key = phone_key(self.phone) or None

    def save(self, *args, **kwargs):
        renamed = self.id is not None
        result = super().save(*args, **kwargs)
        if renamed:  # the cases' search keys hold the citizen's name
            self.case_model().refresh_search_keys(self)
        return result

    label_fields = ("name", "initials", "anonymous")

    def __str__(self):
        if self.anonymous or not self.name:
            return self.initials
        return f"{self.name} ({self.initials})"

    @classmethod
    def visible_to_partner(cls, partner_id, activity_id=None):
        """The citizens a partner may see, DESIGN.md §6 (the rule is Match.citizens_visible_to_partner;
        reached through the backrefs, as models/referral.py imports this module)."""
        match_model = cls.case_model().matches.rel_model
        return match_model.citizens_visible_to_partner(partner_id, activity_id)

    @property
    def partner_label(self):
        """What a partner sees of a participant: first name plus a short mark (the surname's
        initial, else the birth year) so two Hannes differ. Bridge builders see the same label."""
        if self.anonymous or not self.name:
            return self.initials
        parts = self.name.split()
        if len(parts) > 1:
            return f"{parts[0]} {parts[-1][0]}."
        return f"{parts[0]} ({self.birth_year})" if self.birth_year else parts[0]

    @property
    def short_label(self):
        """First name or initials: all a partner may see of a participant."""
        if self.anonymous or not self.name:
            return self.initials
        return self.name.split()[0]

    @property
    def age(self):
        return datetime.date.today().year - self.birth_year if self.birth_year else None

    @property
    def is_erased(self):
        return self.erased_at is not None


def age_band_of(birth_year, on):
    """The age band (e.g. "70-79") of someone born in `birth_year` on the date `on`, or None."""
    if not birth_year or on is None:
        return None
    return age_band(on.year - birth_year)


def create_citizen(organisation, **fields):
    """Register a citizen in `organisation` from plain values (the model's field names): the one
    way a citizen is created — by the admin form's rules, staff intake, the public form and import.
    Raises RuleError when a rule fails; nothing is stored then."""
    citizen = Citizen(organisation=organisation.id, **fields)
    citizen.clean(organisation)
    citizen.save()
    return citizen
