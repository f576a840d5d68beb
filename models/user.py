"""Users: login, role, organisation and (for partner users) their partner; argon2 passwords."""

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from i18n import _l
from models.organisation import VersionedModel, organisation_fk
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

    search_fields = ("name", "email")

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

    def set_password(self, password):
        self.password_hash = _hasher.hash(password)

    def check_password(self, password):
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def authenticate(cls, email, password):
        """The active user with this e-mail and password, or None."""
        user = cls.get_or_none(cls.email == normalise_email(email))
        if user is None:
            _spend_a_verification(password or "")
            return None
        if not user.is_active or not user.check_password(password or ""):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.set_password(password)
            type(user).update(password_hash=user.password_hash).where(type(user).id == user.id).execute()
        return user

    def has_role(self, *roles):
        return self.role in roles
