"""List filters in Danish: a date range typed and shown as dd.mm.åååå til dd.mm.åååå.

Flask-Admin's date-range filter uses an English picker (Apply/Cancel, weeks from Sunday) and ISO
dates joined by " to ". `DanishDateBetweenFilter` marks its input with its own widget type, which
static/daterange-da.js turns into the same picker with Danish labels, weeks from Monday and Danish
dates; the filter reads both the Danish and the ISO form (old links keep working).
"""

import datetime
import re

from flask_admin.contrib.peewee.filters import DateBetweenFilter

from i18n import _l

WIDGET = "daterange-da"
SCRIPT = "/static/daterange-da.js"  # a view using the filter lists it in extra_js
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
