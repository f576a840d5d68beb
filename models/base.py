"""BaseModel (timestamps, folded search keys, batch-loaded labels) and the stale-record error.

The tenant bases (TenantModel, VersionedModel, organisation_fk) live beside the organisation in
models/organisation.py, so the model graph runs one way: base ← organisation ← everything else.
"""

import contextlib
import datetime

from peewee import DateTimeField, Model, SqliteDatabase

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
    # The fields __str__ reads (besides the id), or None for "any": exports read only these of
    # a related row they name (tests/test_exports.py checks that the label comes out the same).
    label_fields = None

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

    @classmethod
    def visible_by_id(cls, user, pk):
        """The row with id `pk` (any value: a form's or URL's string) if `user` may see it, else None."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        return cls.visible_to(user).where(cls._meta.primary_key == pk).first()


def write_transaction():
    """A transaction for a multi-step write. SQLite takes the write lock at BEGIN (IMMEDIATE):
    a deferred transaction that read first cannot wait for a concurrent writer and fails with
    "database is locked" instead of seeing the conflict (issue 15, lost-update test)."""
    database = getattr(db, "obj", db)
    return db.atomic("IMMEDIATE") if isinstance(database, SqliteDatabase) else db.atomic()


_SYNCHRONOUS = ("off", "normal", "full", "extra", "0", "1", "2", "3")


@contextlib.contextmanager
def relaxed_transaction():
    """A transaction whose commit does not wait for the disk: for the audit entry of a read (a
    list, a search, a case page), which would otherwise add a flush to the disk to every page
    view. The entry survives any crash of the application (it is in the database's log the moment
    it commits); only a failure of the machine itself in the following moments can lose it, never
    the database's consistency. Every write of data, and the audit entries of changes, exports
    and logins, keep waiting for the disk. SQLite: this commit with synchronous=NORMAL (WAL);
    PostgreSQL: SET LOCAL synchronous_commit = off. Inside another transaction it is that one."""
    database = getattr(db, "obj", db)
    if db.in_transaction():
        yield
    elif isinstance(database, SqliteDatabase):
        configured = getattr(database, "configured_synchronous", "full")
        if configured not in _SYNCHRONOUS:
            raise ValueError(f"unknown synchronous setting {configured!r}")
        db.execute_sql("PRAGMA synchronous = NORMAL")
        try:
            with db.atomic("IMMEDIATE"):
                yield
        finally:
            db.execute_sql(f"PRAGMA synchronous = {configured}")
    else:
        with db.atomic():
            db.execute_sql("SET LOCAL synchronous_commit TO OFF")
            yield
