"""The one place translation functions and Danish date formats are imported from."""

from flask_babel import (
    format_decimal,
    get_translations,
    ngettext,  # noqa: F401
    to_user_timezone,
)
from flask_babel import gettext as _  # noqa: F401
from flask_babel import lazy_gettext as _l  # noqa: F401

# Dates as people read them in Denmark: 01.10.2021, and times to the minute (no seconds).
DATE_FORMAT = "%d.%m.%Y"
DATETIME_FORMAT = "%d.%m.%Y %H:%M"


def format_day(value):
    """A date (or the date of a datetime) as dd.mm.åååå; "" for None."""
    return value.strftime(DATE_FORMAT) if value else ""


def format_moment(value):
    """A stored UTC datetime as local time, dd.mm.åååå tt:mm; "" for None."""
    return to_user_timezone(value).strftime(DATETIME_FORMAT) if value else ""


def format_number(value, signed=False):
    """A score or a change as people read it here: 8, 8,5, +2,5 (one decimal at most, the
    locale's decimal sign); "" for None."""
    if value is None:
        return ""
    text = format_decimal(value, format="#,##0.#")
    return f"+{text}" if signed and value > 0 else text


class WTFormsTranslations:
    """WTForms' built-in messages through our "messages" catalogue (WTForms ships no Danish).

    Flask-WTF's own Meta.get_translations() only reads WTForms' catalogues; forms use this one."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


wtforms_translations = WTFormsTranslations()
