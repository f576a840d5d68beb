"""Schedules as RFC 5545 rules: building and reading rules, expanding them with exceptions, the
Danish description, the checks on bad schedules, and the migration from weekday + frequency."""

import datetime
import importlib

import pytest

from models.schedule import (
    AD_HOC,
    BIWEEKLY,
    MAX_EXCEPTIONS,
    MONTHLY,
    WEEKLY,
    Rule,
    Schedule,
    ScheduleError,
    legacy_rule,
    parse_dates,
    parse_moves,
)
from tests import factories

D = datetime.date
T = datetime.time


def schedule(rule, start=T(14), end=T(16), active_from=None, active_until=None, cancelled=(), moves=None):
    return Schedule(rule, start, end, active_from, active_until, cancelled, moves or {}, D(2026, 1, 1))


@pytest.mark.parametrize(
    "rule, text",
    [
        (Rule(WEEKLY, (2,)), "FREQ=WEEKLY;BYDAY=WE"),
        (Rule(BIWEEKLY, (2,)), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
        (Rule(MONTHLY, (0,), (1,)), "FREQ=MONTHLY;BYDAY=1MO"),
        (Rule(WEEKLY, (0, 3)), "FREQ=WEEKLY;BYDAY=MO,TH"),
        (Rule(MONTHLY, (2,), (1, 3)), "FREQ=MONTHLY;BYDAY=1WE,3WE"),
        (Rule(MONTHLY, (4,), (-1,)), "FREQ=MONTHLY;BYDAY=-1FR"),
        (Rule(AD_HOC), None),
    ],
)
def test_rules_round_trip_through_rrule_text(rule, text):
    assert rule.to_rrule() == text
    assert Rule.parse(text) == rule


@pytest.mark.parametrize("text", ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=XX", "garbage", "FREQ=WEEKLY;INTERVAL=x;BYDAY=MO"])
def test_a_rule_we_do_not_write_is_refused(text):
    with pytest.raises(ScheduleError):
        Rule.parse(text)


def test_every_other_wednesday_with_a_cancelled_and_a_moved_date():
    s = schedule(
        Rule(BIWEEKLY, (2,)),
        active_from=D(2026, 1, 7),
        cancelled=[D(2026, 1, 21)],
        moves={D(2026, 2, 4): D(2026, 2, 5)},
    )
    dates = [o.date for o in s.between(D(2026, 1, 1), D(2026, 3, 5))]
    assert dates == [D(2026, 1, 7), D(2026, 2, 5), D(2026, 2, 18), D(2026, 3, 4)]
    moved = s.between(D(2026, 2, 5), D(2026, 2, 5))[0]
    assert moved.moved_from == D(2026, 2, 4) and moved.start == T(14) and moved.end == T(16)


def test_first_monday_of_the_month_and_several_weekdays():
    first_monday = schedule(Rule(MONTHLY, (0,), (1,)))
    assert [o.date for o in first_monday.between(D(2026, 1, 1), D(2026, 4, 30))] == [
        D(2026, 1, 5),
        D(2026, 2, 2),
        D(2026, 3, 2),
        D(2026, 4, 6),
    ]
    mon_thu = schedule(Rule(WEEKLY, (0, 3)))
    assert [o.date for o in mon_thu.between(D(2026, 3, 2), D(2026, 3, 12))] == [
        D(2026, 3, 2),
        D(2026, 3, 5),
        D(2026, 3, 9),
        D(2026, 3, 12),
    ]


def test_the_active_period_bounds_the_dates():
    s = schedule(Rule(WEEKLY, (1,)), active_from=D(2026, 3, 1), active_until=D(2026, 3, 17))
    assert [o.date for o in s.between(D(2026, 1, 1), D(2026, 12, 31))] == [
        D(2026, 3, 3),
        D(2026, 3, 10),
        D(2026, 3, 17),
    ]
    assert s.first_rule_date() == D(2026, 3, 3)


def test_danish_description(app):
    with app.test_request_context(headers={"Accept-Language": "da"}):
        assert schedule(Rule(BIWEEKLY, (2,))).describe() == "hver anden onsdag kl. 14–16"
        assert schedule(Rule(WEEKLY, (0, 3)), end=None).describe() == "hver mandag og torsdag kl. 14"
        assert schedule(Rule(MONTHLY, (0,), (1,)), start=T(10, 30), end=T(12)).describe() == (
            "den første mandag i måneden kl. 10.30–12"
        )
        assert schedule(Rule(AD_HOC)).describe() == "nu og da"


def test_english_description(app):
    from i18n_setup import LANGUAGE_COOKIE

    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert schedule(Rule(BIWEEKLY, (2,))).describe() == "every other Wednesday at 14–16"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rule": Rule(WEEKLY, (0,)), "start": T(16), "end": T(14)}, "sluttidspunkt"),
        ({"rule": Rule(WEEKLY, (0,)), "active_from": D(2026, 5, 1), "active_until": D(2026, 4, 1)}, "slutdato"),
        # A Monday rule inside a Tuesday-to-Thursday period yields no date.
        ({"rule": Rule(WEEKLY, (0,)), "active_from": D(2026, 3, 3), "active_until": D(2026, 3, 5)}, "ingen datoer"),
        # Every date of the period cancelled.
        (
            {
                "rule": Rule(WEEKLY, (1,)),
                "active_from": D(2026, 3, 1),
                "active_until": D(2026, 3, 12),
                "cancelled": [D(2026, 3, 3), D(2026, 3, 10)],
            },
            "ingen datoer",
        ),
        ({"rule": Rule(WEEKLY, ()), "start": T(14)}, "ugedag"),
        ({"rule": Rule(WEEKLY, (0,)), "start": None, "end": None}, "starttidspunkt"),
    ],
)
def test_bad_schedules_are_refused_with_a_danish_message(app, kwargs, message):
    kwargs = dict(kwargs)  # the parameters are shared by the SQLite and PostgreSQL runs
    rule = kwargs.pop("rule")
    with app.test_request_context(headers={"Accept-Language": "da"}):
        with pytest.raises(ScheduleError) as raised:
            schedule(rule, **kwargs).check()
        assert message in str(raised.value).lower()


def test_ten_thousand_exception_dates_are_refused(app):
    many = "\n".join((D(2030, 1, 1) + datetime.timedelta(days=n)).strftime("%d.%m.%Y") for n in range(10_000))
    with app.test_request_context(headers={"Accept-Language": "da"}):
        with pytest.raises(ScheduleError) as raised:
            parse_dates(many, "Aflyste datoer")
        assert str(MAX_EXCEPTIONS) in str(raised.value)
        with pytest.raises(ScheduleError):
            parse_dates("31.02.2026", "Aflyste datoer")
        with pytest.raises(ScheduleError):
            parse_moves("04.03.2026")
        assert parse_moves("04.03.2026 > 05.03.2026") == {D(2026, 3, 4): D(2026, 3, 5)}


@pytest.mark.parametrize(
    "frequency, weekday, expected",
    [
        ("weekly", 2, "FREQ=WEEKLY;BYDAY=WE"),
        ("biweekly", 0, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        ("twice_monthly", 4, "FREQ=MONTHLY;BYDAY=1FR,3FR"),
        ("monthly", 4, "FREQ=MONTHLY;BYDAY=1FR"),
        ("ad_hoc", None, None),
        ("weekly", None, None),
    ],
)
def test_migration_and_model_agree_on_legacy_activities(frequency, weekday, expected):
    migration = importlib.import_module("migrations.023_activity_schedules_and_listings")
    assert migration.rule_for(frequency, weekday) == expected
    assert legacy_rule(frequency, weekday).to_rrule() == expected


def test_migration_converts_existing_activities(app):
    """Rows stored before the rule existed (recurrence NULL) get their rule from weekday + frequency."""
    import peewee as pw

    from extensions import db
    from models import Activity

    with app.app_context():
        db.connect(reuse_if_open=True)
        org = factories.make_org()
        activity = factories.make_activity(org, name="Gammel café")
        Activity.update(recurrence=None, frequency="biweekly", weekday=3).where(Activity.id == activity.id).execute()
        migration = importlib.import_module("migrations.023_activity_schedules_and_listings")
        table = pw.Table("activity", ("id", "frequency", "weekday", "recurrence")).bind(db.obj)
        migration.convert(db.obj)
        assert (
            table.select(table.recurrence).where(table.id == activity.id).scalar() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
        )
        assert Activity.get_by_id(activity.id).schedule.describe()


def test_session_dates_outside_the_period_or_in_the_future_are_refused(app):
    from extensions import db

    with app.app_context():
        db.connect(reuse_if_open=True)
        org = factories.make_org()
        activity = factories.make_activity(
            org,
            active_from=D(2025, 1, 1),
            active_until=D(2025, 6, 30),
            frequency="weekly",
            weekday=0,
            start_time=T(10),
        )
        activity.check_session_date(D(2025, 3, 3))
        with pytest.raises(ScheduleError):
            activity.check_session_date(D(2024, 12, 30))
        with pytest.raises(ScheduleError):
            activity.check_session_date(datetime.date.today() + datetime.timedelta(days=1))
