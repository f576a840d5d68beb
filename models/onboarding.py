"""Onboarding: creating an organisation with its default lists and first admin, operators, and
one-time set-password links. The CLI, the operator's pages and seed-demo all call these."""

import hashlib
import re

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from extensions import db
from i18n import _l
from models.audit import AuditLog
from models.catalogue import install_core_lists
from models.organisation import KINDS, VOLUNTEER_CENTRE, Organisation
from models.roles import ADMIN, OPERATOR
from models.user import User, password_problem
from plugins import hook

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SET_PASSWORD_MAX_AGE = 7 * 24 * 3600


class OnboardingError(ValueError):
    """Bad input for onboarding; `message` says what, in the user's language."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message, self.field = message, field


def check_password_rule(password, email="", name=""):
    """Raise OnboardingError unless `password` follows the password rule (models.user.password_problem)."""
    problem = password_problem(password, email, name, current_app.config["PASSWORD_MIN_LENGTH"])
    if problem:
        raise OnboardingError(problem, "password")


def check_slug(slug):
    """Raise OnboardingError for a malformed or taken short name."""
    if not slug or not SLUG_PATTERN.match(slug):
        raise OnboardingError(
            _l(
                "The short name may only contain lower-case letters a-z, digits and hyphens, "
                "start and end with a letter or digit, and be at most 60 characters."
            ),
            "slug",
        )
    if Organisation.select().where(Organisation.slug == slug).exists():
        raise OnboardingError(_l("The short name “%(slug)s” is already taken.", slug=slug), "slug")


def normalise_email(email):
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise OnboardingError(_l("“%(email)s” is not a valid e-mail address.", email=email), "email")
    return email


def check_email_free(email):
    if User.select().where(User.email == email).exists():
        raise OnboardingError(_l("The e-mail address %(email)s is already in use.", email=email), "email")


def create_organisation(
    name, slug, kind=VOLUNTEER_CENTRE, admin_email=None, admin_name=None, admin_password=None, by=None
):
    """Create an organisation, its default lists (models/catalogue.py, plus each plugin's via the
    hook brobygger_organisation_created) and, when `admin_email` is given, its first admin — in
    one transaction. Without `admin_password` the admin has no password yet: give them
    `set_password_link(admin)`. Returns (organisation, admin or None); raises OnboardingError."""
    name = (name or "").strip()
    slug = (slug or "").strip()
    if not name or len(name) > 200:
        raise OnboardingError(_l("Give the organisation a name of at most 200 characters."), "name")
    if kind not in dict(KINDS):
        raise OnboardingError(_l("The kind must be volunteer_centre or municipality."), "kind")
    if admin_email is not None:
        admin_email = normalise_email(admin_email)
        if not (admin_name or "").strip():
            raise OnboardingError(_l("Give the admin's name."), "admin_name")
        if admin_password is not None:
            check_password_rule(admin_password)
    with db.atomic():
        check_slug(slug)
        if admin_email is not None:
            check_email_free(admin_email)
        org = Organisation.create(name=name, slug=slug, kind=kind)
        install_core_lists(org)
        hook().brobygger_organisation_created(organisation=org)
        AuditLog.create(
            organisation=org.id,
            user=by.id if by else None,
            role=by.role if by else None,
            action="create",
            model="Organisation",
            record_id=org.id,
        )
        admin = None
        if admin_email is not None:
            admin = create_first_admin(org, admin_email, admin_name, admin_password, by=by)
    return org, admin


def create_first_admin(org, email, name, password=None, by=None):
    """An admin of `org` (or the existing one with this e-mail, reset). Without a password the
    account has none until the admin follows a set-password link."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise OnboardingError(_l("Give the admin's name."), "admin_name")
    if password is not None:
        check_password_rule(password)
    with db.atomic():
        user = User.get_or_none(User.email == email)
        if user is not None and (user.organisation_id != org.id or user.role != ADMIN):
            raise OnboardingError(_l("The e-mail address %(email)s is already in use.", email=email), "email")
        user = user or User(email=email, organisation=org.id, role=ADMIN)
        user.name, user.active = name, True
        user.password_hash = ""
        if password is not None:
            user.set_password(password)
        user.save()
        record_for(by, "create" if user.version == 1 else "update", "User", user.id, org.id)
    return user


def admins_of(org):
    return list(User.select().where((User.organisation == org.id) & (User.role == ADMIN)).order_by(User.name))


def reset_admin(user, by=None):
    """Clear an admin's password (so old sessions and passwords stop working) and reactivate
    them; they set a new one with `set_password_link(user)`."""
    if user.role != ADMIN:
        raise OnboardingError(_l("Only an organisation's admins are reset here."))
    User.update(password_hash="", active=True, version=User.version + 1).where(User.id == user.id).execute()
    record_for(by, "update", "User", user.id, user.organisation_id)
    return User.get_by_id(user.id)


def set_organisation_active(org, active, by=None):
    """Deactivate (or reactivate) an organisation: its users cannot log in; nothing is deleted."""
    Organisation.update(active=bool(active)).where(Organisation.id == org.id).execute()
    record_for(by, "update", "Organisation", org.id, org.id)


def create_operator(email, name, password):
    """An operator: a user of no organisation. An existing operator with this e-mail is reset."""
    email = normalise_email(email)
    check_password_rule(password)
    with db.atomic():
        user = User.get_or_none(User.email == email)
        if user is not None and user.role != OPERATOR:
            raise OnboardingError(_l("The e-mail address %(email)s is already in use.", email=email), "email")
        user = user or User(email=email, role=OPERATOR)
        user.name, user.organisation, user.partner, user.active = name, None, None, True
        user.set_password(password)
        user.save()
    return user


def record_for(by, action, model, record_id, organisation_id):
    # The operator has no organisation: the entry goes to the organisation acted on.
    AuditLog.create(
        organisation=organisation_id,
        user=by.id if by else None,
        role=by.role if by else None,
        action=action,
        model=model,
        record_id=record_id,
    )


# -- one-time set-password links -------------------------------------------------------------
def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="brobygger-set-password")


def _fingerprint(user):
    # The link is bound to the current password hash: once a password is set, it stops working.
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:20]


def set_password_token(user):
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def set_password_path(user):
    return f"/set-password/{set_password_token(user)}"


def set_password_link(user):
    """The absolute one-time link (BASE_URL + path) that lets `user` choose a password."""
    return current_app.config["BASE_URL"].rstrip("/") + set_password_path(user)


def user_for_token(token):
    """The user a still-valid, unused set-password token is for, or None."""
    try:
        data = _serializer().loads(token or "", max_age=SET_PASSWORD_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
