"""The audit log: who did what to which record, and when — never the content."""

from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model

from extensions import db
from i18n import _l
from models.base import relaxed_transaction, utcnow
from models.organisation import TenantModel, organisation_fk
from models.roles import ROLES
from models.user import User

ACTIONS = (
    ("create", _l("Created")),
    ("update", _l("Changed")),
    ("delete", _l("Deleted")),
    ("view", _l("Viewed")),
    ("list", _l("Listed")),
    ("search", _l("Searched")),
    ("export", _l("Exported")),
    ("login", _l("Logged in")),
    ("login_failed", _l("Failed login")),
    ("erase", _l("Anonymised")),
    ("access_report", _l("Access report produced")),
    ("import", _l("Imported")),
    ("forbidden", _l("Access denied")),
    ("csrf_failed", _l("Form refused (CSRF)")),
    ("rate_limited", _l("Rate limit hit")),
    ("submit", _l("Public form submitted")),
)


class AuditLog(TenantModel):
    """Who did what to which record, when. Never the content, never a name: a citizen is a record
    id, so erasing a citizen leaves every entry as it is. Append-only: no view edits or deletes an
    entry, and a trigger (migration 026) refuses UPDATE and DELETE.

    `rows` is how many records an export, list or search showed; `detail` a non-content note (the
    export format, a search term's hash, the page refused); `AuditLogItem` rows name every
    record a list, search or case page showed, so "who saw citizen X" is one filter.
    """

    organisation = organisation_fk(null=True)
    user = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("User"))
    role = CharField(max_length=20, null=True, choices=ROLES, verbose_name=_l("Role"))
    action = CharField(max_length=20, choices=ACTIONS, verbose_name=_l("Action"))
    model = CharField(max_length=60, verbose_name=_l("Record type"))
    record_id = IntegerField(null=True, verbose_name=_l("Record"))
    at = DateTimeField(default=utcnow, verbose_name=_l("When"))
    rows = IntegerField(null=True, verbose_name=_l("Rows"))
    detail = CharField(max_length=200, null=True, verbose_name=_l("Detail"))

    class Meta:
        indexes = ((("organisation", "at"), False), (("model", "record_id"), False))

    def __str__(self):
        return f"{self.action} {self.model} #{self.record_id}"

    @classmethod
    def record(
        cls, action, model, record_id=None, user=None, rows=None, detail=None, organisation=None, items=(), read=False
    ):
        """Write one entry for `user` (defaults to the logged-in user); `organisation` names the
        tenant of an anonymous action (a public form). `items` are (record type, id) pairs shown.
        `read`: the entry of a page that only showed data, committed without waiting for the disk
        (models/base.py relaxed_transaction)."""
        if user is None:
            user = current_user if current_user and current_user.is_authenticated else None
        if organisation is None and user is not None:
            organisation = user.organisation_id
        if read:
            with relaxed_transaction():
                return cls._write(action, model, record_id, user, rows, detail, organisation, items)
        if items and not db.in_transaction():
            with db.atomic():  # the entry and its items in one commit: one fsync, not two
                return cls._write(action, model, record_id, user, rows, detail, organisation, items)
        return cls._write(action, model, record_id, user, rows, detail, organisation, items)

    @classmethod
    def _write(cls, action, model, record_id, user, rows, detail, organisation, items):
        entry = cls.create(
            organisation=organisation,
            user=user.id if user else None,
            role=user.role if user else None,
            action=action,
            model=model if isinstance(model, str) else type(model).__name__,
            record_id=record_id,
            rows=rows,
            detail=detail[:200] if detail else None,
        )
        AuditLogItem.add(entry.id, items)
        return entry


class AuditLogItem(Model):
    """One record shown by a list, search or page that showed several (see AuditLog); no
    timestamps of its own, its entry has them."""

    audit = ForeignKeyField(AuditLog, backref="items", on_delete="CASCADE")
    model = CharField(max_length=60)
    record_id = IntegerField()

    class Meta:
        database = db
        table_name = "audit_log_item"
        indexes = ((("model", "record_id"), False),)

    @classmethod
    def add(cls, audit_id, items):
        """Insert the (record type, id) pairs `items` of entry `audit_id`, 500 to a statement.

        One hand-built multi-row INSERT (the same statement peewee's insert_many builds): every
        list page of personal data writes 25–50 of these, and building them as peewee nodes
        cost more than the rest of the audit."""
        database = cls._meta.database
        rows = [(int(audit_id), str(m), int(i)) for m, i in items if i is not None]
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            marks = ", ".join([f"({database.param}, {database.param}, {database.param})"] * len(chunk))
            sql = f'INSERT INTO "audit_log_item" ("audit_id", "model", "record_id") VALUES {marks}'  # noqa: S608  # nosec B608 - only placeholders are built, the values are bound parameters
            database.execute_sql(sql, [v for row in chunk for v in row])
