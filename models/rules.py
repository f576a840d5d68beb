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


# A planned date (a review, a follow-up) may lie ahead, but not decades.
LATEST_YEARS_AHEAD = 10


def date_bounds(today=None):
    """The dates any date field accepts: (EARLIEST_DATE, today + LATEST_YEARS_AHEAD years)."""
    today = today or datetime.date.today()
    return EARLIEST_DATE, today.replace(year=today.year + LATEST_YEARS_AHEAD)


def check_date(value, past=False):
    """`value` (a date or None) if it lies within date_bounds() — and, with `past`, not after
    today; RuleError otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    low, high = date_bounds()
    if value < low:
        raise RuleError(_l("Enter a date after %(date)s.", date=low.strftime("%d.%m.%Y")))
    if past:
        not_in_future(value)
    if value > high:
        raise RuleError(_l("Enter a date before %(date)s.", date=high.strftime("%d.%m.%Y")))
    return value


def normalise_email(value):
    """An e-mail address as stored and compared: trimmed, lower case, None when empty."""
    return (value or "").strip().lower() or None


def clean_text(value):
    """Trimmed text, None when empty."""
    return (value or "").strip() or None
