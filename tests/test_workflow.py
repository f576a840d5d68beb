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
    assert "alert-danger" in client.get(response.headers["Location"]).get_data(as_text=True)


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


def test_bridge_builder_suggests_activities_and_follows_the_path(login, world):
    from models import Match

    a = world.a
    lasting = factories.make_activity(a.org, partner=a.partner, name="Spisegruppe i medborgerhuset", weekday=1)
    cafe = factories.make_activity(
        a.org,
        partner=a.partner,
        name="Netværkscafé",
        is_practice=True,
        leads_to=lasting,
        weekday=2,
        place="Frivilligcenter Østerbro",
    )
    factories.make_activity(a.org, partner=a.partner, name="Ungdomsklub", age_min=13, age_max=25)
    referral = factories.make_referral(
        a.org,
        status="active",
        assigned_to=a.users["bridge_builder"],
        citizen=factories.make_citizen(a.org, birth_year=1933),
    )
    client = login(a.users["bridge_builder"])
    page = client.get(f"/admin/referral/suggest/?id={referral.id}&place=osterbro").get_data(as_text=True)
    assert "<td>Netværkscafé" in page and "<td>Spisegruppe" not in page
    assert "Ungdomsklub" not in client.get(f"/admin/referral/suggest/?id={referral.id}").get_data(as_text=True)
    assert "Spisegruppe" in client.get(f"/admin/referral/suggest/?id={referral.id}&weekday=1").get_data(as_text=True)
    client.post("/admin/referral/suggest/", data={"id": referral.id, "activity": cafe.id, "accompanied": "y"})
    match = Match.get(Match.referral == referral.id)
    assert (match.status, match.accompanied, match.organisation_id) == ("suggested", True, a.org.id)
    client.post("/admin/referral/match/", data={"match": match.id, "to": "joined"})
    assert Match.get_by_id(match.id).status == "joined" and Match.get_by_id(match.id).started_on is not None
    page = client.get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert "Spisegruppe i medborgerhuset" in page  # the path from the café to the lasting activity
    client.post("/admin/referral/suggest/", data={"id": referral.id, "activity": lasting.id, "role": "volunteer"})
    onward = Match.get((Match.referral == referral.id) & (Match.activity == lasting.id))
    assert onward.role == "volunteer"
    client.post("/admin/referral/match/", data={"match": match.id, "to": "suggested"})  # backwards: refused
    assert Match.get_by_id(match.id).status == "joined"
    client.post("/admin/referral/match/", data={"match": match.id, "to": "stopped"})
    assert Match.get_by_id(match.id).ended_on is not None


def test_another_organisations_activity_cannot_be_suggested(login, world):
    from models import Match

    client = login(world.a.users["bridge_builder"])
    client.post("/admin/referral/suggest/", data={"id": world.a.referral.id, "activity": world.b.activity.id})
    client.post("/admin/referral/suggest/", data={"id": world.a.referral.id, "activity": "x"})
    assert Match.select().where(Match.referral == world.a.referral.id).count() == 1  # the world's own
    client.post("/admin/referral/match/", data={"match": world.b.match.id, "to": "stopped"})
    assert Match.get_by_id(world.b.match.id).status == "joined"


def test_caseload_shows_what_needs_action(login, world):
    a = world.a
    builder = a.users["bridge_builder"]
    today = datetime.date.today()
    late = factories.make_referral(a.org, assigned_to=builder, received_on=today - datetime.timedelta(days=20))
    idle = factories.make_referral(
        a.org,
        status="active",
        assigned_to=builder,
        received_on=today - datetime.timedelta(days=90),
        first_contact_on=today - datetime.timedelta(days=85),
    )
    factories.make_contact(idle, date=today - datetime.timedelta(days=60))
    review = factories.make_referral(
        a.org,
        status="active",
        assigned_to=builder,
        first_contact_on=today,
        review_on=today - datetime.timedelta(days=1),
    )
    factories.make_contact(review, date=today)
    fine = factories.make_referral(a.org, status="active", assigned_to=builder, first_contact_on=today)
    factories.make_contact(fine, date=today)
    other_builder = factories.make_user(a.org, "bridge_builder")
    theirs = factories.make_referral(a.org, assigned_to=other_builder, received_on=today - datetime.timedelta(days=30))
    page = login(builder).get("/admin/caseload/").get_data(as_text=True)
    assert f"#{late.id}<" in page and f"#{idle.id}<" in page and f"#{fine.id}<" in page
    assert f"#{theirs.id}<" not in page
    assert page.count("flag-no_first_contact") == 1 and page.count("flag-idle") == 1 and page.count("flag-review") == 1
    team = login(a.users["coordinator"]).get("/admin/caseload/").get_data(as_text=True)
    assert f"#{theirs.id}<" in team and other_builder.name in team
    assert login(a.users["partner"]).get("/admin/caseload/").status_code == 403


def test_a_contact_dated_in_the_future_is_refused(login, world):
    from models import Contact

    client = login(world.a.users["bridge_builder"])
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        "/admin/contact/new/", data={"referral": world.a.referral.id, "date": future, "minutes": "5"}
    )
    assert response.status_code == 200
    assert Contact.select().where(Contact.referral == world.a.referral.id).count() == 1  # the world's own
    assert Referral.get_by_id(world.a.referral.id).first_contact_on is None
