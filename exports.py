"""The one export module: every CSV and XLSX download of the app goes through it.

Admin list exports (`BrobyggerModelView`), the end_criteria closures export and every report use
the same three calls:

    safe_cell(value)                        -> str: one cell as text that a spreadsheet will not run
    csv_response(filename, header, rows)    -> a streamed CSV download (constant memory)
    xlsx_response(filename, sheets)         -> an XLSX download built in openpyxl's write-only mode,
                                               sheets = [(title, header, rows), ...]

`rows` is any iterable of sequences (a generator is best: nothing is held in memory). Pass
`audit="Model"` and the export is written to the audit log with its row count and format.

Why: spreadsheets execute cells that begin with = + - @ (and tab or CR before them) as formulas —
anonymous public-form input must never reach a coordinator's Excel as a live HYPERLINK(...)
(OWASP "CSV injection"). Such cells get a leading apostrophe, every XLSX cell is written as a
string, and the control characters XML (and so openpyxl) cannot store are dropped instead of
failing the whole export.
"""

import csv
import datetime
import io
import itertools
import operator
import re
import tempfile
import unicodedata
import uuid

from flask import Response, current_app, stream_with_context
from flask_login import current_user
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    FixedCharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    PostgresqlDatabase,
    TextField,
    TimeField,
)
from werkzeug.utils import secure_filename

from admin.loading import label_selection, split_paths, visible_rows
from models.audit import AuditLog
from security import has_recent_auth

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE plus lone surrogates and U+FFFE/F).
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Rows fetched per round trip while streaming; also the batch for loading related rows.
CHUNK = 1000
# Labels of related rows kept per exported column while an export runs (then read again).
LABELS_KEPT = 20000
# Without a recent re-authentication an export stops here (the Flask-Admin default we kept).
DEFAULT_ROW_LIMIT = 10000


def safe_cell(value):
    """`value` as the text of one spreadsheet cell: never a formula, only storable characters.

    None is the empty string, booleans and numbers their plain text (so a negative number is
    written "'-5": a minus sign starts a formula as well), everything else str().
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return text
    if not text.isprintable():  # cheap test first (False for every character UNSTORABLE holds)
        text = UNSTORABLE.sub("", text)
    if text and text[0] in FORMULA_START:
        return "'" + text
    return text


def _disposition(filename):
    name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    return f"attachment; filename={secure_filename(name) or 'export'}"


class SafeBatches:
    """Rows already made safe cell text (safe_cell applied once per distinct value), in lists of
    up to CHUNK rows: what the model exports produce. csv_response and write_xlsx take them
    as they are; any other `rows` are made safe cell by cell. An empty cell may be None (the
    csv module writes it as the empty field; openpyxl writes no cell at all)."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)

    def close(self):
        if hasattr(self.batches, "close"):
            self.batches.close()


def safe_batches(rows, chunk=CHUNK):
    """`rows` (any values) as SafeBatches: every cell through safe_cell, CHUNK rows a list."""
    if isinstance(rows, SafeBatches):
        return rows

    def batches():
        iterator = iter(rows)
        try:
            while batch := [[safe_cell(v) for v in row] for row in itertools.islice(iterator, chunk)]:
                yield batch
        finally:
            if hasattr(rows, "close"):
                rows.close()  # a generator over a database cursor: end its read transaction now

    return SafeBatches(batches())


def csv_chunks(header, rows, counter=None):
    """The CSV file as UTF-8 blocks of up to CHUNK rows (the BOM first so Excel reads æ, ø and
    å): one write to the client per block, not per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    yield buffer.getvalue().encode()
    for batch in safe_batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        if counter is not None:
            counter[0] += len(batch)
        yield buffer.getvalue().encode()


def csv_lines(header, rows, counter=None):
    """The CSV file's text in blocks (csv_chunks, decoded): for callers that want str."""
    for block in csv_chunks(header, rows, counter):
        yield block.decode()


def csv_response(filename, header, rows, audit=None):
    """A CSV download streamed in blocks of rows: memory stays flat however many rows there are.

    With `audit` (a record type name) the export is audited with the number of rows sent — when
    the stream ends, so a download broken off halfway is logged with what was actually sent.
    """
    counter = [0]
    rows = safe_batches(rows)

    def generate():
        try:
            yield from csv_chunks(header, rows, counter)
        finally:
            rows.close()  # a generator over a database cursor: end its read transaction now
            if audit:
                audit_export(audit, "csv", counter[0])

    return Response(
        stream_with_context(generate()),
        mimetype=CSV_MIMETYPE,
        headers={"Content-Disposition": _disposition(filename)},
    )


def write_xlsx(fileobj, sheets):
    """Write `sheets` ([(title, header, rows), ...]) to `fileobj` as XLSX; returns the row count.

    openpyxl's write-only mode streams rows to disk, so memory does not grow with the rows. Every
    cell is a string cell: safe_cell's text never starts a formula, and openpyxl stores a str as a
    string, never as a number or date guess.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = 0
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=_sheet_title(title))
        sheet.append([safe_cell(value) for value in header])
        append = sheet.append
        batches = safe_batches(rows)
        try:
            for batch in batches:
                for row in batch:
                    append(row)
                count += len(batch)
        finally:
            batches.close()  # a generator over a database cursor: end its read transaction now
    if not workbook.worksheets:
        workbook.create_sheet()
    workbook.save(fileobj)
    return count


def _sheet_title(title):
    # Excel refuses []:*?/\ in sheet names and more than 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", safe_cell(title)).strip("'") or "Data"
    return cleaned[:31]


def xlsx_response(filename, sheets, audit=None):
    """An XLSX download of `sheets` ([(title, header, rows), ...]), built in a temporary file on
    disk and streamed from there (the zip must be complete before its first byte can be sent)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response's file wrapper
    try:
        count = write_xlsx(spool, sheets)
    except BaseException:
        spool.close()
        raise
    if audit:
        audit_export(audit, "xlsx", count)
    size = spool.tell()
    spool.seek(0)

    def chunks():
        with spool:  # closed when the last byte is read, or when the server closes the response
            while block := spool.read(64 * 1024):
                yield block

    return Response(
        chunks(),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": _disposition(filename), "Content-Length": str(size)},
        direct_passthrough=True,
    )


def audit_export(record_type, fmt, rows):
    """Write one audit entry for an export of `rows` rows of `record_type` in `fmt`."""
    AuditLog.record("export", record_type, None, rows=rows, detail=fmt)


# -- exports of database queries ------------------------------------------------------------


def iter_query(query, chunk=None):
    """Yield the rows of a peewee select in lists of `chunk`, without loading them all.

    SQLite's cursor already steps through the result. psycopg2 fetches a whole result into the
    client unless the cursor is a named (server-side) one, which only streams inside a
    transaction — so on PostgreSQL the rows come through a named cursor in a read transaction.
    """
    chunk = chunk or CHUNK
    database = query._database
    if isinstance(database, PostgresqlDatabase):
        yield from _iter_server_side(database, query, chunk)
        return
    batch = []
    for row in query.iterator():
        batch.append(row)
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_raw(query, chunk=None):
    """Like iter_query, but the rows are the cursor's own tuples (no peewee conversion)."""
    chunk = chunk or CHUNK
    database = query._database
    sql, params = query.sql()
    if isinstance(database, PostgresqlDatabase):
        yield from _iter_server_side(database, query, chunk, raw=True)
        return
    cursor = database.execute_sql(sql, params)
    try:
        while batch := cursor.fetchmany(chunk):
            yield batch
    finally:
        cursor.close()


def _iter_server_side(database, query, chunk, raw=False):
    sql, params = query.sql()
    with database.atomic():
        cursor = database.connection().cursor(name=f"export_{uuid.uuid4().hex}", withhold=True)
        try:
            cursor.itersize = chunk
            cursor.execute(sql, params)
            if raw:
                while batch := cursor.fetchmany(chunk):
                    yield batch
                return
            wrapper = query._get_cursor_wrapper(cursor)
            batch = []
            for row in wrapper.iterator():
                batch.append(row)
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch
        finally:
            cursor.close()


def row_limit(user, view_limit=None):
    """How many rows `user` may export in one go: None (no limit) for the roles in
    EXPORT_UNLIMITED_ROLES who re-authenticated recently; for everybody else EXPORT_ROW_LIMIT,
    or the view's own `export_max_rows` when that is lower."""
    roles = current_app.config["EXPORT_UNLIMITED_ROLES"]
    if getattr(user, "role", None) in roles and reauthenticated_recently():
        return None
    limit = current_app.config.get("EXPORT_ROW_LIMIT") or DEFAULT_ROW_LIMIT
    return min(limit, view_limit) if view_limit else limit


def reauthenticated_recently():
    """Whether the user confirmed the password (and second factor) within REAUTH_MINUTES."""
    return has_recent_auth()


class ColumnValues:
    """Fast per-column export values for a Flask-Admin model view: the view's export formatters,
    choice labels and type formatters, resolved once per column instead of once per cell.

    `format(name, value)` is the one place a stored value becomes the text of an exported cell
    (choice label, then the view's `column_type_formatters_export`, i.e. admin/formatting.py's
    EXPORT_FORMATTERS: dates, yes/no, empty for None); both export paths below go through it.
    """

    def __init__(self, view):
        self.view = view
        self.columns = [name for name, _label in view._export_columns]
        self.formatters = view.column_formatters_export or {}
        # Choice labels are lazy strings: translate each once per export, not once per cell.
        self.choices = {name: {k: str(v) for k, v in m.items()} for name, m in view._column_choices_map.items()}
        self.type_formatters = dict(view.column_type_formatters_export or {})
        self._by_type = {}
        self._cache = {}
        # Minimal records: free text written before the switch is not exported (as get_export_value).
        minimal = getattr(view, "_minimal_records", None)
        self.hidden = set(view._free_text_names()) if minimal is not None and minimal() else set()

    def _type_formatter(self, value):
        kind = type(value)
        if kind not in self._by_type:
            # The most specific type wins (a datetime is a date too, and would lose its time).
            found = next((self.type_formatters[k] for k in kind.__mro__ if k in self.type_formatters), None)
            self._by_type[kind] = found
        return self._by_type[kind]

    def value(self, model, name):
        if name in self.hidden:
            return ""
        view = self.view
        formatter = self.formatters.get(name)
        if formatter is not None:
            value = formatter(view, None, model, name)
        else:
            value = view._get_field_value(model, name)
        return self.format(name, value)

    def format(self, name, value):
        """The exported text (or value for safe_cell) of column `name` holding `value`."""
        view = self.view
        choices = self.choices.get(name)
        if choices:
            return choices.get(value) or value
        fmt = self._type_formatter(value)
        if fmt is None:
            return value
        if isinstance(value, (datetime.date, bool)) or value is None:
            key = (name, value)
            if key not in self._cache:
                self._cache[key] = fmt(view, value, name)
            return self._cache[key]
        return fmt(view, value, name)

    def row(self, model):
        return [self.value(model, name) for name in self.columns]


def model_view_export(view, export_type):
    """The export of a Flask-Admin model view: its list query (scope, search, filters and sort of
    the page the user is on), streamed in chunks with related labels batch-loaded, through
    csv_response / xlsx_response, audited with the row count."""
    view_args = view._get_list_extra_args()
    sort = view._get_column_by_idx(view_args.sort)
    limit = row_limit(current_user, view.export_max_rows)
    _count, query = view.get_list(
        0,
        sort[0] if sort is not None else None,
        view_args.sort_desc,
        view_args.search,
        view_args.filters,
        execute=False,
        page_size=limit or 0,
    )
    values = ColumnValues(view)
    header = [str(label) for _name, label in view._export_columns]
    fields = view.model._meta.fields
    if not view.column_formatters_export and all(name in fields for name in values.columns):
        known = {flt.rel_model for flt in view._filters or () if getattr(flt, "rel_model", None) is not None}
        rows = _tuple_rows(query, [fields[name] for name in values.columns], values, known)
    else:
        rows = _model_rows(view, query, values)

    filename = view.get_export_name(export_type)
    record_type = view.model.__name__
    if export_type == "csv":
        return csv_response(filename, header, rows, audit=record_type)
    return xlsx_response(filename, [(str(view.name), header, rows)], audit=record_type)


def _model_rows(view, query, values):
    """Rows as model objects, for views whose export formatters may read anything of a row."""
    for batch in iter_query(query):
        view.load_related(batch)
        for model in batch:
            yield values.row(model)


class _Memo(dict):
    """{raw value: converted value (an exported cell's text)}, computed on the first miss;
    cleared past `limit` entries, so a column of many distinct values keeps memory bounded."""

    __slots__ = ("convert", "limit")

    def __init__(self, convert, limit=20000):
        super().__init__()
        self.convert, self.limit = convert, limit

    def __missing__(self, raw):
        if len(self) >= self.limit:
            self.clear()
        self[raw] = text = self.convert(raw)
        return text


# Fields whose database values are hashable and few enough per export to convert once each.
_MEMO_FIELDS = (DateField, DateTimeField, TimeField, BooleanField, IntegerField, DecimalField, FloatField)
# Fields whose database value is the exported text itself (str, or None for the empty cell).
_TEXT_FIELDS = (CharField, TextField, FixedCharField)


def _tuple_rows(query, fields, values, known=()):
    """Rows as the database cursor returns them, only the exported columns (no model objects),
    as SafeBatches: each column has one converter from the raw value to the cell's safe text;
    a foreign key's labels are read for the ids a chunk brings that were not met before (only
    the fields the label uses; lookup tables once per export, `known`); dates, yes/no, numbers
    and choices are formatted, and made safe, once per distinct value. A chunk is converted
    column by column (`map` over the column), then zipped back into rows."""

    names = values.columns

    def converter(i, name, field):
        if name in values.hidden:
            return None  # the column is empty
        if isinstance(field, ForeignKeyField):
            return None  # its labels, below
        to_python, fmt = field.python_value, values.format
        if field is field.model._meta.primary_key and isinstance(field, (AutoField, IntegerField)):
            return str  # a database id: a non-negative integer, never a formula
        if (
            type(field) in _TEXT_FIELDS
            and name not in values.choices
            and values._type_formatter("") is None
            and values.format(name, None) == ""
        ):
            return safe_cell  # text as stored (None is the empty cell)
        if name in values.choices or isinstance(field, _MEMO_FIELDS):
            return _Memo(lambda raw: safe_cell(fmt(name, to_python(raw))) or None).__getitem__
        return lambda raw: safe_cell(fmt(name, to_python(raw))) or None

    converters = [converter(i, name, field) for i, (name, field) in enumerate(zip(names, fields, strict=True))]
    keys = [i for i, f in enumerate(fields) if isinstance(f, ForeignKeyField) and names[i] not in values.hidden]
    # column index -> {id: safe label text}, kept from chunk to chunk (a case's label is read
    # once, not once per chunk its contacts are in), LABELS_KEPT at most
    labels = {i: _Labels({}, safe_cell(values.format(names[i], None)) or None) for i in keys}
    for i, label in labels.items():
        converters[i] = label.__getitem__
    getters = [operator.itemgetter(i) for i in range(len(fields))]

    def batches():
        raw_batches = iter_raw(query.select(*fields))
        try:
            for batch in raw_batches:
                for i in keys:
                    rel_model = fields[i].rel_model
                    seen = labels[i]
                    ids = {row[i] for row in batch} - {None} - seen.keys()
                    if not ids:
                        continue
                    if len(seen) + len(ids) > LABELS_KEPT:
                        seen.clear()  # bounded memory: start again
                        ids = {row[i] for row in batch} - {None}
                    if rel_model in known:
                        offered = visible_rows(rel_model)
                        found = {pk: str(offered[pk]) for pk in ids if pk in offered}
                        ids -= found.keys()
                    else:
                        found = {}
                    if ids:
                        found.update(_labels(rel_model, list(ids)))
                    for pk, text in found.items():
                        seen[pk] = safe_cell(text) or None
                columns = []
                for i, convert in enumerate(converters):
                    if convert is None:
                        columns.append(itertools.repeat(None, len(batch)))
                    else:
                        columns.append(map(convert, map(getters[i], batch)))
                yield list(zip(*columns, strict=True))
        finally:
            raw_batches.close()

    return SafeBatches(batches())


class _Labels(dict):
    """{id: safe label} of the related rows met so far; the empty label for None, the id itself
    for a row the label query did not find."""

    __slots__ = ("empty",)

    def __init__(self, labels, empty):
        super().__init__(labels)
        self.empty = empty

    def __missing__(self, raw):
        return self.empty if raw is None else safe_cell(raw)


def _labels(model, ids):
    """{id: str(row)} of the `model` rows `ids`, reading only the fields the label uses.

    The label is the model's own `__str__`, called on a plain object that holds the label's
    values as attributes (no model object, no field descriptors: a third of a label's cost). A
    `__str__` that reads anything else (a property, a method, super()) fails on it with
    AttributeError or TypeError: that model is then labelled through model objects, from then on.
    """
    if model not in _LABELLED_AS_MODELS:
        try:
            return {pk: str(obj) for pk, obj in _label_objects(model, ids, model.label_paths, plain=True).items()}
        except (AttributeError, TypeError):
            _LABELLED_AS_MODELS.add(model)
        except KeyError:
            pass  # a related row not found: the model objects' way, this once
    return {pk: str(obj) for pk, obj in _label_objects(model, ids, model.label_paths).items()}


# Models whose __str__ needs a real model object (see _labels).
_LABELLED_AS_MODELS = set()
_PLAIN_CLASSES = {}


def _plain_class(model):
    """A class with `model`'s __str__ (and name), for objects holding only attribute values."""
    if model not in _PLAIN_CLASSES:
        owner = next(cls for cls in model.__mro__ if "__str__" in cls.__dict__)
        _PLAIN_CLASSES[model] = type(model.__name__, (), {"__str__": owner.__dict__["__str__"]})
    return _PLAIN_CLASSES[model]


# Field types whose python_value gives back what both drivers return for them (int, str, None).
_AS_STORED = (AutoField, IntegerField, BigIntegerField, CharField, TextField, FixedCharField)


def _stored_as_is(field):
    if isinstance(field, ForeignKeyField):
        field = field.rel_field
    return type(field) in _AS_STORED


def _label_objects(model, ids, paths, plain=False):
    """{id: row} for `ids`, with the related rows `paths` ("citizen") filled in: rows made from
    the cursor's values directly, with only their `label_selection` (or every field), by one
    hand-written SELECT ... WHERE id IN (...) per model — building these IN lists with peewee
    and a model object per row cost more than everything else of an export."""

    fields = label_selection(model) or model._meta.sorted_fields
    database = model._meta.database
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    marks = ", ".join([database.param] * len(ids))
    table, key = model._meta.table_name, model._meta.primary_key.column_name
    sql = f'SELECT {columns} FROM "{table}" WHERE "{key}" IN ({marks})'  # noqa: S608  # nosec B608 - our own identifiers, bound values
    names = [field.name for field in fields]
    rows = database.execute_sql(sql, list(ids)).fetchall()
    # Only the fields whose database value is not already the Python value are converted, a
    # column at a time; dates and yes/no once per distinct value (SQLite returns dates as text).
    columns = None
    for j, field in enumerate(fields):
        if _stored_as_is(field):
            continue
        if columns is None:
            columns = [list(map(operator.itemgetter(k), rows)) for k in range(len(fields))]
        convert = _Memo(field.python_value).__getitem__ if isinstance(field, _MEMO_FIELDS) else field.python_value
        columns[j] = list(map(convert, columns[j]))
    if columns is not None:
        rows = zip(*columns, strict=True)
    objects = {}
    if plain:
        cls = _plain_class(model)
        for raw in rows:
            obj = cls()
            obj.__dict__ = dict(zip(names, raw, strict=True))
            objects[raw[0]] = obj
        for head, rests in split_paths(paths).items():
            field = model._meta.fields[head]
            related_ids = list({obj.__dict__[head] for obj in objects.values()} - {None})
            related = _label_objects(field.rel_model, related_ids, rests, plain=True) if related_ids else {}
            for obj in objects.values():
                values = obj.__dict__
                key = values[field.object_id_name] = values[head]
                if key is not None:
                    values[head] = related[key]  # a row not found: KeyError (see _labels)
        return objects
    new = model.__new__
    for raw in rows:
        obj = new(model)  # no __init__: no defaults to fill, every value comes from the row
        obj.__dict__.update(__data__=dict(zip(names, raw, strict=True)), __rel__={}, _dirty=set())
        objects[raw[0]] = obj
    for head, rests in split_paths(paths).items():
        field = model._meta.fields[head]
        related_ids = list({obj.__data__.get(head) for obj in objects.values()} - {None})
        related = _label_objects(field.rel_model, related_ids, rests) if related_ids else {}
        for obj in objects.values():
            rel = related.get(obj.__data__.get(head))
            if rel is not None:
                obj.__rel__[head] = rel
    return objects
