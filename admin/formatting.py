"""How values read in admin lists, details and exports: Danish dates, local times, yes/no."""

import datetime

from flask_admin.model import typefmt
from markupsafe import Markup

from i18n import _, _l, format_day, format_moment

COMMON_LABELS = {"id": _l("No."), "created_at": _l("Created"), "updated_at": _l("Changed")}


def _date(view, value, name=None):
    return format_day(value)


def _datetime(view, value, name=None):
    return format_moment(value)


def _time(view, value, name=None):
    return value.strftime("%H:%M")  # 13:00, not 13:00:00


def _bool(view, value, name=None):
    return _("Yes") if value else _("No")


def _bool_icon(view, value, name=None):
    """Flask-Admin's check icon, with a Danish tooltip instead of "field_name: true"."""
    icon = "fa-check-circle" if value else "fa-minus-circle"
    return Markup('<span class="fa {}" title="{}"></span>').format(icon, _bool(view, value))


# Danish dates, local times (stored in UTC), times without seconds and yes/no, in lists, details
# and exports alike (None is empty: Flask-Admin's base formatters). Flask-Admin takes the first type
# that matches (isinstance): datetime before its base class date.
_TYPE_FORMATTERS = {datetime.datetime: _datetime, datetime.date: _date, datetime.time: _time}
LIST_FORMATTERS = {**typefmt.BASE_FORMATTERS, **_TYPE_FORMATTERS, bool: _bool_icon}
DETAIL_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, **_TYPE_FORMATTERS, bool: _bool}
EXPORT_FORMATTERS = {**typefmt.EXPORT_FORMATTERS, **_TYPE_FORMATTERS, bool: _bool}
