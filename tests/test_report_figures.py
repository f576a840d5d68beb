"""The counting rules (reports/figures.py) on hand-built histories, and seed 002's figures.

Each case's history is written as it would have been: a status change per step with the day it
took effect, an assignment history where the bridge builder changed."""

import datetime

import pytest

from extensions import db
from models import CaseAssignment, CaseClosure, ClosureReason, Referral, StatusChange
from reports import figures
from reports.figures import Scope
from tests import factories

D = datetime.date


def step(case, on, to_status, from_status=None):
    StatusChange.create(
        referral=case.id,
        from_status=from_status,
        to_status=to_status,
        effective_on=on,
        at=datetime.datetime.combine(on, datetime.time(10)),
    )
    Referral.update(status=to_status).where(Referral.id == case.id).execute()


def case_with(org, citizen, received, steps=(), **kw):
    case = factories.make_referral(org, citizen=citizen, received_on=received, **kw)
    for on, to_status in steps:
        step(case, on, to_status)
    return case


def close(case, on, reason):
    step(case, on, "closed")
    CaseClosure.create(organisation=case.organisation_id, referral=case.id, closed_on=on, reason=reason)


@pytest.fixture
def org(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield factories.make_org()
        db.close()


def scope(org, start, end, on=None):
    return Scope((org.id,), start, end, on or end)


def reason(org, code="bridged"):
    return ClosureReason.get((ClosureReason.organisation == org.id) & (ClosureReason.code == code))


def test_a_case_received_before_the_period_and_closed_in_it(org):
    man = factories.make_citizen(org, gender="male")
    case = case_with(org, man, D(2021, 1, 10), [(D(2021, 1, 15), "contacted"), (D(2021, 2, 1), "active")])
    close(case, D(2021, 6, 30), reason(org))
    s = scope(org, D(2021, 6, 1), D(2021, 6, 30), on=D(2021, 6, 15))
    assert figures.active_by_gender(s) == {"groups": {"male": {"label": None, "n": 1}}, "total": 1}
    assert figures.new_by_gender(s)["total"] == 0  # received before the period
    assert figures.referrals_by_channel(s)["total"] == 0
    assert figures.closings_by_reason(s)["groups"]["bridged"]["n"] == 1
    after = scope(org, D(2021, 6, 1), D(2021, 6, 30), on=D(2021, 6, 30))
    assert figures.active_by_gender(after)["total"] == 0  # closed on the reference date itself
    assert figures.caseload(after)["total"] == 0


def test_a_citizen_referred_twice_is_one_new_citizen_and_two_referrals(org):
    citizen = factories.make_citizen(org, gender="female")
    case_with(org, citizen, D(2022, 3, 1), [(D(2022, 3, 2), "contacted"), (D(2022, 3, 5), "declined")])
    case_with(org, citizen, D(2022, 5, 1), [(D(2022, 5, 3), "contacted")])
    s = scope(org, D(2022, 1, 1), D(2022, 12, 31))
    assert figures.new_by_gender(s)["total"] == 1
    assert figures.referrals_by_channel(s)["total"] == 2
    assert figures.active_by_gender(s)["total"] == 1
    # Referred before the period, again in it: not new.
    later = scope(org, D(2022, 4, 1), D(2022, 12, 31))
    assert figures.new_by_gender(later)["total"] == 0
    assert figures.referrals_by_channel(later)["total"] == 1


def test_a_reopened_case_is_active_again_from_the_reopening(org):
    citizen = factories.make_citizen(org, gender="male")
    case = case_with(org, citizen, D(2022, 1, 1), [(D(2022, 1, 5), "contacted"), (D(2022, 1, 20), "active")])
    close(case, D(2022, 3, 1), reason(org))
    step(case, D(2022, 5, 1), "active")
    close(case, D(2022, 8, 1), reason(org, "moved"))

    def active(on):
        return figures.active_by_gender(scope(org, D(2022, 1, 1), D(2022, 12, 31), on=on))["total"]

    assert [active(D(2022, 2, 1)), active(D(2022, 4, 1)), active(D(2022, 6, 1)), active(D(2022, 9, 1))] == [1, 0, 1, 0]
    closings = figures.closings_by_reason(scope(org, D(2022, 1, 1), D(2022, 12, 31)))
    assert closings["total"] == 2 and set(closings["groups"]) == {"bridged", "moved"}


def test_a_case_whose_bridge_builder_changed_counts_for_whoever_had_it_on_the_date(app, org):
    anna = factories.make_user(org, "bridge_builder", name="Anna")
    bo = factories.make_user(org, "bridge_builder", name="Bo")
    citizen = factories.make_citizen(org)
    case = case_with(org, citizen, D(2022, 1, 1), [(D(2022, 1, 3), "contacted")], assigned_to=anna)
    # Reassigned through the model (as every page does): the history is written by Referral.save.
    case = Referral.get_by_id(case.id)
    case.assigned_to = bo
    case.save()
    rows = list(CaseAssignment.select().where(CaseAssignment.referral == case.id).order_by(CaseAssignment.id))
    assert [(r.assigned_to_id, r.effective_on) for r in rows] == [
        (anna.id, D(2022, 1, 1)),
        (bo.id, datetime.date.today()),
    ]
    CaseAssignment.update(effective_on=D(2022, 6, 1)).where(CaseAssignment.id == rows[1].id).execute()

    def builders(on):
        s = scope(org, D(2022, 1, 1), D(2022, 12, 31), on=on)
        return {key: g["n"] for key, g in figures.active_by_builder(s)["groups"].items()}, {
            key: g["n"] for key, g in figures.caseload(s)["groups"].items()
        }

    assert builders(D(2022, 3, 1)) == ({str(anna.id): 1}, {str(anna.id): 1})
    assert builders(D(2022, 7, 1)) == ({str(bo.id): 1}, {str(bo.id): 1})
    assert figures.new_by_builder(scope(org, D(2022, 1, 1), D(2022, 12, 31), on=D(2022, 3, 1)))["groups"] == {
        str(anna.id): {"label": None, "n": 1}
    }


def test_a_declined_referral_is_a_referral_but_never_in_collaboration_after(org):
    citizen = factories.make_citizen(org)
    case_with(org, citizen, D(2022, 2, 1), [(D(2022, 2, 10), "declined")])
    s = scope(org, D(2022, 1, 1), D(2022, 12, 31))
    assert figures.referrals_by_channel(s)["total"] == 1
    assert figures.active_by_gender(s)["total"] == 0
    assert figures.caseload(s)["total"] == 0
    assert figures.closings_by_reason(s)["total"] == 0
    assert figures.caseload(scope(org, D(2022, 1, 1), D(2022, 12, 31), on=D(2022, 2, 5)))["total"] == 1


def test_a_man_not_yet_contacted_is_not_in_active_collaboration(org):
    man = factories.make_citizen(org, gender="male")
    case = case_with(org, man, D(2022, 2, 1))
    s = scope(org, D(2022, 1, 1), D(2022, 12, 31))
    assert figures.active_by_gender(s)["total"] == 0
    assert figures.caseload(s)["total"] == 1  # but he is on the caseload
    assert figures.new_by_gender(s)["groups"] == {"male": {"label": None, "n": 1}}
    step(case, D(2023, 1, 10), "contacted")  # a later change does not alter the past date
    assert figures.active_by_gender(s)["total"] == 0
    assert figures.active_by_gender(scope(org, D(2023, 1, 1), D(2023, 1, 31)))["total"] == 1


def test_open_too_long_and_the_medians(org):
    org.max_case_days = 100
    org.save()
    old = case_with(org, factories.make_citizen(org), D(2022, 1, 1), [(D(2022, 1, 4), "contacted")])
    Referral.update(first_contact_on=D(2022, 1, 4)).where(Referral.id == old.id).execute()
    young = case_with(org, factories.make_citizen(org), D(2022, 5, 1), [(D(2022, 5, 11), "contacted")])
    Referral.update(first_contact_on=D(2022, 5, 11)).where(Referral.id == young.id).execute()
    case_with(org, factories.make_citizen(org), D(2022, 5, 2))  # never contacted: not in the median
    s = scope(org, D(2022, 1, 1), D(2022, 6, 1))
    assert figures.open_too_long(s) == 1
    assert figures.cases_behind("open_too_long", s) == [old.id]
    assert figures.days_to_contact(s) == {"n": 2, "median": 6.5}


def test_cases_behind_a_figure_are_the_ones_it_counted(org):
    man, woman = factories.make_citizen(org, gender="male"), factories.make_citizen(org, gender="female")
    a = case_with(org, man, D(2022, 1, 1), [(D(2022, 1, 2), "contacted")])
    b = case_with(org, woman, D(2022, 1, 1), [(D(2022, 1, 2), "active")])
    case_with(org, woman, D(2022, 1, 1))
    s = scope(org, D(2022, 1, 1), D(2022, 1, 31))
    assert figures.cases_behind("active", s) == sorted([a.id, b.id])
    assert figures.cases_behind("active", s, key="male") == [a.id]


def test_seed_002_figures(org):
    """Fredericia: 110 citizens (35 men) in active collaboration on 1 October 2021; 100 new citizens
    (35 men) from 1 October 2021 to 28 February 2023, all of them newcomers."""
    reason_ = reason(org, "died")
    known = []
    for i in range(140):  # citizens known before the project (45 men, 95 women)
        citizen = factories.make_citizen(org, gender="male" if i < 45 else "female")
        case = case_with(org, citizen, D(2019, 1, 1) + datetime.timedelta(days=i), [(D(2019, 6, 1), "contacted")])
        known.append((citizen, case))
    for _citizen, case in known[:5] + known[45:60]:  # 5 men and 15 women ended before the date
        close(case, D(2021, 5, 1), reason_)
    for _citizen, case in known[5:10]:  # waiting is still collaboration
        step(case, D(2021, 9, 1), "waiting")
    for _citizen, case in known[10:15]:  # 5 men end on the date itself: not active that day
        close(case, D(2021, 10, 1), reason_)
    for _citizen, case in known[60:65]:  # reopened after the date: still not active on it
        close(case, D(2021, 8, 1), reason_)
        step(case, D(2022, 2, 1), "active")
    for i in range(5):  # 5 women referred before the date but not yet contacted on it
        case_with(
            org, factories.make_citizen(org, gender="female"), D(2021, 9, 20 + i), [(D(2021, 10, 5), "contacted")]
        )
    for citizen, _case in known[15:20]:  # re-referred known men: two referrals, no new citizens
        case_with(org, citizen, D(2022, 1, 15), [(D(2022, 1, 20), "contacted")])
    for i in range(100):  # the newcomers of the extra bridge builder
        citizen = factories.make_citizen(org, gender="male" if i < 35 else "female")
        received = D(2021, 10, 1) + datetime.timedelta(days=i * 5)
        case_with(org, citizen, received, [(received + datetime.timedelta(days=3), "contacted")])
    received_only = factories.make_citizen(org, gender="male")  # referred after the period: not new
    case_with(org, received_only, D(2023, 3, 1))

    on_date = figures.active_by_gender(scope(org, D(2021, 10, 1), D(2023, 2, 28), on=D(2021, 10, 1)))
    assert on_date["total"] == 110
    assert on_date["groups"]["male"]["n"] == 35
    new = figures.new_by_gender(scope(org, D(2021, 10, 1), D(2023, 2, 28)))
    assert new["total"] == 100
    assert new["groups"]["male"]["n"] == 35


def test_a_closing_where_the_citizen_stays_in_the_lasting_activity_says_so(org):
    """Issue 14.3: closing ends the practice community's match and keeps the lasting one; the
    report counts those closings (through the real closing, end_matches_at_closing)."""
    from models import Match
    from models.workflow import end_matches_at_closing

    lasting = factories.make_activity(org, name="Spisefællesskabet")
    cafe = factories.make_activity(org, name="Netværkscaféen", is_practice=True, leads_to=lasting)
    other = factories.make_activity(org, name="Gåturen")
    staying, leaving, stopped = (
        case_with(org, factories.make_citizen(org), D(2022, 1, 1), [(D(2022, 1, 5), "contacted")]) for _ in range(3)
    )
    for case in (staying, leaving, stopped):
        factories.make_match(case, cafe, status="joined", started_on=D(2022, 2, 1))
    factories.make_match(staying, lasting, status="joined", started_on=D(2022, 5, 1))
    factories.make_match(stopped, other, status="joined", started_on=D(2022, 3, 1), ended_on=D(2022, 4, 1))
    for case in (staying, leaving, stopped):
        close(case, D(2022, 6, 1), reason(org))
        end_matches_at_closing(case, D(2022, 6, 1))
    # The practice community's matches ended at the closing, the lasting one is still going on.
    assert not Match.select().where((Match.activity == cafe.id) & Match.ended_on.is_null()).exists()
    assert Match.get((Match.referral == staying.id) & (Match.activity == lasting.id)).ended_on is None
    s = scope(org, D(2022, 1, 1), D(2022, 12, 31))
    figure = figures.closings_continuing(s)
    assert figure == {"groups": {"continues": {"label": None, "n": 1}, "ends": {"label": None, "n": 2}}, "total": 3}
    assert figures.cases_behind("closings_continuing", s, key="continues") == [staying.id]
    # Later: the citizen leaves the lasting activity; at the closing they still continued in it.
    Match.update(ended_on=D(2022, 9, 1)).where(Match.referral == staying.id).execute()
    assert figures.closings_continuing(s)["groups"]["continues"]["n"] == 1


def test_the_one_pass_series_counts_as_the_distinct_count_per_date(org):
    """active_over_time counts each citizen on a date by the first of their collaboration
    intervals (over all their cases) that covers it; it must give what a distinct count of
    citizens per date gives: two cases of one citizen at once, back-to-back statuses, a gap, a
    reopening, a status changed twice in a day."""
    anna, bo, cy = (factories.make_citizen(org, gender=g) for g in ("female", "male", "other"))
    first = case_with(org, anna, D(2022, 1, 10), [(D(2022, 1, 15), "contacted"), (D(2022, 2, 1), "active")])
    case_with(org, anna, D(2022, 1, 20), [(D(2022, 1, 25), "contacted"), (D(2022, 5, 31), "declined")])
    close(first, D(2022, 3, 31), reason(org))
    step(first, D(2022, 6, 30), "active")  # reopened: a gap in April and May
    case_with(org, bo, D(2022, 2, 1), [(D(2022, 2, 28), "contacted"), (D(2022, 2, 28), "waiting")])
    case_with(org, cy, D(2022, 3, 1), [(D(2022, 4, 30), "contacted"), (D(2022, 4, 30), "declined")])
    for start, end in (
        (D(2022, 1, 1), D(2022, 12, 31)),
        (D(2022, 2, 15), D(2022, 7, 15)),
        (D(2019, 1, 1), D(2022, 6, 30)),
    ):
        s = scope(org, start, end)
        series = figures.active_over_time(s)
        assert series == figures.active_over_time_by_distinct_count(s)
    year = figures.active_over_time(scope(org, D(2022, 1, 1), D(2022, 12, 31)))
    assert year["2022-01-31"] == {"female": 1} and year["2022-02-28"] == {"female": 1, "male": 1}
    assert year["2022-04-30"] == {"female": 1, "male": 1} and year["2022-06-30"] == {"female": 1, "male": 1}
    assert year["2022-05-31"] == {"male": 1}


def test_the_series_counts_a_citizen_once_under_a_long_case_with_shorter_ones_inside_it(org):
    """One long case open all year with a short case inside it and one starting later that
    outlasts neither: the citizen is one on every date, never two (nor none in a gap of the
    short ones); a second citizen's gap between two cases stays a gap."""
    dan, eva = factories.make_citizen(org, gender="male"), factories.make_citizen(org, gender="female")
    case_with(org, dan, D(2022, 1, 2), [(D(2022, 1, 5), "contacted"), (D(2022, 2, 1), "active")])
    case_with(org, dan, D(2022, 2, 20), [(D(2022, 3, 1), "contacted"), (D(2022, 4, 10), "declined")])
    case_with(org, dan, D(2022, 5, 20), [(D(2022, 6, 1), "active")])
    first = case_with(org, eva, D(2022, 1, 2), [(D(2022, 1, 5), "contacted")])
    close(first, D(2022, 3, 15), reason(org))
    case_with(org, eva, D(2022, 7, 1), [(D(2022, 7, 2), "waiting")])
    for start, end in ((D(2022, 1, 1), D(2022, 12, 31)), (D(2022, 3, 1), D(2022, 8, 15))):
        s = scope(org, start, end)
        assert figures.active_over_time(s) == figures.active_over_time_by_distinct_count(s)
    year = figures.active_over_time(scope(org, D(2022, 1, 1), D(2022, 12, 31)))
    assert year["2022-01-31"] == year["2022-02-28"] == {"male": 1, "female": 1}
    assert year["2022-03-31"] == year["2022-04-30"] == year["2022-05-31"] == year["2022-06-30"] == {"male": 1}
    assert year["2022-07-31"] == year["2022-12-31"] == {"male": 1, "female": 1}


def test_outcome_change_from_the_first_intake_to_the_last_closure_in_the_period(org):
    from models import Instrument, Measurement

    ucla = Instrument.get((Instrument.organisation == org.id) & (Instrument.higher_is_better == False))  # noqa: E712

    def measure(case, phase, on, score):
        Measurement.create(
            organisation=org.id,
            referral=case.id,
            instrument=ucla.id,
            phase=phase,
            taken_on=on,
            answers="[]",
            score=score,
        )

    cases = [case_with(org, factories.make_citizen(org), D(2023, 1, 1)) for _ in range(5)]
    measure(cases[0], "intake", D(2023, 1, 5), 9)
    measure(cases[0], "intake", D(2023, 2, 5), 7)  # a second intake: the first one counts
    measure(cases[0], "closure", D(2024, 3, 1), 6)  # improved by 3 (lower is better)
    measure(cases[1], "intake", D(2023, 1, 5), 5)
    measure(cases[1], "closure", D(2024, 2, 1), 3)
    measure(cases[1], "closure", D(2024, 6, 1), 7)  # the last closure in the period counts: worse by 2
    measure(cases[2], "closure", D(2024, 3, 1), 4)  # no intake: not counted
    measure(cases[3], "intake", D(2023, 1, 5), 6)
    measure(cases[3], "closure", D(2024, 5, 1), 6)  # unchanged
    measure(cases[3], "closure", D(2025, 2, 1), 3)  # after the period: the one in it counts
    measure(cases[4], "intake", D(2023, 1, 5), 8)
    measure(cases[4], "closure", D(2023, 12, 1), 3)  # before the period: not counted
    result = figures.outcomes(scope(org, D(2024, 1, 1), D(2024, 12, 31)))
    assert list(result.values()) == [
        {"label": ucla.name, "n": 3, "mean_change": round((-3 + 2 + 0) / 3, 2), "improved": 1}
    ]
