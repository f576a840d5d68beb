"""SELECTs whose SQL peewee builds once, then run with new values (issue 15).

Building the SQL of a small query costs peewee 0.4–1.1 ms here, more than SQLite takes to answer
it; the public form ran about ten such reads per submission, and every admin page loads its user
and the rows of its lookup filters. A `Compiled` query is built by the
same peewee code as before (the models' named queries, so their rules stay in one place), once
per database and shape, with marker values in place of the caller's; later calls bind the real
values at the markers' positions and let the built query turn the rows into models as usual.

A build function must depend on its arguments only, and they must reach the SQL unchanged as
parameters (ids, strings, datetimes). When a marker does not come out exactly once among the
parameters (a value that was converted, folded or not used as a parameter), that shape is simply
built every time, as without this module.
"""

import datetime

from extensions import db

# What a peewee cursor wrapper holds about one cursor; the rest (which column goes to which model
# and field, with which converter) follows from the SQL alone.
_PER_CURSOR = frozenset(("cursor", "count", "index", "initialized", "populated", "row_cache"))


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _marker(sample, index):
    """A value of `sample`'s type that no caller passes, or None for a type without one."""
    if isinstance(sample, bool):
        return None
    if isinstance(sample, int):
        return -(10**15) - index
    if isinstance(sample, str):
        return f"\x00brobygger-slot-{index}"
    if isinstance(sample, datetime.datetime):
        return datetime.datetime(1901, 1, 1, 0, 0, 0, index + 1)
    return None


class Compiled:
    """`Compiled(build)(*values)` → the rows of `build(*values)`: models, or tuples etc. as the
    query says. `build` returns a peewee SELECT; `shape` (keyword) is passed on to it and keys the
    cache (for builds that branch, e.g. on the organisation's minimal-records setting). `raw`: the
    database's own row tuples, without peewee's conversion per value — only for columns whose
    values come out of the driver as they are (ids, text, counts)."""

    def __init__(self, build, raw=False):
        self.build = build
        self.raw = raw
        self._built = {}  # (database class, value types, shape) → (query, sql, params with _Slot) or None
        self._readers = {}  # the same key → a cursor wrapper's state after its first row (see _rows)

    def __call__(self, *values, shape=()):
        database = db.obj
        # The SQL depends on the kind of database (quoting, placeholders), not on which one.
        key = (type(database), tuple(type(v) for v in values), shape)
        entry = self._built.get(key, False)
        if entry is False:
            entry = self._built[key] = self._compile(database, values, shape)
        if entry is None:
            query = self.build(*values, *shape)
            return [tuple(row) for row in query.tuples()] if self.raw else list(query)
        query, sql, params = entry
        bound = [values[p.index] if type(p) is _Slot else p for p in params]
        cursor = database.execute_sql(sql, bound)
        if self.raw:
            return [tuple(row) for row in cursor.fetchall()]
        return self._rows(key, query._get_cursor_wrapper(cursor))

    def _rows(self, key, wrapper):
        """The wrapper's rows as models. peewee works out which column goes to which model and
        field on each new cursor (a third of a small read's time); for the same SQL that comes
        out the same, so it is worked out once and then given to each new wrapper."""
        state = self._readers.get(key)
        if state is not None:
            vars(wrapper).update(state)
            wrapper.initialized = True
        rows = list(wrapper.iterator())
        if state is None and wrapper.initialized:
            self._readers[key] = {k: v for k, v in vars(wrapper).items() if k not in _PER_CURSOR}
        return rows

    def _compile(self, database, values, shape):
        markers = [_marker(v, i) for i, v in enumerate(values)]
        if any(m is None for m in markers):
            return None
        query = self.build(*markers, *shape)
        sql, params = query.sql()
        slots, found = [], []
        for param in params:
            index = next((i for i, m in enumerate(markers) if type(param) is type(m) and param == m), None)
            if index is not None:
                found.append(index)
                slots.append(_Slot(index))
            else:
                slots.append(param)
        if sorted(found) != list(range(len(markers))):
            return None  # a value was converted or used twice: build this shape every time
        return query, sql, slots
