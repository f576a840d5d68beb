"""The audit log: who did what to which record, and when — never the content."""

from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from i18n import _l
from models.base import utcnow
from models.organisation import TenantModel, organisation_fk
from models.roles import ROLES
from models.user import User

ACTIONS = (
    ("create", _l("Created")),
    ("update", _l("Changed")),
    ("delete", _l("Deleted")),
    ("view", _l("Viewed")),
    ("export", _l("Exported")),
    ("login", _l("Logged in")),
    ("login_failed", _l("Failed login")),
)


class AuditLog(TenantModel):
    """Who did what to which record, when. Never the content. Append-only."""

    organisation = organisation_fk(null=True)
    user = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("User"))
    role = CharField(max_length=20, null=True, choices=ROLES, verbose_name=_l("Role"))
    action = CharField(max_length=20, choices=ACTIONS, verbose_name=_l("Action"))
    model = CharField(max_length=60, verbose_name=_l("Record type"))
    record_id = IntegerField(null=True, verbose_name=_l("Record"))
    at = DateTimeField(default=utcnow, verbose_name=_l("When"))

    class Meta:
        indexes = ((("organisation", "at"), False), (("model", "record_id"), False))

    def __str__(self):
        return f"{self.action} {self.model} #{self.record_id}"

    @classmethod
    def record(cls, action, model, record_id=None, user=None):
        """Write one entry for `user` (defaults to the logged-in user)."""
        if user is None:
            user = current_user if current_user and current_user.is_authenticated else None
        return cls.create(
            organisation=user.organisation_id if user else None,
            user=user.id if user else None,
            role=user.role if user else None,
            action=action,
            model=model if isinstance(model, str) else type(model).__name__,
            record_id=record_id,
        )
