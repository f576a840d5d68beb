"""The materialised status intervals (models/intervals.py) agree with the status history after
every kind of write — the workflow (contact, close, reopen), direct and bulk status changes, edits
and deletions of them, a changed received date, a deleted case, an erasure, an import and the
demo data — and a report for a past date gives the same answer after later changes."""

import datetime

from extensions import db
from models import CaseClosure, ClosureReason, Referral, StatusChange, StatusInterval
from models.intervals import OPEN_END, intervals_from_history, rebuild, stored_intervals
from models.workflow import change_status, close_case
from reports.report import report_data
from tests import factories
from tests.import_data import CITIZEN_HEADER, REFERRAL_HEADER, citizens, to_csv

D = datetime.date


def agree(org_ids):
    """The table holds exactly the intervals the history defines (and a rebuild changes nothing)."""
    expected = intervals_from_history(org_ids)
    assert stored_intervals(org_ids) == expected
    rebuild()
    assert stored_intervals(org_ids) == expected
    return expected


def reason(org, code="bridged"):
    return ClosureReason.get((ClosureReason.organisation == org.id) & (ClosureReason.code == code))


def test_intervals_follow_the_workflow_reopening_and_edits_of_the_history(app, world):
    org = world.a.org
    coordinator = world.a.users["coordinator"]
    with app.test_request_context():
        citizen = factories.make_citizen(org, gender="male")
        case = factories.make_referral(org, citizen=citizen, received_on=D(2024, 1, 2))
        # A new case is Received from its received date on, with no history yet.
        assert (case.id, "received", D(2024, 1, 2), OPEN_END) in agree((org.id,))
        case = change_status(Referral.get_by_id(case.id), "contacted", coordinator)
        case = change_status(Referral.get_by_id(case.id), "active", coordinator)
        close_case(Referral.get_by_id(case.id), coordinator, reason(org), datetime.date.today())
        case = change_status(Referral.get_by_id(case.id), "active", coordinator)  # reopened
        mine = {row for row in agree((org.id,)) if row[0] == case.id}
        assert [row[1] for row in sorted(mine, key=lambda r: r[2])][-1] == "active"
        # Several changes on one day: only the last is the status of that day (no empty intervals).
        for status, day in (("contacted", D(2024, 2, 1)), ("active", D(2024, 2, 1)), ("waiting", D(2024, 3, 1))):
            StatusChange.create(referral=case.id, to_status=status, effective_on=day)
        rows = agree((org.id,))
        assert all(until > start for _c, _s, start, until in rows)
        # Edits and deletions of the history, a bulk insert, a changed received date.
        change = StatusChange.select().where(StatusChange.referral == case.id).order_by(StatusChange.id).first()
        StatusChange.update(effective_on=D(2024, 1, 20)).where(StatusChange.id == change.id).execute()
        agree((org.id,))
        StatusChange.delete().where(StatusChange.id == change.id).execute()
        agree((org.id,))
        StatusChange.insert_many(
            [{"referral": case.id, "to_status": "closed", "effective_on": D(2024, 4, 1)}]
        ).execute()
        Referral.update(received_on=D(2023, 12, 1)).where(Referral.id == case.id).execute()
        agree((org.id,))
        # A case moved to another citizen (duplicates linked), and a deleted case.
        other = factories.make_citizen(org)
        Referral.update(citizen=other.id).where(Referral.id == case.id).execute()
        agree((org.id,))
        assert {i.citizen_id for i in StatusInterval.select().where(StatusInterval.referral == case.id)} == {other.id}
        gone = factories.make_referral(org, citizen=other, received_on=D(2024, 5, 1))
        StatusChange.create(referral=gone.id, to_status="contacted", effective_on=D(2024, 5, 3))
        Referral.delete().where(Referral.id == gone.id).execute()
        assert not StatusInterval.select().where(StatusInterval.referral == gone.id).exists()
        agree((org.id,))


def test_a_past_report_is_the_same_after_later_changes(app, world):
    org = world.a.org
    coordinator = world.a.users["coordinator"]
    with app.test_request_context():
        cases = []
        for i in range(6):
            citizen = factories.make_citizen(org, gender=("male", "female")[i % 2])
            case = factories.make_referral(org, citizen=citizen, received_on=D(2024, 1, 1 + i))
            StatusChange.create(referral=case.id, to_status="contacted", effective_on=D(2024, 1, 10 + i))
            cases.append(case)
        StatusChange.create(referral=cases[0].id, to_status="closed", effective_on=D(2024, 3, 1))
        period = (D(2024, 1, 1), D(2024, 6, 30), D(2024, 6, 30))
        before = report_data((org.id,), *period)
        # Later: more cases, contacts, closings and a reopening, all after the reference date.
        later = D(2024, 8, 1)
        for case in cases[1:4]:
            StatusChange.create(referral=case.id, to_status="active", effective_on=later)
        close_case(Referral.get_by_id(cases[4].id), coordinator, reason(org), datetime.date.today())
        change_status(Referral.get_by_id(cases[4].id), "active", coordinator)
        factories.make_referral(org, citizen=factories.make_citizen(org), received_on=later)
        agree((org.id,))
        after = report_data((org.id,), *period)
        assert after == before
        assert before["active"]["total"] == 5


def test_intervals_agree_after_an_erasure(app, world):
    from privacy import erasure

    org = world.a.org
    admin = world.a.users["admin"]
    with app.test_request_context():
        citizen = factories.make_citizen(org, name="Glemmes Helt")
        case = factories.make_referral(org, citizen=citizen, received_on=D(2023, 1, 5))
        StatusChange.create(referral=case.id, to_status="contacted", effective_on=D(2023, 1, 9))
        close_case(Referral.get_by_id(case.id), admin, reason(org), D(2023, 6, 1))
        kept = agree((org.id,))
        erasure.erase(citizen, admin)
        # The erased citizen's course stays in the statistics: the intervals are unchanged.
        assert agree((org.id,)) == kept
        assert StatusInterval.select().where(StatusInterval.referral == case.id).count() == 3


def test_intervals_agree_after_an_import(app, world):
    from models.imports import commit_import

    org = world.a.org
    admin = world.a.users["admin"]
    rows = [
        ["H-1", "B-1", "2024-01-02", "gp", "", "aktiv", "2024-01-05", "", "", ""],
        ["H-2", "B-2", "2024-01-02", "gp", "", "lukket", "2024-01-03", "", "2024-06-30", "Død"],
        ["H-3", "B-3", "2024-02-02", "gp", "", "modtaget", "", "", "", ""],
    ]
    with app.test_request_context():
        commit_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, citizens(3)))
        commit_import(admin, "referrals", "h.csv", to_csv(REFERRAL_HEADER, rows))
        ids = {r.id for r in Referral.select().where(Referral.external_id.is_null(False))}
        assert len(ids) == 3 and ids <= {r[0] for r in agree((org.id,))}
        # Dated as it happened (the import used to leave the status changes without a date).
        closed = Referral.get(Referral.external_id == "H-2")
        assert (closed.id, "closed", D(2024, 6, 30), OPEN_END) in stored_intervals((org.id,))


def test_intervals_agree_for_the_demo_data(app):
    from demo import seed
    from models import Organisation

    with app.test_request_context():
        db.connect(reuse_if_open=True)
        assert seed(referrals=40)
        org = Organisation.get(Organisation.slug == "demo")
        rows = agree((org.id,))
        assert {r[0] for r in rows} == {r.id for r in Referral.select().where(Referral.organisation == org.id)}
        assert CaseClosure.select().where(CaseClosure.organisation == org.id).exists()
