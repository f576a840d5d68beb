"""The one input filter: every text a request brings passes through here.

Two layers, one rule (`check_text`):

* every request: query-string values (search, filters, ajax lookups, page numbers, next=) and
  form values (every form, admin or not, and the raw fields plugins read) with NUL, other C0/C1
  control characters or bidi overrides are refused with a 400 page in Danish — before a view, a
  query or PostgreSQL (which refuses NUL) sees them. Tab, newline and CR are allowed in form
  values (multi-line fields), never in the query string.
* every WTForms text field (through `InputFilterMeta`, which the admin and the other forms' bases
  use): the value is NFC-normalised, a single-line field also refuses tab and newline with a field
  error, and every date field refuses dates outside models/rules.py's bounds — a date that
  records something that happened (received, contacted, consented, closed...) also the future.
"""

import re
import unicodedata

from flask import render_template, request
from wtforms import DateField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from i18n import _, _l
from models.rules import RuleError
from models.rules import check_date as check_date_rule

BIDI = "\u202a-\u202e\u2066-\u2069"
# Single-line text: no control character at all. Multi-line text: tab, LF and CR are fine.
FORBIDDEN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}]")
FORBIDDEN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI}]")

MESSAGE = _l(
    "The text contains invisible control characters (often from copying and pasting). Remove them and try again."
)
LINE_MESSAGE = _l("This field must be one line: remove line breaks and tabs.")

# Date fields that record something that has happened: never in the future.
PAST_DATE_FIELDS = frozenset({"received_on", "first_contact_on", "consent_on", "closed_on", "taken_on"})


class InputError(ValueError):
    """Text with characters the app refuses; `message` says so in the user's language."""

    message = MESSAGE


def check_text(value, multiline=True):
    """Raise InputError if `value` holds NUL, control characters or bidi overrides."""
    if value and (FORBIDDEN_TEXT if multiline else FORBIDDEN_LINE).search(value):
        raise InputError(str(MESSAGE))


def normalise(value):
    """NFC: the same letter is stored the same way however it was typed ("å" vs "a" + ring)."""
    if isinstance(value, str) and not value.isascii():
        return unicodedata.normalize("NFC", value)
    return value


def check_date(value, name=""):
    """The one date rule (models/rules.py check_date) as a field error; PAST_DATE_FIELDS are
    events that happened, so not in the future either. The message is a plain str: Flask-Admin
    only shows a field error that is one."""
    try:
        check_date_rule(value, past=name in PAST_DATE_FIELDS)
    except RuleError as exc:
        raise ValidationError(str(exc.message)) from None


def _text_validator(multiline):
    def validator(form, field):
        data = field.data
        if not isinstance(data, str) or not data:
            return
        if FORBIDDEN_TEXT.search(data):
            raise StopValidation(str(MESSAGE))
        if not multiline and FORBIDDEN_LINE.search(data):
            raise StopValidation(str(LINE_MESSAGE))

    return validator


def _date_validator(form, field):
    check_date(field.data, field.short_name)


class InputFilterMeta:
    """A WTForms Meta mixin: NFC and the character rule on every text field, the range on every
    date field. Put it first in a form's Meta bases."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.filters = (*field.filters, normalise)
            field.validators = [_text_validator(isinstance(field, TextAreaField)), *field.validators]
        elif isinstance(field, DateField):
            field.validators = [*field.validators, _date_validator]
        return field


def _bad(value, multiline):
    return isinstance(value, str) and bool((FORBIDDEN_TEXT if multiline else FORBIDDEN_LINE).search(value))


def refused_input():
    """The name of the first query-string or form value the app refuses, or None."""
    for key, value in request.args.items(multi=True):
        if _bad(key, False) or _bad(value, False):
            return key
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            if _bad(key, False) or _bad(value, True):
                return key
    return None


def init_inputs(app):
    """Refuse, on every request, text no page accepts (see the module docstring)."""

    @app.before_request
    def _refuse_control_characters():
        field = refused_input()
        if field is not None:
            app.logger.info("Refused control characters in %r on %s", field[:40], request.path)
            return render_template("error.html", code=400, title=_("Invalid characters"), message=MESSAGE), 400
        return None
