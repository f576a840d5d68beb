"""Closing cases (core): reason, dates, atomicity, concurrency, outcome measures, reopening."""

import datetime

import pytest

from models import CaseClosure, ClosureReason, Instrument, Match, Measurement, Referral, StatusChange
from models.base import StaleRecordError
from models.workflow import TransitionError, close_case, record_measurement
from tests import factories

TODAY = datetime.date.today()


def _reason(org, code="bridged"):
    return ClosureReason.get((ClosureReason.organisation == org.id) & (ClosureReason.code == code))


def _instrument(org, code):
    return Instrument.get((Instrument.organisation == org.id) & (Instrument.code == code))


def _active_case(world):
    a = world.a
    referral = factories.make_referral(
        a.org, status="active", assigned_to=a.users["bridge_builder"], received_on=datetime.date(2025, 1, 10)
    )
    factories.make_match(referral, a.activity, status="joined", started_on=datetime.date(2025, 2, 1))
    return referral


def test_bridge_builder_closes_a_case_with_reason_and_measurement(login, world):
    a = world.a
    referral = _active_case(world)
    ucla = _instrument(a.org, "ucla3")
    client = login(a.users["bridge_builder"])
    assert client.get(f"/admin/referral/close/?id={referral.id}").status_code == 200
    data = {
        "reason": str(_reason(a.org).id),
        "closed_on": TODAY.isoformat(),
        "note": "Går i spisegruppen",
        "version": str(referral.version),
        f"m{ucla.id}_0": "1",
        f"m{ucla.id}_1": "2",
        f"m{ucla.id}_2": "1",
    }
    response = client.post(f"/admin/referral/close/?id={referral.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    referral = Referral.get_by_id(referral.id)
    assert referral.status == "closed"
    closure = CaseClosure.get(CaseClosure.referral == referral.id)
    assert closure.reason.code == "bridged" and closure.closed_on == TODAY
    # The lasting activity the citizen joined goes on after the case: it is the point of the work.
    assert Match.get(Match.referral == referral.id).ended_on is None
    assert Measurement.get(Measurement.referral == referral.id).score == 4
    assert StatusChange.get(StatusChange.referral == referral.id).to_status == "closed"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"closed_on": "2024-12-31"}, "før henvisningen"),
        ({"closed_on": (TODAY + datetime.timedelta(days=3)).isoformat()}, "fremtiden"),
        ({"closed_on": "2025-02-31"}, "gyldig dato"),
        ({"reason": "999999"}, "gyldigt valg"),
    ],
)
def test_bad_closing_input_changes_nothing(login, world, change, message):
    a = world.a
    referral = _active_case(world)
    client = login(a.users["bridge_builder"])
    data = {
        "reason": str(_reason(a.org).id),
        "closed_on": TODAY.isoformat(),
        "version": str(referral.version),
        **change,
    }
    response = client.post(f"/admin/referral/close/?id={referral.id}", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert Referral.get_by_id(referral.id).status == "active"
    assert CaseClosure.select().count() == 0


def test_closing_an_already_closed_case_is_refused(app, world):
    a = world.a
    referral = _active_case(world)
    with app.app_context():
        close_case(referral, a.users["coordinator"], _reason(a.org), TODAY)
        with pytest.raises(TransitionError):
            close_case(Referral.get_by_id(referral.id), a.users["coordinator"], _reason(a.org), TODAY)
    assert CaseClosure.select().count() == 1


def test_another_organisations_reason_is_refused(app, world):
    referral = _active_case(world)
    with app.app_context(), pytest.raises(TransitionError):
        close_case(referral, world.a.users["admin"], _reason(world.b.org), TODAY)
    assert Referral.get_by_id(referral.id).status == "active"


def test_concurrent_closes_one_wins(app, world):
    a = world.a
    referral = _active_case(world)
    first, second = Referral.get_by_id(referral.id), Referral.get_by_id(referral.id)
    with app.app_context():
        close_case(first, a.users["bridge_builder"], _reason(a.org), TODAY, expected_version=first.version)
        # `second` was read before the first close committed: its save hits the version check.
        second.status = "active"
        with pytest.raises((StaleRecordError, TransitionError)):
            close_case(second, a.users["coordinator"], _reason(a.org, "other"), TODAY, expected_version=second.version)
    assert CaseClosure.select().count() == 1
    assert CaseClosure.get().reason.code == "bridged"
    assert StatusChange.select().count() == 1


def test_concurrent_close_through_the_browser_gets_a_clear_message(login, world):
    a = world.a
    referral = _active_case(world)
    first, second = login(a.users["bridge_builder"]), login(a.users["coordinator"])
    data = {"reason": str(_reason(a.org).id), "closed_on": TODAY.isoformat(), "version": str(referral.version)}
    assert first.post(f"/admin/referral/close/?id={referral.id}", data=data).status_code == 302
    response = second.post(f"/admin/referral/close/?id={referral.id}", data=data, follow_redirects=True)
    assert "allerede afsluttet" in response.get_data(as_text=True)
    assert CaseClosure.select().count() == 1


def test_a_failure_inside_the_closing_undoes_everything(make_app, world):
    from plugins import hookimpl

    class Breaks:
        @hookimpl
        def brobygger_case_closed(self, referral, closure, form, user):
            raise RuntimeError("disk full")

    app = make_app()
    app.extensions["plugin_manager"].register(Breaks())
    a = world.a
    referral = _active_case(world)
    with app.test_request_context(), pytest.raises(RuntimeError):
        close_case(
            referral,
            a.users["admin"],
            _reason(a.org),
            TODAY,
            measurements=[(_instrument(a.org, "who5"), [3, 3, 3, 3, 3])],
        )
    assert Referral.get_by_id(referral.id).status == "active"
    assert CaseClosure.select().count() == 0
    assert Measurement.select().count() == 0
    assert StatusChange.select().count() == 0
    assert Match.get(Match.referral == referral.id).ended_on is None


def test_who5_and_ucla_scores_and_ranges(app, world):
    a = world.a
    referral = _active_case(world)
    who5, ucla = _instrument(a.org, "who5"), _instrument(a.org, "ucla3")
    assert who5.score_range == (0, 100) and ucla.score_range == (3, 9)
    user = a.users["bridge_builder"]
    assert record_measurement(referral, who5, "intake", TODAY, [1, 2, 3, 4, 5], user).score == 60
    with pytest.raises(TransitionError):
        record_measurement(referral, who5, "intake", TODAY, [6, 0, 0, 0, 0], user)
    with pytest.raises(TransitionError):
        record_measurement(referral, ucla, "intake", TODAY, [0, 1, 1], user)
    with pytest.raises(TransitionError):
        record_measurement(referral, ucla, "intake", TODAY, [1, 1], user)
    with pytest.raises(TransitionError):
        record_measurement(referral, _instrument(world.b.org, "who5"), "intake", TODAY, [1] * 5, user)


def test_measurement_page_and_change_on_the_case_page(login, world):
    a = world.a
    referral = _active_case(world)
    who5 = _instrument(a.org, "who5")
    client = login(a.users["bridge_builder"])
    url = f"/admin/referral/measure/?id={referral.id}&instrument={who5.id}"
    assert client.get(url).status_code == 200
    items = {f"m{who5.id}_{n}": "1" for n in range(5)}
    assert (
        client.post(url, data={"instrument": who5.id, "phase": "intake", "taken_on": "2025-02-01", **items}).status_code
        == 302
    )
    items = {f"m{who5.id}_{n}": "4" for n in range(5)}
    assert (
        client.post(url, data={"instrument": who5.id, "phase": "during", "taken_on": "2025-05-01", **items}).status_code
        == 302
    )
    bad = {f"m{who5.id}_{n}": "9" for n in range(5)}
    assert (
        client.post(url, data={"instrument": who5.id, "phase": "during", "taken_on": "2025-05-01", **bad}).status_code
        == 200
    )
    page = client.get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert "WHO-5" in page and "ændring +60" in page
    assert Measurement.select().count() == 2


def test_reopen_keeps_the_closing_history(app, login, world):
    a = world.a
    referral = _active_case(world)
    with app.app_context():
        close_case(referral, a.users["coordinator"], _reason(a.org), TODAY)
    client = login(a.users["coordinator"])
    referral = Referral.get_by_id(referral.id)
    response = client.post(
        "/admin/referral/status/", data={"id": referral.id, "to": "active", "version": referral.version}
    )
    assert response.status_code == 302
    assert Referral.get_by_id(referral.id).status == "active"
    assert CaseClosure.get(CaseClosure.referral == referral.id).reopened_at is not None


def test_admin_adds_an_instrument_and_a_closure_reason(login, world):
    client = login(world.a.users["admin"])
    response = client.post(
        "/admin/instrument/new/",
        data={
            "name": "Egen skala",
            "items": "Spørgsmål 1\nSpørgsmål 2",
            "item_min": "1",
            "item_max": "4",
            "factor": "2",
            "higher_is_better": "yes",
            "position": "3",
            "active": "y",
        },
    )
    assert response.status_code == 302
    instrument = Instrument.get(Instrument.name == "Egen skala")
    assert instrument.organisation_id == world.a.org.id and instrument.score_range == (4, 16)
    bad = client.post(
        "/admin/instrument/new/",
        data={
            "name": "Forkert",
            "items": "x",
            "item_min": "5",
            "item_max": "2",
            "factor": "1",
            "higher_is_better": "yes",
        },
    )
    assert bad.status_code == 200 and not Instrument.select().where(Instrument.name == "Forkert").exists()
    assert (
        client.post(
            "/admin/closure_reason/new/", data={"name": "Fandt en kæreste", "position": "9", "active": "y"}
        ).status_code
        == 302
    )
    assert ClosureReason.get(ClosureReason.name == "Fandt en kæreste").organisation_id == world.a.org.id
    assert login(world.a.users["coordinator"]).get("/admin/instrument/").status_code == 403
