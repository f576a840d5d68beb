"""Creating, editing and deleting through the admin: organisation stamping, optimistic locking,
delete blocking, the audit trail and the case page."""

import datetime

from models import AuditLog, Citizen, Contact, Partner, Referral, ReferralReasonLink
from tests import factories


def test_bridge_builder_registers_citizen_and_referral(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    response = client.post(
        "/admin/citizen/new/",
        data={"initials": "SM", "name": "Søren Mørk", "birth_year": "1948", "gender": "male", "postal_code": "2450"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    citizen = Citizen.get(Citizen.name == "Søren Mørk")
    assert citizen.organisation_id == a.org.id
    assert citizen.search_key == "soren mork sm 2450"

    response = client.post(
        "/admin/referral/new/",
        data={
            "citizen": str(citizen.id),
            "channel": str(a.channel.id),
            "reasons": [str(a.reason.id)],
            "received_on": "2025-02-03",
            "status": "received",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    referral = Referral.get(Referral.citizen == citizen.id)
    assert referral.organisation_id == a.org.id
    assert [link.reason_id for link in referral.reason_links] == [a.reason.id]
    assert AuditLog.select().where((AuditLog.action == "create") & (AuditLog.model == "Referral")).count() == 1


def test_anonymous_citizen_with_initials_only(login, world):
    client = login(world.a.users["bridge_builder"])
    response = client.post("/admin/citizen/new/", data={"initials": "XY", "anonymous": "y", "gender": "unknown"})
    assert response.status_code == 302
    citizen = Citizen.get(Citizen.initials == "XY")
    assert citizen.anonymous and citizen.name is None
    assert str(citizen) == "XY"


def test_anonymous_citizen_with_contact_details_is_refused(login, world):
    client = login(world.a.users["bridge_builder"])
    response = client.post(
        "/admin/citizen/new/",
        data={"initials": "XY", "anonymous": "y", "phone": "12345678", "gender": "unknown"},
    )
    assert response.status_code == 200
    assert not Citizen.select().where(Citizen.initials == "XY").exists()


def test_stale_edit_is_refused_with_a_clear_message(login, world):
    a = world.a
    client = login(a.users["admin"])
    url = f"/admin/partner/edit/?id={a.partner.id}"
    client.get(url)
    Partner.get_by_id(a.partner.id).save()  # someone else saves meanwhile: version 1 → 2
    response = client.post(url, data={"name": "Mit navn", "version": "1"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert Partner.get_by_id(a.partner.id).name != "Mit navn"
    assert "Mit navn" in text  # the user's input is still in the form, nothing lost
    fresh = Partner.get_by_id(a.partner.id)
    response = client.post(url, data={"name": "Mit navn", "version": str(fresh.version)})
    assert response.status_code == 302
    assert Partner.get_by_id(a.partner.id).name == "Mit navn"
    assert Partner.get_by_id(a.partner.id).version == fresh.version + 1


def test_concurrent_save_at_model_level_raises(app, world):
    from models import StaleRecordError

    first = Partner.get_by_id(world.a.partner.id)
    second = Partner.get_by_id(world.a.partner.id)
    first.name = "Først"
    first.save()
    second.name = "Anden"
    try:
        second.save()
    except StaleRecordError:
        pass
    else:
        raise AssertionError("a stale save must raise StaleRecordError")
    assert Partner.get_by_id(world.a.partner.id).name == "Først"


def test_record_with_history_is_not_cascade_deleted(login, world):
    a = world.a
    client = login(a.users["admin"])
    response = client.post("/admin/citizen/delete/", data={"id": str(a.citizen.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "kan ikke slettes" in response.get_data(as_text=True)
    assert Citizen.get_or_none(Citizen.id == a.citizen.id) is not None
    assert Referral.get_or_none(Referral.id == a.referral.id) is not None
    assert Contact.get_or_none(Contact.id == a.contact.id) is not None


def test_bulk_delete_skips_records_with_history(login, world):
    a = world.a
    lonely = factories.make_citizen(a.org, name="Uden sag")
    client = login(a.users["admin"])
    response = client.post(
        "/admin/citizen/action/", data={"action": "delete", "rowid": [str(a.citizen.id), str(lonely.id)]}
    )
    assert response.status_code == 302
    assert Citizen.get_or_none(Citizen.id == lonely.id) is None
    assert Citizen.get_or_none(Citizen.id == a.citizen.id) is not None
    assert AuditLog.select().where((AuditLog.action == "delete") & (AuditLog.record_id == lonely.id)).count() == 1


def test_deleting_a_referral_removes_its_reason_links_only(login, world):
    a = world.a
    referral = factories.make_referral(a.org)
    ReferralReasonLink.create(referral=referral, reason=a.reason)
    client = login(a.users["admin"])
    assert client.post("/admin/referral/delete/", data={"id": str(referral.id)}).status_code == 302
    assert Referral.get_or_none(Referral.id == referral.id) is None
    assert not ReferralReasonLink.select().where(ReferralReasonLink.referral == referral.id).exists()


def test_bridge_builder_cannot_delete_cases(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    client.post("/admin/referral/delete/", data={"id": str(a.referral.id)})
    client.post("/admin/referral/action/", data={"action": "delete", "rowid": [str(a.referral.id)]})
    assert Referral.get_or_none(Referral.id == a.referral.id) is not None


def test_reading_a_case_or_citizen_is_audited_without_content(login, world):
    a = world.a
    client = login(a.users["coordinator"])
    assert client.get(f"/admin/referral/details/?id={a.referral.id}").status_code == 200
    assert client.get(f"/admin/citizen/edit/?id={a.citizen.id}").status_code == 200
    views = list(AuditLog.select().where(AuditLog.action == "view").order_by(AuditLog.id))
    assert [(v.model, v.record_id, v.user_id, v.role) for v in views] == [
        ("Referral", a.referral.id, a.users["coordinator"].id, "coordinator"),
        ("Citizen", a.citizen.id, a.users["coordinator"].id, "coordinator"),
    ]


def test_audit_log_is_read_only_for_admins(login, world):
    a = world.a
    entry = AuditLog.record("view", "Citizen", a.citizen.id, user=a.users["admin"])
    client = login(a.users["admin"])
    assert client.get("/admin/audit_log/").status_code == 200
    assert client.get("/admin/audit_log/new/").status_code in (302, 403)
    assert client.get(f"/admin/audit_log/edit/?id={entry.id}").status_code in (302, 403)
    client.post("/admin/audit_log/delete/", data={"id": str(entry.id)})
    client.post("/admin/audit_log/action/", data={"action": "delete", "rowid": [str(entry.id)]})
    assert AuditLog.get_or_none(AuditLog.id == entry.id) is not None
    assert login(a.users["coordinator"]).get("/admin/audit_log/").status_code == 403


def test_case_page_shows_contacts_matches_and_reasons(login, world):
    a = world.a
    ReferralReasonLink.create(referral=a.referral, reason=a.reason)
    factories.make_contact(a.referral, date=datetime.date(2025, 4, 1), note="Talte om haven")
    client = login(a.users["bridge_builder"])
    text = client.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)
    assert "Talte om haven" in text
    assert a.activity.name in text
    assert a.reason.name in text
    assert "01.04.2025" in text


def test_minimal_records_organisation_has_no_free_text_notes(login, world):
    a = world.a
    a.org.minimal_records = True
    a.org.save()
    client = login(a.users["bridge_builder"])
    form = client.get(f"/admin/contact/new/?referral={a.referral.id}").get_data(as_text=True)
    assert 'name="note"' not in form
    response = client.post(
        "/admin/contact/new/",
        data={"referral": str(a.referral.id), "date": "2025-05-05", "minutes": "10", "note": "Må ikke gemmes"},
    )
    assert response.status_code == 302
    assert Contact.get(Contact.date == datetime.date(2025, 5, 5)).note is None


def test_create_user_via_admin_hashes_password(login, world):
    from models import User

    client = login(world.a.users["admin"])
    response = client.post(
        "/admin/user/new/",
        data={
            "name": "Ny Bruger",
            "email": "NY@Example.dk",
            "role": "coordinator",
            "active": "y",
            "new_password": "langt-kodeord-123",
        },
    )
    assert response.status_code == 302
    user = User.get(User.email == "ny@example.dk")
    assert user.organisation_id == world.a.org.id
    assert user.check_password("langt-kodeord-123")
    response = client.post(
        "/admin/user/new/", data={"name": "Kort", "email": "kort@example.dk", "role": "admin", "new_password": "kort"}
    )
    assert response.status_code == 200
    assert not User.select().where(User.email == "kort@example.dk").exists()


def test_partner_records_attendance_of_a_consenting_participant_by_first_name(login, world):
    from models import Attendance

    a = world.a
    client = login(a.users["partner"])
    lookup = client.get("/admin/attendance/ajax/lookup/?name=citizen&query=alfa").get_json()
    assert lookup == [[a.citizen.id, "Alfa"]]
    assert client.get("/admin/attendance/ajax/lookup/?name=citizen&query=borger").get_json() == []
    session = factories.make_session(a.activity, date=datetime.date(2025, 9, 9))
    response = client.post("/admin/attendance/new/", data={"session": str(session.id), "citizen": str(a.citizen.id)})
    assert response.status_code == 302
    assert Attendance.select().where(Attendance.session == session.id).count() == 1
    stranger = factories.make_citizen(a.org, name="Uden Match")
    response = client.post("/admin/attendance/new/", data={"session": str(session.id), "citizen": str(stranger.id)})
    assert response.status_code == 200
    assert Attendance.select().where(Attendance.citizen == stranger.id).count() == 0
