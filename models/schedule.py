"""Activity schedules as RFC 5545 recurrence rules: build, read, check, expand and describe.

An activity stores its rule as an RRULE value without DTSTART or UNTIL (`FREQ=WEEKLY;INTERVAL=2;
BYDAY=WE`); its active period (`active_from` / `active_until`), times and exceptions live in their
own columns. Cancelled dates become EXDATEs, a moved date an EXDATE plus an RDATE. Times are wall
clock times in Europe/Copenhagen: the rule is expanded in local time, as RFC 5545 does for a
DTSTART with a TZID. python-dateutil expands the rule; the iCal feeds and the app use this module,
so both give the same dates.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from flask_babel import get_locale

from i18n import _, _l

TZ = ZoneInfo("Europe/Copenhagen")
WEEKLY, BIWEEKLY, MONTHLY, AD_HOC = "weekly", "biweekly", "monthly", "ad_hoc"
REPEATS = (
    (WEEKLY, _l("Every week")),
    (BIWEEKLY, _l("Every other week")),
    (MONTHLY, _l("Monthly, on given weeks of the month")),
    (AD_HOC, _l("Now and then (no fixed dates)")),
)
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTH_WEEKS = ((1, _l("first")), (2, _l("second")), (3, _l("third")), (4, _l("fourth")), (-1, _l("last")))
# Danish is the UI language, but the describing sentence follows the user's language.
DAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))
MAX_EXCEPTIONS = 400  # cancelled plus moved dates per activity: years of exceptions, never 10 000
HORIZON_DAYS = 3 * 366  # how far ahead a rule must yield a date when the activity has no end


class ScheduleError(ValueError):
    """A schedule that cannot be stored; str() is the message for the user."""


@dataclass(frozen=True)
class Rule:
    """The part of RFC 5545 RRULE that Brobygger writes and reads."""

    repeats: str = AD_HOC
    weekdays: tuple = ()  # 0 = Monday
    month_weeks: tuple = ()  # 1..4 or -1 (last), for MONTHLY

    def to_rrule(self):
        """The RRULE value, or None for ad hoc activities."""
        if self.repeats == AD_HOC or not self.weekdays:
            return None
        days = [BYDAY[d] for d in sorted(set(self.weekdays))]
        if self.repeats == MONTHLY:
            weeks = sorted(set(self.month_weeks), key=lambda w: (w < 0, w))
            return "FREQ=MONTHLY;BYDAY=" + ",".join(f"{w}{d}" for w in weeks for d in days)
        interval = ";INTERVAL=2" if self.repeats == BIWEEKLY else ""
        return f"FREQ=WEEKLY{interval};BYDAY=" + ",".join(days)

    @classmethod
    def parse(cls, text):
        """The Rule of an RRULE value we wrote (None or '' is ad hoc). Raises ScheduleError."""
        if not text:
            return cls()
        try:
            parts = dict(part.split("=", 1) for part in text.strip().upper().split(";") if part)
            freq, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1"))
            days, weeks = [], []
            for item in parts.get("BYDAY", "").split(","):
                code = item[-2:]
                days.append(BYDAY.index(code))
                if item[:-2]:
                    weeks.append(int(item[:-2]))
        except (ValueError, IndexError) as exc:
            raise ScheduleError(_("The schedule could not be read.")) from exc
        if freq == "WEEKLY" and interval in (1, 2) and days:
            return cls(WEEKLY if interval == 1 else BIWEEKLY, tuple(sorted(set(days))))
        if freq == "MONTHLY" and interval == 1 and days and weeks:
            return cls(MONTHLY, tuple(sorted(set(days))), tuple(sorted(set(weeks), key=lambda w: (w < 0, w))))
        raise ScheduleError(_("The schedule could not be read."))


def legacy_rule(frequency, weekday):
    """The rule for an activity stored before schedules were rules (weekday + frequency label)."""
    if weekday is None or frequency in (None, "", AD_HOC):
        return Rule()
    if frequency == "twice_monthly":
        return Rule(MONTHLY, (weekday,), (1, 3))
    if frequency == "monthly":
        return Rule(MONTHLY, (weekday,), (1,))
    return Rule(BIWEEKLY if frequency == BIWEEKLY else WEEKLY, (weekday,))


def legacy_fields(rule):
    """(frequency, weekday) kept in step with the rule, for the older filters and searches."""
    weekday = rule.weekdays[0] if rule.weekdays else None
    if rule.repeats == MONTHLY:
        return ("twice_monthly" if len(rule.month_weeks) == 2 else "monthly"), weekday
    return rule.repeats if rule.weekdays else AD_HOC, weekday


def parse_dates(text, field_label):
    """Dates typed one per line (or separated by spaces or commas) as dd.mm.yyyy or yyyy-mm-dd."""
    dates = []
    for token in (text or "").replace(",", " ").split():
        dates.append(_parse_date(token, field_label))
        if len(dates) > MAX_EXCEPTIONS:
            raise ScheduleError(_("At most %(n)s exception dates per activity.", n=MAX_EXCEPTIONS))
    return sorted(set(dates))


def parse_moves(text):
    """Moved dates typed one per line as 'from → to' (also '>' or '='), e.g. 04.03.2026 > 05.03.2026."""
    moves = {}
    for line in (text or "").replace("→", ">").replace("=", ">").splitlines():
        if not line.strip():
            continue
        parts = line.split(">")
        if len(parts) != 2:
            raise ScheduleError(_("Write a moved date as “from > to”, e.g. 04.03.2026 > 05.03.2026."))
        label = _("Moved dates")
        moves[_parse_date(parts[0].strip(), label)] = _parse_date(parts[1].strip(), label)
        if len(moves) > MAX_EXCEPTIONS:
            raise ScheduleError(_("At most %(n)s exception dates per activity.", n=MAX_EXCEPTIONS))
    return dict(sorted(moves.items()))


def _parse_date(token, field_label):
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    raise ScheduleError(
        _("%(field)s: “%(value)s” is not a date (write e.g. 04.03.2026).", field=field_label, value=token[:20])
    )


def format_dates(dates):
    return "\n".join(d.strftime("%d.%m.%Y") for d in dates)


def format_moves(moves):
    return "\n".join(f"{a:%d.%m.%Y} > {b:%d.%m.%Y}" for a, b in moves.items())


def serialise_dates(dates):
    return " ".join(d.isoformat() for d in dates) or None


def serialise_moves(moves):
    return " ".join(f"{a.isoformat()}>{b.isoformat()}" for a, b in moves.items()) or None


def load_dates(text):
    return [datetime.date.fromisoformat(t) for t in (text or "").split()]


def load_moves(text):
    return {
        datetime.date.fromisoformat(a): datetime.date.fromisoformat(b)
        for a, b in (t.split(">") for t in (text or "").split())
    }


@dataclass(frozen=True)
class Occurrence:
    """One date an activity takes place, with its local start and end times."""

    date: datetime.date
    start: datetime.time | None
    end: datetime.time | None
    moved_from: datetime.date | None = None

    @property
    def starts_at(self):
        return datetime.datetime.combine(self.date, self.start or datetime.time(0, 0), tzinfo=TZ)


class Schedule:
    """An activity's dates: its rule, active period, times and exceptions (read from the activity)."""

    def __init__(self, rule, start_time, end_time, active_from, active_until, cancelled, moves, anchor):
        self.rule, self.start_time, self.end_time = rule, start_time, end_time
        self.active_from, self.active_until = active_from, active_until
        self.cancelled, self.moves = list(cancelled), dict(moves)
        # Every other week needs a fixed first week: the active period's start, else the creation date.
        self.anchor = active_from or anchor

    @classmethod
    def of(cls, activity):
        created = activity.created_at.date() if activity.created_at else datetime.date.today()
        return cls(
            Rule.parse(activity.recurrence),
            activity.start_time,
            activity.end_time,
            activity.active_from,
            activity.active_until,
            load_dates(activity.cancelled_dates),
            load_moves(activity.moved_dates),
            created,
        )

    @property
    def is_recurring(self):
        return self.rule.to_rrule() is not None

    def _time(self):
        return self.start_time or datetime.time(0, 0)

    def rrule(self):
        """The dateutil rule from the first occurrence (DTSTART synchronised with the rule)."""
        text = self.rule.to_rrule()
        if text is None:
            return None
        start = datetime.datetime.combine(self.anchor, self._time())
        until = datetime.datetime.combine(self.active_until, datetime.time(23, 59)) if self.active_until else None
        rule = du.rrulestr(text, dtstart=start, cache=False)
        return rule.replace(until=until) if until else rule

    def first_rule_date(self):
        """The first date the rule itself yields (the iCal DTSTART), or None."""
        rule = self.rrule()
        if rule is None:
            return None
        first = rule.after(datetime.datetime.combine(self.anchor, self._time()) - datetime.timedelta(seconds=1))
        return first.date() if first else None

    def between(self, start, end):
        """Occurrences with start <= date <= end, moved dates included, cancelled ones left out."""
        found = {}
        rule = self.rrule()
        if rule is not None:
            lo = datetime.datetime.combine(start, datetime.time(0, 0))
            hi = datetime.datetime.combine(end, datetime.time(23, 59, 59))
            skipped = set(self.cancelled) | set(self.moves)
            for when in rule.between(lo, hi, inc=True):
                if when.date() not in skipped:
                    found[when.date()] = Occurrence(when.date(), self.start_time, self.end_time)
        for original, moved in self.moves.items():
            if start <= moved <= end and self._in_period(moved):
                found[moved] = Occurrence(moved, self.start_time, self.end_time, moved_from=original)
        return [found[d] for d in sorted(found)]

    def upcoming(self, today=None, count=5, days=366):
        today = today or datetime.date.today()
        return self.between(today, today + datetime.timedelta(days=days))[:count]

    def _in_period(self, day):
        return (self.active_from is None or day >= self.active_from) and (
            self.active_until is None or day <= self.active_until
        )

    def in_period(self, day):
        return self._in_period(day)

    def check(self):
        """Raise ScheduleError unless the schedule can be stored and, if it repeats, yields a date."""
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ScheduleError(_("The end date cannot be before the start date."))
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ScheduleError(_("The end time must be after the start time."))
        if len(self.cancelled) + len(self.moves) > MAX_EXCEPTIONS:
            raise ScheduleError(_("At most %(n)s exception dates per activity.", n=MAX_EXCEPTIONS))
        if self.rule.repeats != AD_HOC:
            if not self.rule.weekdays:
                raise ScheduleError(_("Choose at least one weekday, or choose “now and then”."))
            if self.rule.repeats == MONTHLY and not self.rule.month_weeks:
                raise ScheduleError(_("Choose which week of the month (e.g. the first)."))
            if self.start_time is None:
                raise ScheduleError(_("A repeating activity needs a start time."))
            start = self.active_from or datetime.date.today()
            end = self.active_until or start + datetime.timedelta(days=HORIZON_DAYS)
            if not self.between(max(start, self.anchor), end):
                raise ScheduleError(
                    _(
                        "This schedule gives no dates within the active period. Check the weekdays, "
                        "the weeks of the month, the period and the cancelled dates."
                    )
                )
        for moved in self.moves.values():
            if not self._in_period(moved):
                raise ScheduleError(_("A moved date must lie within the active period."))

    def describe(self):
        """The schedule in words, e.g. 'hver anden onsdag kl. 14–16' (in the user's language)."""
        rule = self.rule
        time = format_time_range(self.start_time, self.end_time)
        if rule.repeats == AD_HOC or not rule.weekdays:
            return _("now and then")
        days = join_words([_day_name(d) for d in rule.weekdays])
        if rule.repeats == WEEKLY:
            text = _("every %(days)s", days=days)
        elif rule.repeats == BIWEEKLY:
            text = _("every other %(days)s", days=days)
        else:
            weeks = join_words([str(dict(MONTH_WEEKS)[w]) for w in rule.month_weeks])
            text = _("the %(weeks)s %(days)s of the month", weeks=weeks, days=days)
        return f"{text} {time}".strip()


def _day_name(day):
    """Weekday names are lower case inside a Danish sentence, capitalised in English."""
    name = str(DAY_NAMES[day])
    locale = get_locale()
    return name if locale is not None and locale.language == "en" else name.lower()


def format_time_range(start, end):
    """'kl. 14–16', 'kl. 14.30–16', 'kl. 14' (Danish clock style)."""
    if start is None:
        return ""

    def clock(t):
        return f"{t.hour}" if t.minute == 0 else f"{t.hour}.{t.minute:02d}"

    return _("at %(time)s", time=clock(start) + (f"–{clock(end)}" if end else ""))


def join_words(words):
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])
