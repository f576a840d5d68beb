"""BaseModel, tenant scoping and optimistic locking shared by every model."""

import datetime

from peewee import (
    SQL,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)

from extensions import db
from i18n import _l
from models.search import fold


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class StaleRecordError(Exception):
    """Raised when a record was changed by someone else since it was read."""

    message = _l(
        "Someone else changed this record while you were editing it. "
        "Reload it to see their changes, then make yours again."
    )


class BaseModel(Model):
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False

    # Fields folded into `search_key` on save, for models that have one.
    search_fields = ()
    # Foreign keys that __str__ follows; list pages and lookups batch-load them with the row.
    label_paths = ()

    def save(self, *args, **kwargs):
        self.touch()
        return super().save(*args, **kwargs)

    def touch(self):
        """Refresh `updated_at` and the folded `search_key` before a write."""
        self.updated_at = utcnow()
        if self.search_fields:
            self.search_key = fold(" ".join(str(getattr(self, f) or "") for f in self.search_fields))

    def label_of(self, name):
        """The display label of a choice field's current value."""
        value = getattr(self, name)
        return dict(self._meta.fields[name].choices or ()).get(value, value)

    @classmethod
    def visible_to(cls, user):
        """The rows `user` may see. Tenant models narrow this to the user's organisation."""
        return cls.select()


class TenantModel(BaseModel):
    """A record that belongs to one organisation and is only visible inside it."""

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.organisation == user.organisation_id)


class VersionedModel(TenantModel):
    """An editable record with optimistic locking: a stale save raises StaleRecordError."""

    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])

    def save(self, force_insert=False, only=None):
        if force_insert or self._pk is None:
            return super().save(force_insert=force_insert, only=only)
        expected = self.version
        self.version = expected + 1
        self.touch()
        cls = type(self)
        data = {field: value for field, value in self.__data__.items() if field != cls._meta.primary_key.name}
        rows = cls.update(**data).where((cls._meta.primary_key == self._pk) & (cls.version == expected)).execute()
        if rows != 1:
            self.version = expected
            raise StaleRecordError()
        self._dirty.clear()
        return rows


def organisation_fk(**kwargs):
    from models.organisation import Organisation

    return ForeignKeyField(Organisation, backref="+", index=True, **kwargs)


def write_transaction():
    """A transaction for a multi-step write. SQLite takes the write lock at BEGIN (IMMEDIATE):
    a deferred transaction that read first cannot wait for a concurrent writer and fails with
    "database is locked" instead of seeing the conflict (issue 15, lost-update test)."""
    from peewee import SqliteDatabase

    database = getattr(db, "obj", db)
    return db.atomic("IMMEDIATE") if isinstance(database, SqliteDatabase) else db.atomic()
