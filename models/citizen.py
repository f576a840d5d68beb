from peewee import BooleanField, CharField, DateField, DateTimeField, IntegerField, fn

from i18n import _l
from models.base import VersionedModel, organisation_fk

GENDERS = (("female", _l("Woman")), ("male", _l("Man")), ("other", _l("Other")), ("unknown", _l("Not stated")))
PARTNER_VISIBLE_MATCHES = ("suggested", "tried", "joined")
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


class Citizen(VersionedModel):
    """A referred person (borger). May be anonymous: initials or a pseudonym only."""

    organisation = organisation_fk()
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

    search_fields = ("name", "initials", "postal_code", "phone", "email")

    class Meta:
        indexes = (
            (("organisation", "search_key"), False),
            (("organisation", "created_at"), False),
            (("organisation", "birth_year", "postal_code"), False),  # the duplicate check
        )

    @classmethod
    def visible_to(cls, user):
        """Bridge builders see citizens with a case visible to them, or with no case yet."""
        from models.referral import Referral

        query = super().visible_to(user)
        if user.role == "bridge_builder":
            # Correlated EXISTS, one index probe per citizen: an IN list or an uncorrelated
            # NOT EXISTS made PostgreSQL hash every referral in the database.
            of_citizen = Referral.citizen == cls.id
            query = query.where(Referral.exists_for(of_citizen, user) | ~Referral.exists_for(of_citizen))
        elif user.role not in ("admin", "coordinator"):
            query = query.where(False)
        return query

    @classmethod
    def shown_to_partner(cls, partner_id):
        """The one rule for what a partner may see of a citizen (DESIGN.md §6): only with the
        citizen's consent to share with partners, and only while a match to one of the partner's
        activities is suggested, tried or joined on an open case — so a first-time visitor can be
        ticked, and nobody else is shown."""
        from models.activity import Activity
        from models.referral import OPEN_STATUSES, Match, Referral

        matched = (
            Match.select(Match.id)
            .join(Referral, on=(Match.referral == Referral.id))
            .join(Activity, on=(Match.activity == Activity.id))
            .where(
                (Referral.citizen == cls.id)
                & Referral.status.in_(OPEN_STATUSES)
                & Match.status.in_(PARTNER_VISIBLE_MATCHES)
                & (Activity.partner == partner_id)
            )
            .limit(1)
        )
        return cls.partner_consent_on.is_null(False) & cls.erased_at.is_null() & fn.EXISTS(matched)

    def save(self, *args, **kwargs):
        from models.referral import Referral

        renamed = self.id is not None
        result = super().save(*args, **kwargs)
        if renamed:
            Referral.refresh_search_keys(self)
        return result

    def __str__(self):
        if self.anonymous or not self.name:
            return self.initials
        return f"{self.name} ({self.initials})"

    @property
    def short_label(self):
        """First name or initials: all a partner may see of a participant."""
        if self.anonymous or not self.name:
            return self.initials
        return self.name.split()[0]

    @property
    def age(self):
        import datetime

        return datetime.date.today().year - self.birth_year if self.birth_year else None

    @property
    def age_band(self):
        import datetime

        return age_band_of(self.birth_year, datetime.date.today())

    @property
    def is_erased(self):
        return self.erased_at is not None


def age_band_of(birth_year, on):
    """The age band (e.g. "70-79") of someone born in `birth_year` on the date `on`, or None."""
    if not birth_year or on is None:
        return None
    age = on.year - birth_year
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), None)
