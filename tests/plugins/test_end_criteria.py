"""The end_criteria plugin: criteria as data, agreed early, checked at closing, the closures summary."""

import datetime

import pytest

from models import CaseClosure, ClosureReason, Referral
from plugins.end_criteria.models import AgreedCriterion, ClosureCheck, ClosureReview, EndCriterion
from tests import factories

TODAY = datetime.date.today()


@pytest.fixture
def criteria(world):
    org = world.a.org
    return [
        EndCriterion.create(organisation=org, name="Deltager i et varigt fællesskab", required=True, position=0),
        EndCriterion.create(organisation=org, name="Kender nogen i fællesskabet", required=True, position=1),
        EndCriterion.create(organisation=org, name="Henvist videre hvor nødvendigt", required=False, position=2),
    ]


def _case(world, **kw):
    a = world.a
    return factories.make_referral(
        a.org,
        status="active",
        assigned_to=a.users["bridge_builder"],
        received_on=kw.pop("received_on", datetime.date(2025, 1, 10)),
        **kw,
    )


def _reason(org, code="bridged"):
    return ClosureReason.get((ClosureReason.organisation == org.id) & (ClosureReason.code == code))


def _close(client, referral, org, **data):
    referral = Referral.get_by_id(referral.id)
    payload = {"reason": str(_reason(org).id), "closed_on": TODAY.isoformat(), "version": str(referral.version)}
    payload.update(data)
    return client.post(f"/admin/referral/close/?id={referral.id}", data=payload)


def test_criteria_are_agreed_on_the_case_page(login, world, criteria):
    referral = _case(world)
    client = login(world.a.users["bridge_builder"])
    page = client.get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert "Deltager i et varigt fællesskab" in page
    response = client.post(
        "/admin/end-criteria/agree/", data={"referral": referral.id, "criteria": [criteria[0].id, criteria[1].id]}
    )
    assert response.status_code == 302
    assert {a.criterion_id for a in AgreedCriterion.select()} == {criteria[0].id, criteria[1].id}


def test_agreeing_another_organisations_criterion_is_refused(login, world, criteria):
    foreign = EndCriterion.create(organisation=world.b.org, name="Fremmed", required=True)
    referral = _case(world)
    client = login(world.a.users["bridge_builder"])
    client.post("/admin/end-criteria/agree/", data={"referral": referral.id, "criteria": [foreign.id]})
    client.post("/admin/end-criteria/agree/", data={"referral": referral.id, "criteria": ["x"]})
    assert AgreedCriterion.select().count() == 0


def test_closing_with_all_required_met_needs_no_justification(login, world, criteria):
    referral = _case(world)
    client = login(world.a.users["bridge_builder"])
    assert "Deltager i et varigt fællesskab" in client.get(f"/admin/referral/close/?id={referral.id}").get_data(
        as_text=True
    )
    response = _close(client, referral, world.a.org, criteria_met=[str(criteria[0].id), str(criteria[1].id)])
    assert response.status_code == 302
    closure = CaseClosure.get(CaseClosure.referral == referral.id)
    checks = {c.criterion_id: c.met for c in ClosureCheck.select().where(ClosureCheck.closure == closure.id)}
    assert checks == {criteria[0].id: True, criteria[1].id: True, criteria[2].id: False}
    assert ClosureReview.get(ClosureReview.closure == closure.id).unmet_required == 0


def test_unmet_required_criterion_needs_a_justification(login, world, criteria):
    referral = _case(world)
    client = login(world.a.users["bridge_builder"])
    response = _close(client, referral, world.a.org, criteria_met=[str(criteria[0].id)])
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "begrundelse" in text and "Kender nogen i fællesskabet" in text
    assert Referral.get_by_id(referral.id).status == "active"
    assert CaseClosure.select().count() == 0
    response = _close(
        client, referral, world.a.org, criteria_met=[str(criteria[0].id)], justification="Borgeren flytter på plejehjem"
    )
    assert response.status_code == 302
    review = ClosureReview.get()
    assert review.unmet_required == 1 and review.justification == "Borgeren flytter på plejehjem"


def test_a_criterion_from_another_organisation_at_closing_is_refused(login, world, criteria):
    foreign = EndCriterion.create(organisation=world.b.org, name="Fremmed", required=False)
    referral = _case(world)
    client = login(world.a.users["bridge_builder"])
    response = _close(
        client, referral, world.a.org, criteria_met=[str(criteria[0].id), str(criteria[1].id), str(foreign.id)]
    )
    assert response.status_code == 200
    assert "Ukendt afslutningskriterium" in response.get_data(as_text=True)
    assert CaseClosure.select().count() == 0


def test_without_the_plugin_cases_close_with_a_reason_only(make_app, world, criteria):
    app = make_app(BROBYGGER_PLUGINS="intake")
    client = app.test_client()
    client.post("/login", data={"email": world.a.users["bridge_builder"].email, "password": factories.PASSWORD})
    referral = _case(world)
    assert _close(client, referral, world.a.org).status_code == 302
    assert Referral.get_by_id(referral.id).status == "closed"
    assert ClosureReview.select().count() == 0
    assert client.get("/admin/closures/").status_code == 404


def test_closures_summary_for_coordinators(login, world, criteria):
    a = world.a
    client = login(a.users["bridge_builder"])
    short = _case(world, received_on=TODAY - datetime.timedelta(days=30))
    long = _case(world, received_on=TODAY - datetime.timedelta(days=90))
    _close(client, short, a.org, criteria_met=[str(criteria[0].id), str(criteria[1].id)])
    _close(client, long, a.org, reason=str(_reason(a.org, "moved").id), justification="Flyttet")
    stale = factories.make_referral(a.org, status="active", received_on=TODAY - datetime.timedelta(days=400))
    coordinator = login(a.users["coordinator"])
    page = coordinator.get("/admin/closures/").get_data(as_text=True)
    assert 'id="closures-total">2<' in page
    assert 'id="median-days">60<' in page
    assert 'id="unmet-share">50 %<' in page
    assert f"#{stale.id}" in page
    assert "Flyttet / plejehjem" in page and a.users["bridge_builder"].name in page
    csv = coordinator.get("/admin/closures/export/csv/").get_data(as_text=True)
    assert csv.count("\n") == 3 and "Brobygget til varigt fællesskab" in csv
    xlsx = coordinator.get("/admin/closures/export/xlsx/")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert login(a.users["bridge_builder"]).get("/admin/closures/").status_code == 403
    other = login(world.b.users["coordinator"]).get("/admin/closures/").get_data(as_text=True)
    assert 'id="closures-total">0<' in other


def test_closures_summary_rejects_bad_periods(login, world):
    client = login(world.a.users["coordinator"])
    response = client.get("/admin/closures/?start=2025-13-01&end=2025-01-01")
    assert response.status_code == 200
    assert "gyldig periode" in response.get_data(as_text=True)
    assert client.get("/admin/closures/export/csv/?start=nope").status_code == 404
    assert client.get("/admin/closures/export/pdf/").status_code == 404
