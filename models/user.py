"""Users: login, role, organisation and (for partner users) their partner; argon2 passwords."""

import contextlib
import hashlib
import hmac
import secrets
import time

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from peewee import JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from i18n import _l
from models.base import utcnow
from models.organisation import Organisation, VersionedModel, organisation_fk
from models.partner import Partner
from models.roles import OPERATOR, ROLES
from models.rules import normalise_email

_hasher = PasswordHasher()


def configure_password_hashing(params=None):
    """Set argon2 parameters (None: argon2-cffi's defaults). Tests use cheap ones to run fast."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(**(params or {}))
    _dummy_hash = None


_dummy_hash = None


def _spend_a_verification(password):
    """Verify against a throwaway hash, so an unknown e-mail takes as long as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("no-such-user")
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash, password)


class User(UserMixin, VersionedModel):
    organisation = organisation_fk(null=True)  # None for operators only
    search_key = CharField(max_length=500, default="")
    email = CharField(max_length=254, unique=True, verbose_name=_l("E-mail"))
    name = CharField(max_length=200, verbose_name=_l("Name"))
    role = CharField(max_length=20, choices=ROLES, verbose_name=_l("Role"))
    partner = ForeignKeyField(
        Partner,
        null=True,
        backref="users",
        verbose_name=_l("Partner"),
        help_text=_l("Required for partner users: the organisation they log for."),
    )
    password_hash = CharField(max_length=255, default="")
    active = BooleanField(default=True, verbose_name=_l("Active"))
    last_login_at = DateTimeField(null=True, verbose_name=_l("Last login"))
    # Bumped whenever the user's sessions must end (logout, password, role, deactivation): a
    # session carries the epoch it was started in and the user loader refuses any other.
    session_epoch = IntegerField(null=True)  # empty = 0
    # TOTP second factor: the base32 secret once enrolled, the last time step used (no replay)
    # and the SHA-256 digests of the unused recovery codes, one per line.
    totp_secret = CharField(max_length=64, null=True)
    totp_enabled_at = DateTimeField(null=True, verbose_name=_l("Two-factor login since"))
    totp_last_step = IntegerField(null=True)
    recovery_codes = TextField(null=True)
    reminder_mail = BooleanField(
        null=True,
        default=False,
        verbose_name=_l("Reminders by e-mail"),
        help_text=_l("New referrals for the team and a daily list of what needs action."),
    )

    search_fields = ("name", "email")

    label_fields = ("name",)

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        """Active, and (unless an operator) in an active organisation."""
        if not self.active:
            return False
        if self.role == OPERATOR:
            return self.organisation_id is None
        return self.organisation_id is not None and self.organisation.is_active

    # Changing any of these ends every session of the user.
    SESSION_FIELDS = ("password_hash", "role", "active", "organisation", "partner")

    def save(self, *args, **kwargs):
        if self.id is not None and not kwargs.get("force_insert"):
            stored = type(self).get_or_none(type(self).id == self.id)
            if stored is not None and any(
                stored.__data__.get(name) != self.__data__.get(name) for name in self.SESSION_FIELDS
            ):
                self.session_epoch = (stored.session_epoch or 0) + 1
        return super().save(*args, **kwargs)

    @classmethod
    def active_with_organisation(cls, user_id):
        """The active user `user_id` with their organisation (none for the operator), as the
        login loader reads them on every request."""
        return (
            cls.select(cls, Organisation)
            .join(Organisation, JOIN.LEFT_OUTER, on=(cls.organisation == Organisation.id))
            .where((cls.id == user_id) & (cls.active == True))  # noqa: E712
            .limit(1)
        )

    def end_sessions(self):
        """End every session of this user, on every device (the loader checks the epoch)."""
        cls = type(self)
        cls.update(session_epoch=fn.COALESCE(cls.session_epoch, 0) + 1).where(cls.id == self.id).execute()
        self.session_epoch = cls.get_by_id(self.id).session_epoch

    @classmethod
    def end_sessions_without_second_factor(cls, organisation_id, keep=None):
        """End the sessions of the organisation's users who have no second factor (its setting was
        just turned on); `keep` is the user who turned it on. Returns how many users it touched."""
        query = cls.update(session_epoch=fn.COALESCE(cls.session_epoch, 0) + 1).where(
            (cls.organisation == organisation_id) & cls.totp_enabled_at.is_null() & (cls.id != (keep or 0))
        )
        return query.execute()

    # -- second factor (TOTP, RFC 6238) ------------------------------------------------------
    @property
    def mfa_enrolled(self):
        return bool(self.totp_secret and self.totp_enabled_at)

    def mfa_required(self, required_roles):
        """Whether this user must log in with a second factor: by role, or because the
        organisation requires it for everybody."""
        if self.role in required_roles:
            return True
        org = Organisation.get_or_none(Organisation.id == self.organisation_id)
        return bool(org and org.mfa_required)

    def begin_mfa_enrolment(self):
        """A new secret, not yet in force (totp_enabled_at stays empty until a code confirms it)."""
        cls = type(self)
        self.totp_secret = pyotp.random_base32()
        self.totp_enabled_at = self.totp_last_step = None
        cls.update(totp_secret=self.totp_secret, totp_enabled_at=None, totp_last_step=None).where(
            cls.id == self.id
        ).execute()
        return self.totp_secret

    def provisioning_uri(self, issuer):
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.email, issuer_name=issuer)

    def verify_totp(self, code):
        """True once for a current code (the step before and after count too, for clock drift);
        a code, once used, never again (the last step used is stored atomically)."""
        code = "".join((code or "").split())
        if not self.totp_secret or len(code) != 6 or not code.isdigit():
            return False
        totp = pyotp.TOTP(self.totp_secret)
        now_step = int(time.time() // totp.interval)
        cls = type(self)
        for step in (now_step - 1, now_step, now_step + 1):
            if hmac.compare_digest(totp.at(step * totp.interval), code):
                used = cls.update(totp_last_step=step).where(
                    (cls.id == self.id) & (cls.totp_last_step.is_null() | (cls.totp_last_step < step))
                )
                if used.execute() != 1:
                    return False
                self.totp_last_step = step
                return True
        return False

    def confirm_mfa_enrolment(self, code):
        """Put the pending secret in force if `code` fits it; returns the new recovery codes."""
        if self.totp_enabled_at or not self.verify_totp(code):
            return None
        cls = type(self)
        self.totp_enabled_at = utcnow()
        cls.update(totp_enabled_at=self.totp_enabled_at).where(cls.id == self.id).execute()
        return self.new_recovery_codes()

    def new_recovery_codes(self, count=10):
        """Ten fresh one-time codes (shown once); only their SHA-256 digests are stored. They are
        random (40 bits each, and rate-limited like the password), so a fast digest is as good as a slow hash here."""
        codes = [f"{h[:5]}-{h[5:]}" for h in (secrets.token_hex(5) for _ in range(count))]
        self.recovery_codes = "\n".join(_digest(c) for c in codes)
        cls = type(self)
        cls.update(recovery_codes=self.recovery_codes).where(cls.id == self.id).execute()
        return codes

    def use_recovery_code(self, code):
        """True once per recovery code: the code's digest is removed in the same statement that
        checks it is still there."""
        digest = _digest(code)
        stored = (self.recovery_codes or "").split()
        if digest not in stored:
            return False
        cls = type(self)
        left = "\n".join(d for d in stored if d != digest)
        rows = cls.update(recovery_codes=left).where((cls.id == self.id) & (cls.recovery_codes == self.recovery_codes))
        if rows.execute() != 1:
            return False
        self.recovery_codes = left
        return True

    @property
    def recovery_codes_left(self):
        return len((self.recovery_codes or "").split())

    def verify_second_factor(self, code):
        """A current TOTP code or an unused recovery code."""
        code = (code or "").strip()
        return self.verify_totp(code) or (len(code) >= 10 and self.use_recovery_code(code))

    def reset_mfa(self):
        """An admin's reset for a lost phone: no secret, no recovery codes, every session ended.
        The user enrols again at the next login (where the role or organisation requires it)."""
        cls = type(self)
        cls.update(totp_secret=None, totp_enabled_at=None, totp_last_step=None, recovery_codes="").where(
            cls.id == self.id
        ).execute()
        self.totp_secret = self.totp_enabled_at = self.totp_last_step = None
        self.recovery_codes = ""
        self.end_sessions()

    def set_password(self, password):
        self.password_hash = _hasher.hash(password)

    def check_password(self, password):
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def authenticate(cls, email, password):
        """The active user with this e-mail and password, or None. Unknown and deactivated
        accounts cost one password verification too, so timing tells nothing."""
        user = cls.get_or_none(cls.email == normalise_email(email))
        if user is None or not user.is_active:  # deactivated, or in a deactivated organisation
            _spend_a_verification(password or "")
            return None
        if not user.check_password(password or ""):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.set_password(password)
            type(user).update(password_hash=user.password_hash).where(type(user).id == user.id).execute()
        return user

    def has_role(self, *roles):
        return self.role in roles


def _digest(code):
    normal = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


# Words a Brobygger password must not lean on, besides the user's own name and e-mail.
_SITE_WORDS = ("brobygger", "frivilligcenter", "social", "henvisning", "sommer", "vinter", "efterår", "forår")


def password_problem(password, email="", name="", min_length=12):
    """Why `password` is not good enough, or None: the one password rule (admin forms, the CLI,
    self-service). At least `min_length` characters, and not guessable by zxcvbn's offline
    model of common passwords, names, words, dates and keyboard patterns (its top score: about
    10^10 guesses or more),
    also counting the user's own name and e-mail and the site's words."""
    password = password or ""
    if len(password) < min_length:
        return _l("The password must have at least %(num)s characters.", num=min_length)
    if len(password) > 200:
        return _l("The password can have at most 200 characters.")
    from zxcvbn import zxcvbn

    words = (email or "").replace("@", " ").replace(".", " ").split() + (name or "").split()
    inputs = [*words, "".join((name or "").split()), (email or "").split("@")[0]]
    # zxcvbn is slow on very long input and gains nothing there: judge the first 100 characters.
    if zxcvbn(password[:100], user_inputs=[w for w in (*inputs, *_SITE_WORDS) if w])["score"] < 4:
        return _l(
            "The password is too easy to guess (a common password, a word with a number, a name or a "
            "pattern). Use several unrelated words or a longer phrase."
        )
    return None
