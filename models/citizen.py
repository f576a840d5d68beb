from peewee import BooleanField, CharField, DateField, IntegerField, fn

from i18n import _l
from models.base import VersionedModel, organisation_fk

GENDERS = (("female", _l("Woman")), ("male", _l("Man")), ("other", _l("Other")), ("unknown", _l("Not stated")))
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
    def look_alikes(cls, organisation_id, name=None, initials=None, birth_year=None, postal_code=None, phone=None):
        """Citizens of the organisation who may be the one described (one rule for every place
        citizens are created): the same folded name (or initials when no name), birth year and
        postal area — or the same phone number, however it was written."""
        from models.search import fold

        found = {}
        if birth_year and postal_code:
            wanted_name, wanted_initials = fold(name or ""), fold(initials or "")
            candidates = cls.select().where(
                (cls.organisation == organisation_id)
                & (cls.birth_year == birth_year)
                & (cls.postal_code == postal_code.strip())
            )
            for citizen in candidates.limit(200):
                if wanted_name:
                    alike = fold(citizen.name or "") == wanted_name
                else:
                    alike = bool(wanted_initials) and fold(citizen.initials or "") == wanted_initials
                if alike:
                    found[citizen.id] = citizen
        key = phone_key(phone)
        if key:
            digits = cls.phone
            for sign in (" ", "-", "+", ".", "(", ")"):
                digits = fn.REPLACE(digits, sign, "")
            candidates = cls.select().where((cls.organisation == organisation_id) & digits.endswith(key))
            for citizen in candidates.limit(200):
                if phone_key(citizen.phone) == key:
                    found.setdefault(citizen.id, citizen)
        return list(found.values())

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

        if not self.birth_year:
            return None
        age = datetime.date.today().year - self.birth_year
        return next((label for low, high, label in AGE_BANDS if low <= age <= high), None)
