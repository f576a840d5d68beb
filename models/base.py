"""BaseModel (timestamps, folded search keys, batch-loaded labels) and the stale-record error.

The tenant bases (TenantModel, VersionedModel, organisation_fk) live beside the organisation in
models/organisation.py, so the model graph runs one way: base ← organisation ← everything else.
"""

import datetime

from peewee import DateTimeField, ForeignKeyField, Model, ModelInsert, Node, SqliteDatabase, Value

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


class _Slot:
    """A parameter's place in a compiled INSERT (see _CompiledInsert)."""


class _CompiledInsert(ModelInsert):
    """A one-row INSERT whose SQL peewee builds once per model, columns and kind of database and
    then reuses with each save's values (issue 15: building an INSERT took peewee about a
    millisecond, far more than SQLite took to run it). Values still pass through their fields'
    db_value; anything else — several rows, ON CONFLICT, an expression as a value, a nested
    query — is built by peewee as before."""

    _built = {}  # (database class, model, columns, returning) → (sql, the field of each parameter) or None

    def __sql__(self, ctx):
        row = self._insert
        if ctx._sql or ctx.stack or self._on_conflict is not None or self._columns or type(row) is not dict or not row:
            return super().__sql__(ctx)
        database = self.model._meta.database
        database = getattr(database, "obj", database)
        key = (type(database), self.model, tuple(row), self._returning)
        entry = self._built.get(key, False)
        if entry is False:
            entry = self._built[key] = self._compile(database, row)
        if entry is None:
            return super().__sql__(ctx)
        sql, fields = entry
        params = []
        for field in fields:
            value = row[field]
            if isinstance(value, Node) and not (isinstance(value, Model) and isinstance(field, ForeignKeyField)):
                return super().__sql__(ctx)  # an expression (fn.NOW(), a sub-select) is SQL, not a value
            value = field.db_value(value)
            if isinstance(value, Node):
                return super().__sql__(ctx)
            params.append(value)
        ctx.literal(sql)
        ctx._values.extend(params)
        return ctx

    def _compile(self, database, row):
        if not set(self.model._meta.defaults) <= set(row):
            return None  # peewee would fill a default in: built every time
        slots = {field: _Slot() for field in row}
        query = ModelInsert(self.model, {f: Value(slot, converter=False, unpack=False) for f, slot in slots.items()})
        query._returning = self._returning
        sql, params = database.get_sql_context().sql(query).query()
        field_of = {id(slot): field for field, slot in slots.items()}
        fields = [field_of.get(id(param)) for param in params]
        if any(f is None for f in fields) or len(set(fields)) != len(fields) or len(fields) != len(row):
            return None
        return sql, fields


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

    @classmethod
    def insert(cls, __data=None, **insert):
        return _CompiledInsert(cls, cls._normalize_data(__data, insert))

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
