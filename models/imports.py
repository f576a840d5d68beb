"""Spreadsheet import of existing records: partners, activities, citizens and referrals with
their history, from XLSX or CSV.

One path for the browser (admin/imports.py) and the CLI (`flask import-data`):

    preview_import(user, kind, filename, data)  →  ImportResult: per row what would be created,
                                                   updated or left alone, and what is wrong
    commit_import(user, kind, filename, data)   →  the same checks again, then every row written
                                                   in one transaction — or nothing

Rules the import keeps, like the pages a person uses:
- it only reads and writes the importing user's organisation (`visible_to(user)`), and only an
  admin imports (an admin may edit every such record by hand);
- list values are matched by code or name, case- and accent-insensitively; an unknown value is
  an error, never a new list entry;
- each record carries the `external_id` it was imported under, so importing the same file again
  changes nothing; an export (`export_rows`) writes the same columns with the records' ids, so it
  imports back as "unchanged";
- cases keep the workflow: a closed case has a closing reason and date, no date is in the
  future or before the case was received; an existing case is never changed by an import;
- XLSX is read with openpyxl in read-only mode and formulas are never evaluated: a cell holding a
  formula is an error.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from flask_babel import force_locale
from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField

from extensions import db
from i18n import _, _l
from models.activity import FOCUS, FREQUENCY, PRICE, WEEKDAYS, Activity
from models.audit import AuditLog
from models.base import utcnow
from models.citizen import CONSENT_WAYS, GENDERS, Citizen
from models.lookups import ActivityCategory, PartnerKind, ReferralChannel, ReferralReason
from models.organisation import TenantModel, organisation_fk
from models.outcomes import CaseClosure, ClosureReason
from models.partner import Partner
from models.referral import ACTIVE, CLOSED, CONTACTED, DECLINED, RECEIVED, STATUSES, Referral, ReferralReasonLink
from models.roles import BRIDGE_BUILDER
from models.rules import RuleError
from models.search import fold
from models.user import User
from models.workflow import StatusChange
from plugins import hook

KINDS = (
    ("partners", _l("Partners")),
    ("activities", _l("Activities")),
    ("citizens", _l("Citizens")),
    ("referrals", _l("Referrals")),
)
MAX_COLUMNS = 60
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MIN_BIRTH_YEAR = 1900
CHUNK = 200  # rows per INSERT (20 columns × 200 stays far below SQLite's bound-parameter limit)
ID_PREFIX = "#"  # "#123" in the id column: the record with database id 123 (what an export writes)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ImportBatch(TenantModel):
    """One import: who, which kind and file, what it did. The file is kept only until commit."""

    organisation = organisation_fk()
    user = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("User"))
    kind = CharField(max_length=20, choices=KINDS, verbose_name=_l("Kind"))
    filename = CharField(max_length=200, verbose_name=_l("File"))
    content = BlobField(null=True)
    status = CharField(max_length=20, default="previewed")
    rows = IntegerField(default=0)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    errors = IntegerField(default=0)
    committed_at = DateTimeField(null=True)

    class Meta:
        table_name = "import_batch"
        indexes = ((("organisation", "created_at"), False),)

    def __str__(self):
        return self.filename


# -- reading a file ------------------------------------------------------------------------------
def read_table(filename, data, max_rows=None):
    """(header cells, iterator of (row number, cells)) of the file's first sheet. Cells are
    values, or the marker FORMULA for a cell holding a formula. Raises ImportFileError."""
    name = (filename or "").lower()
    if not data:
        raise ImportFileError(_l("The file is empty."))
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        rows = _read_csv(data)
    else:
        ext = name.rsplit(".", 1)[-1] if "." in name else "?"
        raise ImportFileError(
            _l(
                "Only XLSX and CSV files can be imported (this file is .%(ext)s). "
                "In Excel, choose Save as → Excel workbook (.xlsx) or CSV.",
                ext=ext[:10],
            )
        )
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_l("The file is empty.")) from None
    header = _trim(header)
    if not header:
        rows.close()
        raise ImportFileError(_l("The file is empty."))
    if len(header) > MAX_COLUMNS:
        rows.close()
        raise ImportFileError(
            _l(
                "The file has %(n)s columns; an import has at most %(max)s. "
                "Remove the extra columns, or use the template.",
                n=len(header),
                max=MAX_COLUMNS,
            )
        )

    def body():
        for number, cells in enumerate(rows, start=2):
            cells = list(cells[: len(header)])
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            if max_rows is not None and number - 1 > max_rows:
                raise ImportFileError(
                    _l(
                        "The file has more than %(max)s rows, too many for the browser. "
                        "Import it with the command flask import-data (see the README).",
                        max=max_rows,
                    )
                )
            yield number, cells

    return header, body()


class _Formula:
    def __repr__(self):
        return "FORMULA"


FORMULA = _Formula()


def _trim(cells):
    cells = list(cells)
    while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
        cells.pop()
    return cells


def _read_xlsx(data):
    if not data.startswith(b"PK"):
        raise ImportFileError(_l("The file could not be read as XLSX: it is damaged or not a real Excel workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(
            _l("The file could not be read as XLSX: it is damaged or not a real Excel workbook.")
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _l("The workbook unpacks to more than %(mb)s MB. Split it into smaller files.", mb=MAX_UNPACKED_BYTES >> 20)
        )
    import openpyxl

    try:
        # read_only streams the sheet; data_only=False so a formula arrives as the formula, which
        # we refuse (never its cached result, never evaluated).
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(
            _l("The file could not be read as XLSX: it is damaged or not a real Excel workbook.")
        ) from exc

    def rows():
        try:
            # values_only is openpyxl's fast path; with data_only=False a formula cell's value is
            # the formula text ("=SUM(A1:A3)"), which parse() refuses like any text starting "=".
            # The header row whole (so a 16 384-column sheet is reported as such), then the body
            # no wider than an import can be.
            for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
                yield list(row)
            for row in sheet.iter_rows(min_row=2, max_col=MAX_COLUMNS + 1, values_only=True):
                yield list(row)
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                _l("The file could not be read as XLSX: it is damaged or not a real Excel workbook.")
            ) from exc
        finally:
            workbook.close()

    return rows()


def _read_csv(data):
    if b"\x00" in data[:65536]:
        raise ImportFileError(_l("The file could not be read as CSV text. Save it as CSV (UTF-8) and try again."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 decodes almost anything; kept for clarity
        raise ImportFileError(_l("The file could not be read as CSV text. Save it as CSV (UTF-8) and try again."))
    if "\x00" in text:
        raise ImportFileError(_l("The file could not be read as CSV text. Save it as CSV (UTF-8) and try again."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for row in reader:
                yield [None if c == "" else c for c in row]
        except csv.Error as exc:
            raise ImportFileError(
                _l("The file could not be read as CSV text. Save it as CSV (UTF-8) and try again.")
            ) from exc

    return rows()


# -- columns -------------------------------------------------------------------------------------
@dataclass
class Column:
    header: str  # the column's name in templates and exports (Danish, stable)
    field: str  # the attribute it fills
    type: str = "text"  # text, int, date, time, bool, choice, lookup, lookups, email, special
    required: bool = False
    max_length: int = 200
    choices: tuple = ()
    lookup: type = None
    aliases: tuple = ()
    example: object = ""
    low: int = None
    high: int = None
    synonyms: tuple = ()  # (word, code): what people also write, e.g. ("lukket", "closed")


def _choice_names(choices):
    """{folded code or label (Danish and English): code}."""
    names = {}
    for code, label in choices:
        names[fold(str(code))] = code
        for locale in ("da", "en"):
            with force_locale(locale):
                names[fold(str(label))] = code
    return names


class RowError(Exception):
    pass


@dataclass
class RowResult:
    number: int
    external_id: str = ""
    action: str = ""  # create, update, unchanged, skipped, error
    messages: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # column headers that an update changes
    values: dict = field(default_factory=dict)
    record: object = None


@dataclass
class ImportResult:
    kind: str
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # every error message, in row order

    def count(self, action):
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self):
        return not self.problems

    def counts(self):
        return {a: self.count(a) for a in ("create", "update", "unchanged", "skipped", "error")}

    def summary_text(self):
        c = self.counts()
        return _(
            "%(rows)s rows: %(create)s new, %(update)s changed, %(unchanged)s unchanged, "
            "%(skipped)s left alone, %(error)s with errors.",
            rows=len(self.rows),
            **c,
        )


def row_message(number, text):
    return _("row %(row)s: %(problem)s", row=number, problem=text)


class Importer:
    """What one kind of import reads, checks and writes. Subclasses list `columns`."""

    kind = ""
    model = None
    columns = ()
    # Fields compared (and, for updatable kinds, updated) on an existing record.
    updatable = True

    def __init__(self, user):
        self.user = user
        self.org = user.organisation
        self.today = datetime.date.today()
        self._choice_maps = {}
        self._lookups = {}
        by_external = {}
        by_id = {}
        for record in self.model.visible_to(user):
            by_id[record.id] = record
            if record.external_id:
                by_external[record.external_id] = record
        self.existing_external, self.existing_ids = by_external, by_id

    # -- headers
    def map_header(self, header):
        """{column index: Column}; raises ImportFileError for unknown or missing columns."""
        names = {}
        for column in self.columns:
            for name in (column.header, column.field, *column.aliases):
                names[fold(name).replace(" ", "_")] = column
        mapping, unknown, seen = {}, [], set()
        for index, cell in enumerate(header):
            key = fold(str(cell or "")).replace(" ", "_")
            column = names.get(key)
            if column is None:
                if cell not in (None, ""):
                    unknown.append(str(cell)[:40])
                continue
            if column.header in seen:
                raise ImportFileError(_l("The column %(column)s appears twice.", column=column.header))
            seen.add(column.header)
            mapping[index] = column
        if unknown:
            raise ImportFileError(
                _l(
                    "Unknown columns: %(unknown)s. The columns of this import are: %(expected)s.",
                    unknown=", ".join(unknown[:10]),
                    expected=", ".join(c.header for c in self.columns),
                )
            )
        missing = [c.header for c in self.columns if c.required and c.header not in seen]
        if "ekstern_id" not in seen:
            missing.insert(0, "ekstern_id")
        if missing:
            raise ImportFileError(_l("Missing columns: %(columns)s.", columns=", ".join(missing)))
        return mapping

    # -- cells
    def parse(self, number, column, raw, errors):
        plain = (str, int, float, bool, datetime.date, datetime.time)
        if (
            raw is FORMULA
            or (isinstance(raw, str) and raw.lstrip().startswith("="))
            or (raw is not None and not isinstance(raw, plain))
        ):
            # A formula (text "=...", or openpyxl's array/table formula objects): never evaluated.
            errors.append(
                row_message(
                    number,
                    _(
                        "%(column)s holds a formula; formulas are never imported. Paste the value instead.",
                        column=column.header,
                    ),
                )
            )
            return None
        if isinstance(raw, str):
            raw = raw.strip()
            if "\x00" in raw:
                errors.append(row_message(number, _("%(column)s holds invalid characters.", column=column.header)))
                return None
        if raw is None or raw == "":
            if column.required:
                errors.append(row_message(number, _("%(column)s must be filled in.", column=column.header)))
            return None
        try:
            return getattr(self, f"_parse_{column.type}")(column, raw)
        except RowError as exc:
            errors.append(row_message(number, str(exc)))
            return None

    def _bad(self, column, raw, problem=None):
        value = str(raw)[:60]
        if problem is None:
            return RowError(_("%(column)s %(value)s is not possible", column=column.header, value=value))
        return RowError(problem)

    def _parse_text(self, column, raw):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, datetime.datetime | datetime.date):
            raw = raw.strftime("%Y-%m-%d")
        text = str(raw).strip()
        if len(text) > column.max_length:
            raise RowError(
                _("%(column)s is longer than %(max)s characters.", column=column.header, max=column.max_length)
            )
        return text

    def _parse_email(self, column, raw):
        text = self._parse_text(column, raw).lower()
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", text):
            raise RowError(
                _("%(column)s “%(value)s” is not a valid e-mail address.", column=column.header, value=text[:60])
            )
        return text

    def _parse_int(self, column, raw):
        if isinstance(raw, bool):
            raise self._bad(column, raw)
        if isinstance(raw, float):
            if not raw.is_integer():
                raise RowError(
                    _("%(column)s “%(value)s” is not a whole number.", column=column.header, value=str(raw)[:30])
                )
            raw = int(raw)
        if isinstance(raw, str):
            if not re.fullmatch(r"-?\d{1,9}", raw):
                raise RowError(_("%(column)s “%(value)s” is not a whole number.", column=column.header, value=raw[:30]))
            raw = int(raw)
        if not isinstance(raw, int):
            raise RowError(
                _("%(column)s “%(value)s” is not a whole number.", column=column.header, value=str(raw)[:30])
            )
        if (column.low is not None and raw < column.low) or (column.high is not None and raw > column.high):
            raise self._bad(column, raw)
        return raw

    def _parse_date(self, column, raw):
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        text = str(raw).strip()
        for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise RowError(
            _(
                "%(column)s “%(value)s” is not a date (write it as YYYY-MM-DD or DD.MM.YYYY).",
                column=column.header,
                value=text[:30],
            )
        )

    def _parse_time(self, column, raw):
        if isinstance(raw, datetime.time):
            return raw
        if isinstance(raw, datetime.datetime):
            return raw.time()
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::\d{2})?", str(raw).strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise RowError(
                _(
                    "%(column)s “%(value)s” is not a time (write it as 13:30).",
                    column=column.header,
                    value=str(raw)[:30],
                )
            )
        return datetime.time(int(match.group(1)), int(match.group(2)))

    def _parse_bool(self, column, raw):
        if isinstance(raw, bool):
            return raw
        key = fold(str(raw))
        if key in ("ja", "yes", "1", "x", "true", "sand", "j", "y"):
            return True
        if key in ("nej", "no", "0", "false", "falsk", "n"):
            return False
        raise RowError(_("%(column)s must be ja or nej, not “%(value)s”.", column=column.header, value=str(raw)[:30]))

    def _parse_choice(self, column, raw):
        names = self._choice_maps.get(column.header)
        if names is None:
            names = self._choice_maps[column.header] = _choice_names(column.choices)
            names.update({fold(word): code for word, code in column.synonyms})
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        code = names.get(fold(str(raw)))
        if code is None:
            with force_locale("da"):
                allowed = ", ".join(str(label) for _code, label in column.choices)
            raise RowError(
                _(
                    "%(column)s “%(value)s” is not one of: %(choices)s.",
                    column=column.header,
                    value=str(raw)[:40],
                    choices=allowed,
                )
            )
        return code

    def lookup_map(self, model):
        """{folded code or name: entry} of the organisation's active entries of a list."""
        if model not in self._lookups:
            names = {}
            entries = model.select().where((model.organisation == self.org.id) & (model.active == True))  # noqa: E712
            for entry in entries:
                names.setdefault(fold(entry.name), entry)
                if entry.code:
                    names[fold(entry.code)] = entry
            self._lookups[model] = (names, entries)
        return self._lookups[model]

    def _parse_lookup(self, column, raw):
        names, entries = self.lookup_map(column.lookup)
        entry = names.get(fold(str(raw)))
        if entry is None:
            raise RowError(
                _(
                    "%(column)s “%(value)s” is not in the organisation's list (%(choices)s).",
                    column=column.header,
                    value=str(raw)[:60],
                    choices=", ".join(e.name for e in entries)[:300],
                )
            )
        return entry

    def _parse_lookups(self, column, raw):
        parts = [p.strip() for p in re.split(r"[;|]", str(raw)) if p.strip()]
        return tuple(sorted({self._parse_lookup(column, part).id for part in parts}))

    def _parse_special(self, column, raw):
        return self._parse_text(column, raw)

    # -- rows
    def read_row(self, number, cells, mapping):
        errors, values = [], {}
        for index, column in mapping.items():
            raw = cells[index] if index < len(cells) else None
            values[column.field] = self.parse(number, column, raw, errors)
        return values, errors

    def find_existing(self, external_id):
        if external_id.startswith(ID_PREFIX) and external_id[1:].isdigit():
            return self.existing_ids.get(int(external_id[1:])), True
        return self.existing_external.get(external_id), False

    def check(self, number, values, errors):
        """Kind-specific rules: add messages to `errors`; may replace values."""

    def stored(self, record, name):
        """The value of field `name` on an existing record, comparable with a parsed value."""
        value = getattr(record, f"{name}_id", None) if self.is_fk(name) else getattr(record, name)
        return value

    def is_fk(self, name):
        return isinstance(self.model._meta.fields.get(name), ForeignKeyField)

    def comparable(self, name, value):
        if hasattr(value, "id") and not isinstance(value, datetime.date | datetime.time):
            return value.id
        return value

    def fields_of(self, values):
        """The values to store on the model (lookups as ids, special columns left out)."""
        out = {}
        for column in self.columns:
            if column.type == "special" or column.field == "external_id" or column.field not in values:
                continue
            out[column.field] = self.comparable(column.field, values[column.field])
        return out

    def differences(self, record, values):
        changed = []
        for column in self.columns:
            if column.type == "special" or column.field in ("external_id",) or column.field not in values:
                continue
            new = self.comparable(column.field, values[column.field])
            old = self.stored(record, column.field)
            if isinstance(old, str) and new is None:
                new = old if old == "" else new
            if old != new and not (old in (None, "") and new in (None, "")):
                changed.append(column.header)
        return changed

    def write(self, values, record=None):
        """Create (record None) or update one record; returns it."""
        data = self.fields_of(values)
        if record is None:
            record = self.model.create(organisation=self.org.id, external_id=values["external_id"], **data)
        else:
            for name, value in data.items():
                setattr(record, f"{name}_id" if self.is_fk(name) else name, value)
            record.save()
        return record

    def row_data(self, values):
        """The column values of a new record, defaults and search key included."""
        record = self.model(organisation=self.org.id, external_id=values["external_id"], **self.fields_of(values))
        record.touch()
        return record.__data__

    def create_many(self, rows):
        """Insert new records in one statement (a row per record costs ~5 ms of SQL building
        alone); returns their ids in order."""
        data = [self.row_data(values) for values in rows]
        self.insert_rows(self.model, data)
        return self.ids_of([values["external_id"] for values in rows])

    @staticmethod
    def insert_rows(model, data):
        keys = set().union(*(row.keys() for row in data)) - {"id"}
        fields = model._meta.fields
        for row in data:
            for key in keys - row.keys():
                default = fields[key].default
                row[key] = default() if callable(default) else default
        bulk_insert(model, data)

    def ids_of(self, external_ids):
        model = self.model
        found = dict(
            model.select(model.external_id, model.id)
            .where((model.organisation == self.org.id) & model.external_id.in_(external_ids))
            .tuples()
        )
        return [found[external_id] for external_id in external_ids]

    def run(self, header, rows, progress=None, total=None):
        mapping = self.map_header(header)
        result = ImportResult(self.kind)
        seen = {}
        for n, (number, cells) in enumerate(rows, start=1):
            values, errors = self.read_row(number, cells, mapping)
            external_id = values.get("external_id") or ""
            row = RowResult(number, external_id=external_id, values=values)
            if external_id:
                if external_id in seen:
                    errors.append(
                        row_message(
                            number,
                            _(
                                "the id %(value)s appears twice (also row %(other)s).",
                                value=external_id,
                                other=seen[external_id],
                            ),
                        )
                    )
                seen.setdefault(external_id, number)
                record, by_id = self.find_existing(external_id)
                if by_id and record is None:
                    errors.append(row_message(number, _("there is no record %(value)s to update.", value=external_id)))
                row.record = record
            # The row's own rules run even when a cell could not be read, so every problem of the
            # row is reported at once (rules skip the values that are missing).
            self.check(number, values, errors)
            if errors:
                row.action = "error"
                row.messages = errors
                result.problems.extend(errors)
            elif row.record is None:
                row.action = "create"
            else:
                row.changes = self.differences(row.record, values)
                if not row.changes:
                    row.action = "unchanged"
                elif self.updatable:
                    row.action = "update"
                else:
                    row.action = "skipped"
                    row.messages = [
                        row_message(
                            number,
                            _(
                                "the case exists and differs in %(columns)s; an import never changes a case "
                                "(change it on the case page).",
                                columns=", ".join(row.changes),
                            ),
                        )
                    ]
            result.rows.append(row)
            if progress and total and n % 500 == 0:
                progress(min(n / total, 1.0))
        if not result.rows:
            raise ImportFileError(_l("The file has a header row but no rows to import."))
        return result


def bulk_insert(model, rows):
    """INSERT `rows` (dicts of field name → value, the same keys in each) with one executemany.

    Each value goes through its field's db_value, as peewee's own inserts do; peewee's
    insert_many builds the SQL value by value in Python, which cost more than the database's
    work for thousands of rows (bench/import_throughput.py)."""
    if not rows:
        return
    database = db.obj
    fields = [model._meta.fields[name] for name in sorted(rows[0])]
    # Names from the model's metadata only, never from the file; values are bound parameters.
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    params = ", ".join([database.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({params})'  # noqa: S608  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    cursor = database.cursor()
    cursor.executemany(sql, [[f.db_value(row[f.name]) for f in fields] for row in rows])


# -- the four kinds --------------------------------------------------------------------------------
EXTERNAL_ID = Column(
    "ekstern_id",
    "external_id",
    max_length=100,
    required=True,
    aliases=("external id", "id", "ekstern id"),
    example="P-001",
)


class PartnerImporter(Importer):
    kind = "partners"
    model = Partner
    columns = (
        EXTERNAL_ID,
        Column("navn", "name", required=True, aliases=("name",), example="Ældre Sagen Vesterbro"),
        Column("type", "kind", "lookup", lookup=PartnerKind, aliases=("kind", "art"), example="Forening"),
        Column("kontaktperson", "contact_name", aliases=("contact_name",), example="Birthe Nielsen"),
        Column(
            "kontakt_email",
            "contact_email",
            "email",
            max_length=254,
            aliases=("contact_email",),
            example="birthe@example.dk",
        ),
        Column("kontakt_telefon", "contact_phone", max_length=40, aliases=("contact_phone",), example="33 12 34 56"),
        Column("aftale_til", "agreement_until", "date", aliases=("agreement_until",), example="2026-12-31"),
    )

    def write(self, values, record=None):
        record = super().write(values, record)
        return record


class ActivityImporter(Importer):
    kind = "activities"
    model = Activity
    columns = (
        EXTERNAL_ID,
        Column("navn", "name", required=True, aliases=("name",), example="Netværkscafé"),
        Column("partner", "partner", "special", required=True, example="P-001"),
        Column("kategori", "category", "lookup", lookup=ActivityCategory, aliases=("category",), example="Café"),
        Column("fokus", "focus", "choice", choices=FOCUS, aliases=("focus",), example="Socialt"),
        Column(
            "hyppighed",
            "frequency",
            "choice",
            choices=FREQUENCY,
            aliases=("frequency",),
            example="Ugentligt",
            synonyms=(
                ("ugentlig", "weekly"),
                ("hver uge", "weekly"),
                ("hver 14. dag", "biweekly"),
                ("månedlig", "monthly"),
            ),
        ),
        Column("ugedag", "weekday", "choice", choices=WEEKDAYS, aliases=("weekday",), example="Onsdag"),
        Column("tidspunkt", "start_time", "time", aliases=("start_time", "time"), example="13:00"),
        Column("sted", "place", aliases=("place",), example="Medborgerhuset Sydhavn"),
        Column("pris", "price", "choice", choices=PRICE, aliases=("price",), example="Gratis"),
        Column("alder_fra", "age_min", "int", low=0, high=120, aliases=("age_min",), example=60),
        Column("alder_til", "age_max", "int", low=0, high=120, aliases=("age_max",), example=""),
        Column("pladser", "capacity", "int", low=0, high=10000, aliases=("capacity",), example=20),
        Column("øvefællesskab", "is_practice", "bool", aliases=("is_practice", "practice"), example="ja"),
        Column("offentlig", "public", "bool", aliases=("public",), example="nej"),
        Column("aktiv_fra", "active_from", "date", aliases=("active_from",), example="2024-01-01"),
        Column("aktiv_til", "active_until", "date", aliases=("active_until",), example=""),
    )

    def __init__(self, user):
        super().__init__(user)
        self.partners_by_external, self.partners_by_name = {}, {}
        self.partners_by_id = {}
        for partner in Partner.visible_to(user):
            self.partners_by_id[partner.id] = partner
            if partner.external_id:
                self.partners_by_external[partner.external_id] = partner
            self.partners_by_name.setdefault(fold(partner.name), []).append(partner)

    def check(self, number, values, errors):
        ref = values.get("partner")
        partner = None
        if ref:
            if ref.startswith(ID_PREFIX) and ref[1:].isdigit():
                partner = self.partners_by_id.get(int(ref[1:]))
            else:
                partner = self.partners_by_external.get(ref)
                if partner is None:
                    named = self.partners_by_name.get(fold(ref), [])
                    if len(named) > 1:
                        errors.append(
                            row_message(
                                number, _("%(value)s matches several partners; use the partner's id.", value=ref)
                            )
                        )
                        return
                    partner = named[0] if named else None
            if partner is None:
                errors.append(
                    row_message(number, _("there is no partner %(value)s; import the partners first.", value=ref))
                )
                return
        values["partner"] = partner
        low, high = values.get("age_min"), values.get("age_max")
        if low is not None and high is not None and high < low:
            errors.append(row_message(number, _("alder_til cannot be below alder_fra.")))
        start, end = values.get("active_from"), values.get("active_until")
        if start and end and end < start:
            errors.append(row_message(number, _("aktiv_til cannot be before aktiv_fra.")))
        for name, default in (("focus", "social"), ("frequency", "weekly"), ("price", "free")):
            if values.get(name) is None:
                values[name] = default
        for name in ("is_practice", "public"):
            if values.get(name) is None:
                values[name] = False

    def fields_of(self, values):
        data = super().fields_of(values)
        data["partner"] = values["partner"].id
        return data

    def differences(self, record, values):
        changed = super().differences(record, values)
        if record.partner_id != values["partner"].id:
            changed.append("partner")
        return changed


class CitizenImporter(Importer):
    kind = "citizens"
    model = Citizen
    columns = (
        EXTERNAL_ID,
        Column("navn", "name", aliases=("name",), example="Kirsten Holm"),
        Column("initialer", "initials", max_length=20, aliases=("initials", "pseudonym"), example="KH"),
        Column("anonym", "anonymous", "bool", aliases=("anonymous",), example="nej"),
        Column("fødselsår", "birth_year", "int", aliases=("birth_year", "foedselsaar"), example=1932),
        Column(
            "køn",
            "gender",
            "choice",
            choices=GENDERS,
            aliases=("gender", "koen"),
            example="Kvinde",
            synonyms=(("k", "female"), ("m", "male"), ("kvinder", "female"), ("mænd", "male")),
        ),
        Column("postnummer", "postal_code", max_length=10, aliases=("postal_code",), example="2450"),
        Column("telefon", "phone", max_length=40, aliases=("phone",), example="21 34 56 78"),
        Column("email", "email", "email", max_length=254, aliases=("e-mail",), example=""),
        Column("adresse", "address", aliases=("address",), example=""),
        Column("bor_alene", "lives_alone", "bool", aliases=("lives_alone",), example="ja"),
        Column("lægepraksis", "gp_practice", aliases=("gp_practice", "laegepraksis"), example="Lægehuset Enghave"),
        Column("samtykke_dato", "consent_on", "date", aliases=("consent_on",), example="2024-03-01"),
        Column(
            "samtykke_hvordan",
            "consent_how",
            "choice",
            choices=CONSENT_WAYS,
            aliases=("consent_how",),
            example="Mundtligt",
        ),
        Column("samtykke_omfang", "consent_scope", aliases=("consent_scope",), example="Kontakt fra brobygger"),
        Column("samtykke_partnere_dato", "partner_consent_on", "date", aliases=("partner_consent_on",), example=""),
        Column(
            "samtykke_partnere_hvordan",
            "partner_consent_how",
            "choice",
            choices=CONSENT_WAYS,
            aliases=("partner_consent_how",),
            example="",
        ),
        Column(
            "samtykke_læge_dato", "gp_consent_on", "date", aliases=("gp_consent_on", "samtykke_laege_dato"), example=""
        ),
        Column(
            "samtykke_læge_hvordan",
            "gp_consent_how",
            "choice",
            choices=CONSENT_WAYS,
            aliases=("gp_consent_how", "samtykke_laege_hvordan"),
            example="",
        ),
    )

    PERSONAL = ("name", "phone", "email", "address")

    def check(self, number, values, errors):
        year = values.get("birth_year")
        if year is not None and not MIN_BIRTH_YEAR <= year <= self.today.year:
            errors.append(
                row_message(number, _("%(column)s %(value)s is not possible", column="fødselsår", value=year))
            )
        anonymous = bool(values.get("anonymous"))
        values["anonymous"] = anonymous
        if anonymous:
            if not self.org.allow_anonymous:
                errors.append(row_message(number, _("this organisation does not register anonymous citizens.")))
            for name in self.PERSONAL:
                if values.get(name):
                    header = next(c.header for c in self.columns if c.field == name)
                    errors.append(row_message(number, _("an anonymous citizen has no %(column)s.", column=header)))
        if not values.get("initials"):
            if values.get("name"):
                values["initials"] = "".join(part[0] for part in values["name"].split())[:20].upper()
            else:
                errors.append(row_message(number, _("give initials (or a pseudonym) or a name.")))
        code = values.get("postal_code")
        if code and not re.fullmatch(r"\d{4}", code):
            errors.append(
                row_message(number, _("%(column)s %(value)s is not possible", column="postnummer", value=code))
            )
        consent = values.get("consent_on")
        if consent and consent > self.today:
            errors.append(row_message(number, _("%(column)s cannot be in the future.", column="samtykke_dato")))
        if values.get("gender") is None:
            values["gender"] = "unknown"
        if not errors:  # the citizen rules every path shares (Citizen.clean), after the per-column ones
            try:
                self.citizen(values)
            except RuleError as exc:
                errors.append(row_message(number, str(exc.message)))

    def citizen(self, values):
        """The new citizen of a row, cleaned by Citizen.clean (RuleError if a rule fails)."""
        record = Citizen(organisation=self.org.id, external_id=values["external_id"], **self.fields_of(values))
        return record.clean(self.org)

    def row_data(self, values):
        record = self.citizen(values)
        record.touch()
        return record.__data__


class ReferralImporter(Importer):
    kind = "referrals"
    model = Referral
    updatable = False  # an existing case changes only through the workflow, on the case page
    columns = (
        EXTERNAL_ID,
        Column("borger", "citizen", "special", required=True, aliases=("citizen",), example="B-001"),
        Column("modtaget", "received_on", "date", required=True, aliases=("received_on",), example="2024-02-01"),
        Column(
            "kanal", "channel", "lookup", lookup=ReferralChannel, aliases=("channel",), example="Praktiserende læge"
        ),
        Column("henvist_af", "referrer_name", aliases=("referrer_name",), example="Dr. Holm"),
        Column(
            "årsager",
            "reasons",
            "lookups",
            lookup=ReferralReason,
            max_length=500,
            aliases=("reasons", "aarsager"),
            example="Følelsesmæssig ensomhed; Sorg efter tab",
        ),
        Column(
            "status",
            "status",
            "choice",
            choices=STATUSES,
            required=True,
            example="Afsluttet",
            synonyms=(("lukket", CLOSED), ("ny", RECEIVED), ("venter", "waiting"), ("afvist", DECLINED)),
        ),
        Column(
            "første_kontakt",
            "first_contact_on",
            "date",
            aliases=("first_contact_on", "forste_kontakt"),
            example="2024-02-05",
        ),
        Column(
            "brobygger",
            "assigned_to",
            "special",
            max_length=254,
            aliases=("bridge_builder", "assigned_to"),
            example="brobygger@example.dk",
        ),
        Column("lukket", "closed_on", "date", aliases=("closed_on",), example="2024-09-30"),
        Column(
            "lukkeårsag",
            "closure_reason",
            "lookup",
            lookup=ClosureReason,
            aliases=("closure_reason", "lukkeaarsag"),
            example="Brobygget til varigt fællesskab",
        ),
    )

    def __init__(self, user):
        super().__init__(user)
        self.citizens_by_external, self.citizen_ids = {}, set()
        query = Citizen.visible_to(user).select(Citizen.id, Citizen.external_id, Citizen.search_key)
        self.citizen_keys = {}
        for citizen_id, external_id, key in query.tuples():
            self.citizen_ids.add(citizen_id)
            self.citizen_keys[citizen_id] = key
            if external_id:
                self.citizens_by_external[external_id] = citizen_id
        self.builders = {
            u.email: u
            for u in User.select().where(
                (User.organisation == self.org.id) & (User.role == BRIDGE_BUILDER) & (User.active == True)  # noqa: E712
            )
        }
        self.reasons_of = {}
        if self.existing_ids:
            for referral_id, reason_id in (
                ReferralReasonLink.select(ReferralReasonLink.referral, ReferralReasonLink.reason)
                .join(Referral)
                .where(Referral.organisation == self.org.id)
                .tuples()
            ):
                self.reasons_of.setdefault(referral_id, set()).add(reason_id)

    def check(self, number, values, errors):
        ref = values.get("citizen") or ""
        if ref.startswith(ID_PREFIX) and ref[1:].isdigit() and int(ref[1:]) in self.citizen_ids:
            values["citizen"] = int(ref[1:])
        elif ref in self.citizens_by_external:
            values["citizen"] = self.citizens_by_external[ref]
        elif ref:  # (an empty one is already reported as a missing value)
            errors.append(
                row_message(number, _("there is no citizen %(value)s; import the citizens first.", value=ref))
            )
        email = (values.get("assigned_to") or "").lower()
        if email:
            builder = self.builders.get(email)
            if builder is None:
                errors.append(
                    row_message(
                        number, _("%(value)s is not an active bridge builder of the organisation.", value=email)
                    )
                )
            values["assigned_to"] = builder
        else:
            values["assigned_to"] = None
        received, first, closed = values.get("received_on"), values.get("first_contact_on"), values.get("closed_on")
        status = values.get("status")
        for name, date in (("modtaget", received), ("første_kontakt", first), ("lukket", closed)):
            if date and date > self.today:
                errors.append(row_message(number, _("%(column)s cannot be in the future.", column=name)))
            if date and date.year < 1990:
                errors.append(
                    row_message(number, _("%(column)s %(value)s is not possible", column=name, value=date.isoformat()))
                )
        if received and first and first < received:
            errors.append(row_message(number, _("første_kontakt cannot be before the case was received.")))
        if received and closed and closed < received:
            errors.append(row_message(number, _("lukket cannot be before the case was received.")))
        if first and closed and closed < first:
            errors.append(row_message(number, _("lukket cannot be before første_kontakt.")))
        if status == CLOSED:
            if not closed:
                errors.append(row_message(number, _("a closed case needs %(column)s.", column="lukket")))
            if not values.get("closure_reason"):
                errors.append(row_message(number, _("a closed case needs %(column)s.", column="lukkeårsag")))
        elif closed or values.get("closure_reason"):
            errors.append(row_message(number, _("lukket and lukkeårsag are only for closed cases.")))
        if status in (CONTACTED, ACTIVE) and not first:
            errors.append(
                row_message(
                    number, _("a case with status %(status)s needs første_kontakt.", status=dict(STATUSES)[status])
                )
            )
        values["reasons"] = values.get("reasons") or ()

    def comparable(self, name, value):
        if name == "assigned_to":
            return value.id if value else None
        return super().comparable(name, value)

    def differences(self, record, values):
        changed = []
        simple = ("citizen", "received_on", "channel", "referrer_name", "status", "first_contact_on", "assigned_to")
        for column in self.columns:
            if column.field in simple:
                new = self.comparable(column.field, values.get(column.field))
                old = self.stored(record, column.field)
                if old != new and not (old in (None, "") and new in (None, "")):
                    changed.append(column.header)
        if set(values["reasons"]) != self.reasons_of.get(record.id, set()):
            changed.append("årsager")
        return changed

    def create_many(self, rows):
        """Cases, their reasons, status history and closings, a few statements per chunk."""
        now = utcnow()
        data = [
            {
                "organisation": self.org.id,
                "external_id": values["external_id"],
                "citizen": values["citizen"],
                "channel": values["channel"].id if values.get("channel") else None,
                "referrer_name": values.get("referrer_name"),
                "received_on": values["received_on"],
                "status": values["status"],
                "first_contact_on": values.get("first_contact_on"),
                "assigned_to": values["assigned_to"].id if values.get("assigned_to") else None,
                "shared": False,
                "search_key": self.citizen_keys.get(values["citizen"], ""),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for values in rows
        ]
        bulk_insert(Referral, data)
        ids = self.ids_of([values["external_id"] for values in rows])
        # The case number leads the search key (as Referral.save writes it).
        Referral.update(search_key=Referral.id.cast("text").concat(" ").concat(Referral.search_key)).where(
            Referral.id.in_(ids) & (Referral.search_key != "")
        ).execute()
        Referral.update(search_key=Referral.id.cast("text")).where(
            Referral.id.in_(ids) & (Referral.search_key == "")
        ).execute()
        links, steps, closings = [], [], []
        for referral_id, values in zip(ids, rows, strict=True):
            links += [
                {"referral": referral_id, "reason": reason, "created_at": now, "updated_at": now}
                for reason in values["reasons"]
            ]
            steps += [
                {
                    "referral": referral_id,
                    "from_status": old,
                    "to_status": new,
                    "by": self.user.id,
                    "at": datetime.datetime.combine(on, datetime.time(12, 0)),
                    "effective_on": on,
                    "note": "import",
                    "created_at": now,
                    "updated_at": now,
                }
                for old, new, on in self.history(values)
            ]
            if values["status"] == CLOSED:
                closings.append(
                    {
                        "organisation": self.org.id,
                        "referral": referral_id,
                        "closed_on": values["closed_on"],
                        "reason": values["closure_reason"].id,
                        "by": self.user.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for model, batch in ((ReferralReasonLink, links), (StatusChange, steps), (CaseClosure, closings)):
            bulk_insert(model, batch)
        return ids

    def write(self, values, record=None):
        referral = Referral(
            organisation=self.org.id,
            external_id=values["external_id"],
            citizen=values["citizen"],
            channel=values["channel"].id if values.get("channel") else None,
            referrer_name=values.get("referrer_name"),
            received_on=values["received_on"],
            status=values["status"],
            first_contact_on=values.get("first_contact_on"),
            assigned_to=values["assigned_to"].id if values.get("assigned_to") else None,
        )
        referral.touch()
        referral.save(force_insert=True)
        key = self.citizen_keys.get(values["citizen"], "")
        Referral.update(search_key=fold(f"{referral.id} {key}")).where(Referral.id == referral.id).execute()
        if values["reasons"]:
            ReferralReasonLink.insert_many(
                [{"referral": referral.id, "reason": reason} for reason in values["reasons"]]
            ).execute()
        # The status history the workflow would have written, dated as it happened.
        history = self.history(values)
        if history:
            StatusChange.insert_many(
                [
                    {
                        "referral": referral.id,
                        "from_status": old,
                        "to_status": new,
                        "by": self.user.id,
                        "at": datetime.datetime.combine(on, datetime.time(12, 0)),
                        "effective_on": on,
                        "note": "import",
                        "created_at": utcnow(),
                        "updated_at": utcnow(),
                    }
                    for old, new, on in history
                ]
            ).execute()
        if values["status"] == CLOSED:
            CaseClosure.create(
                organisation=self.org.id,
                referral=referral.id,
                closed_on=values["closed_on"],
                reason=values["closure_reason"].id,
                by=self.user.id,
            )
        return referral

    @staticmethod
    def history(values):
        """(from, to, date) steps from received to the row's status."""
        status, received = values["status"], values["received_on"]
        first, closed = values.get("first_contact_on"), values.get("closed_on")
        steps = [(None, RECEIVED, received)]
        current = RECEIVED
        if first:
            steps.append((current, CONTACTED, first))
            current = CONTACTED
        if status in (ACTIVE, CLOSED) and first:
            steps.append((current, ACTIVE, first))
            current = ACTIVE
        if status in (CLOSED, DECLINED, "waiting") and status != current:
            steps.append((current, status, closed or first or received))
        return steps


IMPORTERS = {cls.kind: cls for cls in (PartnerImporter, ActivityImporter, CitizenImporter, ReferralImporter)}


def importer_for(user, kind):
    if kind not in IMPORTERS:
        raise ImportFileError(_l("Unknown kind of import."))
    return IMPORTERS[kind](user)


def _check_user(user):
    if user is None or user.role != "admin" or user.organisation_id is None:
        raise ImportFileError(_l("Only an organisation's admins import data."))


def preview_import(user, kind, filename, data, max_rows=None, progress=None):
    """Check every row of the file without writing anything. Returns an ImportResult."""
    _check_user(user)
    importer = importer_for(user, kind)
    header, rows = read_table(filename, data, max_rows=max_rows)
    total = _estimate_rows(filename, data)
    result = importer.run(header, rows, progress=progress, total=total)
    if progress:
        progress(1.0)
    return result


def _estimate_rows(filename, data):
    if (filename or "").lower().endswith(".xlsx"):
        return max(len(data) // 60, 1)  # progress only: about 60 compressed bytes per row
    return max(data.count(b"\n"), 1)


class ImportFailed(Exception):
    """Raised inside the transaction when a re-check finds errors: nothing is written."""

    def __init__(self, result):
        super().__init__("import has errors")
        self.result = result


def commit_import(user, kind, filename, data, progress=None, batch=None):
    """Check the file again and write every row in one transaction — all or nothing. Raises
    ImportFailed (with the result) when any row has an error. Returns the counts."""
    _check_user(user)
    with db.atomic():
        importer = importer_for(user, kind)  # read inside the transaction: what we check is what we write
        header, rows = read_table(filename, data)
        result = importer.run(header, rows)
        if not result.ok:
            raise ImportFailed(result)
        creates = [r for r in result.rows if r.action == "create"]
        updates = [r for r in result.rows if r.action == "update"]
        total, audit = max(len(creates) + len(updates), 1), []
        for start in range(0, len(creates), CHUNK):
            chunk = creates[start : start + CHUNK]
            ids = importer.create_many([row.values for row in chunk])
            audit += [("create", record_id) for record_id in ids]
            if kind == "referrals":  # plugins hear of an imported case like of any other new one
                for referral in Referral.select().where(Referral.id.in_(ids)):
                    hook().brobygger_referral_created(referral=referral, source="import")
            if progress:
                progress(len(audit) / total)
        for row in updates:
            record = importer.write(row.values, row.record)
            audit.append(("update", record.id))
        model_name = importer.model.__name__
        now = utcnow()
        bulk_insert(
            AuditLog,
            [
                {
                    "organisation": user.organisation_id,
                    "user": user.id,
                    "role": user.role,
                    "action": action,
                    "model": model_name,
                    "record_id": record_id,
                    "at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for action, record_id in audit
            ],
        )
        counts = result.counts()
        if batch is None:
            batch = ImportBatch.create(
                organisation=user.organisation_id, user=user.id, kind=kind, filename=(filename or "")[:200]
            )
        ImportBatch.update(
            status="committed",
            content=None,
            rows=len(result.rows),
            created=counts["create"],
            updated=counts["update"],
            unchanged=counts["unchanged"] + counts["skipped"],
            errors=0,
            committed_at=utcnow(),
        ).where(ImportBatch.id == batch.id).execute()
        AuditLog.record("import", "ImportBatch", batch.id, user=user)
    if progress:
        progress(1.0)
    return counts


# -- templates and exports (the same columns both ways) --------------------------------------------
def template_rows(kind):
    cls = IMPORTERS[kind]
    return [c.header for c in cls.columns], [[c.example for c in cls.columns]]


def export_rows(user, kind):
    """(header, rows) of the organisation's records of `kind` in the import's columns. Each row's
    id is its external id, or "#<id>" for records that were not imported: either imports back."""
    cls = IMPORTERS[kind]
    header = [c.header for c in cls.columns]
    model = cls.model
    query = model.visible_to(user).order_by(model.id)
    lookups = {}

    def label(model_cls, entry_id):
        if entry_id is None:
            return ""
        if model_cls not in lookups:
            lookups[model_cls] = dict(
                model_cls.select(model_cls.id, model_cls.name)
                .where(model_cls.organisation == user.organisation_id)
                .tuples()
            )
        return lookups[model_cls].get(entry_id, "")

    extra = {}
    if kind == "activities":
        extra["partner"] = {p.id: p.external_id or f"{ID_PREFIX}{p.id}" for p in Partner.visible_to(user)}
    if kind == "referrals":
        extra["citizen"] = {
            cid: ext or f"{ID_PREFIX}{cid}"
            for cid, ext in Citizen.visible_to(user).select(Citizen.id, Citizen.external_id).tuples()
        }
        extra["assigned_to"] = dict(
            User.select(User.id, User.email).where(User.organisation == user.organisation_id).tuples()
        )
        extra["reasons"] = {}
        for referral_id, name in (
            ReferralReasonLink.select(ReferralReasonLink.referral, ReferralReason.name)
            .join(ReferralReason)
            .switch(ReferralReasonLink)
            .join(Referral)
            .where(Referral.organisation == user.organisation_id)
            .order_by(ReferralReason.position, ReferralReason.name)
            .tuples()
        ):
            extra["reasons"].setdefault(referral_id, []).append(name)
        closings = {}
        for closure in (
            CaseClosure.select()
            .where((CaseClosure.organisation == user.organisation_id) & CaseClosure.reopened_at.is_null())
            .order_by(CaseClosure.id)
        ):
            closings[closure.referral_id] = closure
        extra["closing"] = closings

    rows = []
    for record in query:
        row = []
        for column in cls.columns:
            name = column.field
            if name == "external_id":
                row.append(record.external_id or f"{ID_PREFIX}{record.id}")
            elif kind == "activities" and name == "partner":
                row.append(extra["partner"].get(record.partner_id, ""))
            elif kind == "referrals" and name == "citizen":
                row.append(extra["citizen"].get(record.citizen_id, ""))
            elif kind == "referrals" and name == "assigned_to":
                row.append(extra["assigned_to"].get(record.assigned_to_id, ""))
            elif kind == "referrals" and name == "reasons":
                row.append("; ".join(extra["reasons"].get(record.id, [])))
            elif kind == "referrals" and name in ("closed_on", "closure_reason"):
                closing = extra["closing"].get(record.id) if record.status == CLOSED else None
                if closing is None:
                    row.append("")
                elif name == "closed_on":
                    row.append(closing.closed_on)
                else:
                    row.append(label(ClosureReason, closing.reason_id))
            elif column.type == "lookup":
                row.append(label(column.lookup, getattr(record, f"{name}_id")))
            elif column.type == "choice":
                value = getattr(record, name)
                row.append(str(dict(column.choices).get(value, "")) if value is not None else "")
            elif column.type == "bool":
                value = getattr(record, name)
                row.append("" if value is None else ("ja" if value else "nej"))
            elif column.type == "time":
                value = getattr(record, name)
                row.append(value.strftime("%H:%M") if value else "")
            else:
                value = getattr(record, name)
                row.append("" if value is None else value)
        rows.append(row)
    return header, rows


def to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, datetime.date) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header, rows, title):
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:30])

    def cell(value):
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text, never a live formula
        if isinstance(value, datetime.date):
            c.number_format = "yyyy-mm-dd"
        return c

    sheet.append([cell(h) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
