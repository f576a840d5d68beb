"""BaseModel (timestamps, folded search keys, batch-loaded labels) and the stale-record error.

The tenant bases (TenantModel, VersionedModel, organisation_fk) live beside the organisation in
models/organisation.py, so the model graph runs one way: base ← organisation ← everything else.
"""

import contextlib
import datetime

from peewee import DateTimeField, Field, ForeignKeyField, Model, ModelInsert, Node, SqliteDatabase, Value

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
    """An INSERT of plain values whose SQL peewee builds once per model, columns, number of rows
    and kind of database, then reuses with each save's values (issue 15: building an INSERT took
    peewee about a millisecond, far more than SQLite took to run it). Values still pass through
    their fields' db_value and defaults are filled in as peewee does; anything else — ON CONFLICT,
    explicit columns, an expression as a value, rows with different keys, a nested query — is
    built by peewee as before."""

    _built = {}  # (database class, model, one row or several, keys, rows, returning) → (sql, spec) or None

    def __sql__(self, ctx):
        insert = self._insert
        rows = (insert,) if type(insert) is dict else insert
        if (
            ctx._sql
            or ctx.stack
            or self._on_conflict is not None
            or self._columns
            or type(rows) not in (tuple, list)
            or not 0 < len(rows) <= 16  # a request's few rows; imports' batches are built as before
            or type(rows[0]) is not dict
            or not rows[0]
        ):
            return super().__sql__(ctx)
        keys = tuple(rows[0])
        if any(type(row) is not dict or tuple(row) != keys for row in rows):
            return super().__sql__(ctx)
        database = self.model._meta.database
        database = getattr(database, "obj", database)
        key = (type(database), self.model, type(insert) is dict, keys, len(rows), self._returning)
        entry = self._built.get(key, False)
        if entry is False:
            if len(self._built) > 1024:
                self._built.clear()
            entry = self._built[key] = self._compile(database, insert is not rows, keys, len(rows))
        if entry is None:
            return super().__sql__(ctx)
        sql, spec = entry
        params = []
        for index, name, field in spec:
            if name is None:  # a default peewee would fill in
                value = field.default() if callable(field.default) else field.default
            else:
                value = rows[index][name]
            if isinstance(value, Node) and not (isinstance(value, Model) and isinstance(field, ForeignKeyField)):
                return super().__sql__(ctx)  # an expression (fn.NOW(), a sub-select) is SQL, not a value
            value = field.db_value(value)
            if isinstance(value, Node):
                return super().__sql__(ctx)
            params.append(value)
        ctx.literal(sql)
        ctx._values.extend(params)
        return ctx

    def _compile(self, database, one_row, keys, count):
        meta = self.model._meta
        fields = [key if isinstance(key, Field) else meta.combined.get(key) for key in keys]
        if any(field is None or field.model is not self.model for field in fields):
            return None
        missing = [field for field in meta.defaults if field not in set(fields)]
        where, built_rows = {}, []
        for index in range(count):
            row = {}
            for name, field in [*zip(keys, fields, strict=True), *((None, f) for f in missing)]:
                slot = _Slot()
                where[id(slot)] = (index, name, field)
                row[field if name is None else name] = Value(slot, converter=False, unpack=False)
            built_rows.append(row)
        query = ModelInsert(self.model, built_rows[0] if one_row else built_rows)
        query._returning = self._returning
        sql, params = database.get_sql_context().sql(query).query()
        spec = [where.get(id(param)) for param in params]
        if any(s is None for s in spec) or len({id(p) for p in params}) != len(params) or len(spec) != len(where):
            return None
        return sql, spec


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

    @classmethod
    def insert_many(cls, rows, fields=None):
        return _CompiledInsert(cls, insert=rows, columns=fields)

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
