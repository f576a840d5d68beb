"""The case workflow cannot be bypassed through the generic admin forms (issue 9, item 9)."""

import datetime

import pytest

from models import Contact, Match, Referral
from plugins.collaboration.models import CollaborationNote
from tests import factories
from tests.plugin_data import municipal_service, note_data


@pytest.fixture
def closed(world):
    """World a's case, closed; and an open case next to it."""
    a = world.a
    Referral.update(status="closed").where(Referral.id == a.referral.id).execute()
    return a.referral, factories.make_referral(a.org, assigned_to=a.users["bridge_builder"])


@pytest.mark.parametrize("role", ["bridge_builder", "coordinator", "admin"])
def test_no_new_contacts_matches_or_notes_on_a_closed_case(login, world, closed, role):
    a = world.a
    case, _open = closed
    client = login(a.users[role])
    counts = (Contact.select().count(), Match.select().count(), CollaborationNote.select().count())
    response = client.post(
        "/admin/contact/new/", data={"referral": str(case.id), "date": "2025-05-05", "minutes": "10"}
    )
    assert response.status_code == 200 and "genåbn" in response.get_data(as_text=True).lower()
    client.post("/admin/match/new/", data={"referral": str(case.id), "activity": str(a.activity.id)})
    client.post("/admin/collab_note/new/", data=note_data(case, municipal_service(a.org)))
    client.post("/admin/referral/suggest/", data={"id": str(case.id), "activity": str(a.activity.id)})
    assert (Contact.select().count(), Match.select().count(), CollaborationNote.select().count()) == counts


def test_rows_of_a_closed_case_cannot_be_edited_moved_or_deleted(login, world, closed):
    a = world.a
    case, open_case = closed
    client = login(a.users["admin"])
    contact = a.contact
    client.post(
        f"/admin/contact/edit/?id={contact.id}",
        data={"referral": str(case.id), "date": "2025-06-06", "minutes": "99", "version": str(contact.version)},
    )
    assert Contact.get_by_id(contact.id).minutes == 30
    client.post(
        f"/admin/contact/edit/?id={contact.id}",
        data={"referral": str(open_case.id), "date": "2025-06-06", "minutes": "99", "version": str(contact.version)},
    )
    assert Contact.get_by_id(contact.id).referral_id == case.id  # not moved off the closed case
    client.post("/admin/contact/delete/", data={"id": str(contact.id)})
    client.post("/admin/contact/action/", data={"action": "delete", "rowid": [str(contact.id)]})
    assert Contact.get_or_none(Contact.id == contact.id) is not None
    # Nor can an open case's contact be moved onto the closed case.
    other = factories.make_contact(open_case, minutes=5, date=datetime.date(2025, 1, 2))
    client.post(
        f"/admin/contact/edit/?id={other.id}",
        data={"referral": str(case.id), "date": "2025-01-02", "minutes": "5", "version": str(other.version)},
    )
    assert Contact.get_by_id(other.id).referral_id == open_case.id
    # The referral's own form is read-only too until the case is reopened.
    client.post(
        f"/admin/referral/edit/?id={case.id}",
        data={"citizen": str(a.citizen.id), "received_on": "2025-01-01", "note": "ændret", "version": "1"},
    )
    assert Referral.get_by_id(case.id).note != "ændret"


def test_the_match_form_cannot_set_or_move_a_status(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    response = client.post(
        "/admin/match/new/",
        data={"referral": str(a.referral.id), "activity": str(a.other_activity.id), "status": "joined"},
    )
    assert response.status_code == 302
    created = Match.select().where(Match.activity == a.other_activity.id).get()
    assert created.status == "suggested"
    joined = a.match  # status joined
    client.post(
        f"/admin/match/edit/?id={joined.id}",
        data={
            "referral": str(a.referral.id),
            "activity": str(a.activity.id),
            "status": "suggested",
            "version": str(joined.version),
        },
    )
    assert Match.get_by_id(joined.id).status == "joined"
    # The workflow's own path still moves it forwards.
    client.post("/admin/referral/match/", data={"match": str(joined.id), "to": "stopped"})
    assert Match.get_by_id(joined.id).status == "stopped"


def test_a_reopened_case_takes_contacts_again(login, world, closed):
    a = world.a
    case, _open = closed
    coordinator = login(a.users["coordinator"])
    response = coordinator.post("/admin/referral/status/", data={"id": str(case.id), "to": "active"})
    assert response.status_code == 302
    assert Referral.get_by_id(case.id).status == "active"
    response = coordinator.post(
        "/admin/contact/new/", data={"referral": str(case.id), "date": "2025-05-05", "minutes": "10"}
    )
    assert response.status_code == 302
