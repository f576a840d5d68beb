"""List filters in Danish: a date range typed and shown as dd.mm.åååå til dd.mm.åååå.

Flask-Admin's date filters use English pickers (Apply/Cancel, weeks from Sunday) and ISO dates
joined by " to ". `DanishDateBetweenFilter` (a date column) and `DanishDateTimeBetweenFilter` (a
datetime column, whole days) mark their inputs with their own widget type, which
static/daterange-da.js (loaded on every admin page) turns into the same picker with Danish labels,
weeks from Monday and Danish dates; the filters read both the Danish and the ISO form (old links
keep working). `danish_dates` — applied to every list by BrobyggerModelView.get_filters — puts
them in place of any Flask-Admin date or datetime filter a view declares (by class or by column
name), so no list falls back to the English picker.
"""

import datetime
import re

from flask_admin.contrib.peewee.filters import DateBetweenFilter
from flask_admin.model import filters as fa_filters
from peewee import DateTimeField

from i18n import _l

WIDGET = "daterange-da"
SCRIPT = "/static/daterange-da.js"  # loaded on every admin page (templates/admin/brobygger_base.html)
_SEPARATOR = re.compile(r"\s+(?:til|to|–|-)\s+")


def parse_date(text):
    """A date written dd.mm.åååå (or d.m.åååå) or åååå-mm-dd."""
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class DanishDateBetweenFilter(DateBetweenFilter):
    def __init__(self, column, name, options=None, data_type=None):
        super().__init__(column, name, options)
        self.data_type = WIDGET

    def clean(self, value):
        return [parse_date(part) for part in _SEPARATOR.split(value.strip(), maxsplit=1)]

    def validate(self, value):
        try:
            start, end = self.clean(value)
        except ValueError:
            return False
        return start <= end

    def operation(self):
        return _l("between")


class DanishDateTimeBetweenFilter(DanishDateBetweenFilter):
    """A datetime column between two whole days: from the first day's start to the last day's end."""

    def apply(self, query, value):
        start, end = value
        first = datetime.datetime.combine(start, datetime.time())
        after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
        return query.filter((self.column >= first) & (self.column < after))


_DATE_FILTERS = (
    fa_filters.BaseDateFilter,
    fa_filters.BaseDateBetweenFilter,
    fa_filters.BaseDateTimeFilter,
    fa_filters.BaseDateTimeBetweenFilter,
)


def danish_dates(filters):
    """`filters` (a view's get_filters) with every Flask-Admin date or datetime filter replaced by
    the Danish range filter of the same column and name — whole days on a datetime column — once
    per column (Flask-Admin makes equal/greater/smaller/between/not-between of a column named in
    column_filters)."""
    result, seen = [], set()
    for flt in filters:
        if not isinstance(flt, _DATE_FILTERS):
            result.append(flt)
            continue
        wanted = DanishDateTimeBetweenFilter if isinstance(flt.column, DateTimeField) else DanishDateBetweenFilter
        danish = flt if type(flt) is wanted else wanted(flt.column, flt.name)
        key = (getattr(danish.column, "model", None), getattr(danish.column, "name", None))
        if key not in seen:
            seen.add(key)
            result.append(danish)
    return result
