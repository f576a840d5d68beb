"""Retention: citizens whose cases ended longer ago than the organisation keeps them are
anonymised (privacy.erasure) by `flask --app app retention run`, nightly from cron or a timer.

A citizen is due when none of their cases is open and the last one ended more than the
organisation's period ago: `retention_closed_months` after the last closing of a closed case,
`retention_declined_months` after a referral was declined. Citizens who never had a case are
not touched. Each citizen is anonymised in a transaction of its own, so an interrupted run keeps
what it finished and the next run does the rest; a second run finds nothing more to do.
"""

import calendar
import datetime

from peewee import fn

from i18n import _l
from models import CaseClosure, Citizen, Organisation, Referral
from models.referral import CLOSED, DECLINED, OPEN_STATUSES
from models.workflow import StatusChange
from privacy.erasure import ErasureError, erase

# The ranges an organisation may choose (months). 0 would erase on closing; 100 years is no limit.
CLOSED_RANGE = (6, 120)
DECLINED_RANGE = (1, 60)
UPCOMING_DAYS = 60


def add_months(day, months):
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def settings_problem(closed_months, declined_months):
    """A Danish message when the retention settings are outside the allowed ranges, or None."""
    for value, (low, high), label in (
        (closed_months, CLOSED_RANGE, _l("Closed cases")),
        (declined_months, DECLINED_RANGE, _l("Declined referrals")),
    ):
        if value is None or not low <= value <= high:
            return _l(
                "%(what)s: the retention period must be between %(min)s and %(max)s months.",
                what=label,
                min=low,
                max=high,
            )
    return None


def _as_date(value):
    if isinstance(value, str):
        value = (
            datetime.datetime.fromisoformat(value)
            if "T" in value or " " in value
            else datetime.date.fromisoformat(value)
        )
    return value.date() if isinstance(value, datetime.datetime) else value


def schedule(organisation, today=None):
    """[(citizen, due date, [case ids])] for every citizen of the organisation whose cases have
    all ended (closed or declined) and who is not anonymised yet, soonest first."""
    today = today or datetime.date.today()
    closed_on = CaseClosure.select(fn.MAX(CaseClosure.closed_on)).where(
        (CaseClosure.referral == Referral.id) & CaseClosure.reopened_at.is_null()
    )
    declined_at = StatusChange.select(fn.MAX(StatusChange.at)).where(
        (StatusChange.referral == Referral.id) & (StatusChange.to_status == DECLINED)
    )
    has_open = Referral.alias()
    open_case = has_open.select(has_open.id).where(
        (has_open.citizen == Citizen.id) & has_open.status.in_(OPEN_STATUSES)
    )
    rows = (
        Referral.select(
            Referral.id,
            Referral.citizen,
            Referral.status,
            Referral.updated_at,
            closed_on.alias("closed_on"),
            declined_at.alias("declined_at"),
        )
        .join(Citizen, on=(Referral.citizen == Citizen.id))
        .where(
            (Referral.organisation == organisation.id)
            & Referral.status.in_((CLOSED, DECLINED))
            & Citizen.erased_at.is_null()
            & ~fn.EXISTS(open_case)
        )
        .dicts()
    )
    due = {}
    for row in rows:
        if row["status"] == CLOSED:
            ended = _as_date(row["closed_on"] or row["updated_at"])
            until = add_months(ended, organisation.retention_closed_months or CLOSED_RANGE[1])
        else:
            ended = _as_date(row["declined_at"] or row["updated_at"])
            until = add_months(ended, organisation.retention_declined_months or DECLINED_RANGE[1])
        entry = due.setdefault(row["citizen"], [until, []])
        entry[0] = max(entry[0], until)
        entry[1].append(row["id"])
    citizens = {c.id: c for c in Citizen.select().where(Citizen.id.in_(list(due)))} if due else {}
    return sorted(
        ((citizens[cid], until, sorted(cases)) for cid, (until, cases) in due.items()),
        key=lambda item: (item[1], item[0].id),
    )


def due_now(organisation, today=None):
    today = today or datetime.date.today()
    return [entry for entry in schedule(organisation, today) if entry[1] <= today]


def upcoming(organisation, today=None, days=UPCOMING_DAYS):
    """What the next `days` days' runs will anonymise (and anything overdue), for coordinators."""
    today = today or datetime.date.today()
    horizon = today + datetime.timedelta(days=days)
    return [entry for entry in schedule(organisation, today) if entry[1] <= horizon]


def run(dry_run=False, today=None, organisations=None, echo=print):
    """Anonymise every citizen that is due, in every (or the given) organisation; report each
    one through `echo`. A dry run writes nothing. Returns the number anonymised (or due)."""
    today = today or datetime.date.today()
    done = 0
    # Read everything before writing: an open read cursor would block SQLite's checkpoint.
    for organisation in list(organisations or Organisation.select().order_by(Organisation.id)):
        for citizen, until, cases in due_now(organisation, today):
            cases_text = ", ".join(f"#{c}" for c in cases)
            if dry_run:
                echo(
                    f"[{organisation.slug}] would anonymise citizen #{citizen.id} "
                    f"(cases {cases_text}; due {until.isoformat()})"
                )
                done += 1
                continue
            try:
                erase(citizen, None, "retention")
            except ErasureError as exc:  # reopened since the schedule was read: skip, say why
                echo(f"[{organisation.slug}] skipped citizen #{citizen.id}: {exc.message}")
                continue
            echo(
                f"[{organisation.slug}] anonymised citizen #{citizen.id} (cases {cases_text}; due {until.isoformat()})"
            )
            done += 1
    return done
