"""Rules on single values that several paths enforce: admin forms, intake, import and the CLI.

Each rule is a function that returns the clean value or raises RuleError with a message in the
user's language. Forms turn a RuleError into a field error (forms/validators.py); admin views
flash it; the CLI prints it. Bounds that depend on today are computed when the rule runs, never
at import time, so a long-running worker does not go stale at New Year.
"""

import datetime

from i18n import _l

BIRTH_YEAR_MIN = 1900
# Dates people enter (referrals, contacts, consents, closings) lie after this and not in the future.
EARLIEST_DATE = datetime.date(1990, 1, 1)

FUTURE_DATE = _l("The date cannot be in the future.")


class RuleError(ValueError):
    """A value breaks a rule; `message` says which, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def birth_year_bounds():
    """The birth years a person alive today can have: (1900, this year)."""
    return BIRTH_YEAR_MIN, datetime.date.today().year


def check_birth_year(year):
    """`year` if it is a possible birth year (or None); RuleError otherwise."""
    if year is None:
        return None
    low, high = birth_year_bounds()
    if not low <= year <= high:
        raise RuleError(_l("Enter a birth year between %(min)s and %(max)s.", min=low, max=high))
    return year


def not_in_future(value, message=FUTURE_DATE, error=RuleError):
    """`value` (a date or None) unless it lies after today (then `error`, a RuleError kind)."""
    if value is not None and value > datetime.date.today():
        raise error(message)
    return value


def normalise_email(value):
    """An e-mail address as stored and compared: trimmed, lower case, None when empty."""
    return (value or "").strip().lower() or None


def clean_text(value):
    """Trimmed text, None when empty."""
    return (value or "").strip() or None
