"""The one input filter (inputs.py): control characters, bidi overrides, NFC, pages, lookups, dates."""

import pytest

from models import Citizen, Contact, Referral
from plugins.intake.models import IntakeSubmission
from tests.plugin_data import public_data

DANISH = "usynlige styretegn"  # from the Danish message


@pytest.fixture
def admin_client(login, world):
    return login(world.a.users["admin"])


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\x85", "\u202e", "\u2066"])
def test_public_form_refuses_control_characters_with_a_danish_message(client, world, forms, bad):
    before = (Referral.select().count(), IntakeSubmission.select().count())
    data = public_data(client, world, forms, name=f"Søren{bad}Ærø")
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert response.status_code == 400
    assert DANISH in response.get_data(as_text=True)
    assert (Referral.select().count(), IntakeSubmission.select().count()) == before


def test_login_with_nul_is_a_clear_400_not_a_500(client, world):
    user = world.a.users["admin"]
    for data in ({"email": user.email + "\x00", "password": "x"}, {"email": "\x00", "password": "\x00"}):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert DANISH in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/referral/?search=%00",
        "/admin/citizen/?search=s%C3%B8ren%00",
        "/admin/citizen/?flt0_0=%00",
        "/admin/citizen/?flt1_0=2450%00",
        "/admin/referral/ajax/lookup/?name=citizen&query=%00",
        "/admin/referral/?search=%E2%80%AEevil",
        "/admin/referral/?page=1%00",
    ],
)
def test_nul_and_bidi_in_search_filters_and_lookups_are_refused(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 400, response.status_code
    assert DANISH in response.get_data(as_text=True)


def test_admin_form_refuses_bidi_and_control_characters_and_stores_nothing(admin_client):
    before = Citizen.select().count()
    for name in ("Evil\u202egnp.exe", "Nul\x00byte", "Bell\x07"):
        response = admin_client.post("/admin/citizen/new/", data={"initials": "EV", "name": name, "gender": "male"})
        assert response.status_code == 400
    assert Citizen.select().count() == before


NOTE = "Linje 1\r\nLinje 2\t!"


def test_single_line_fields_refuse_line_breaks_multi_line_fields_keep_them(admin_client, world):
    response = admin_client.post("/admin/citizen/new/", data={"initials": "TB", "name": "Tab\tName", "gender": "male"})
    assert response.status_code == 200
    assert "én linje" in response.get_data(as_text=True)
    assert not Citizen.select().where(Citizen.initials == "TB").exists()
    response = admin_client.post(
        "/admin/contact/new/",
        data={"referral": str(world.a.referral.id), "date": "2025-05-05", "minutes": "10", "note": NOTE},
    )
    assert response.status_code == 302
    assert Contact.get(Contact.note.startswith("Linje 1")).note == NOTE


def test_text_is_stored_nfc_normalised(admin_client, client, world, forms):
    decomposed = "A\u030ase Mo\u0308rk"  # Åse Mørk typed with combining marks
    response = admin_client.post("/admin/citizen/new/", data={"initials": "AM", "name": decomposed, "gender": "female"})
    assert response.status_code == 302
    assert Citizen.get(Citizen.initials == "AM").name == "\u00c5se M\u00f6rk"
    data = public_data(client, world, forms, name="Se\u0301bastian")
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data=data).status_code == 303
    assert Citizen.select().where(Citizen.name == "S\u00e9bastian").exists()


@pytest.mark.parametrize("page", ["100000000000000000000", "9" * 40, "2147483648", "-99999999999999999999"])
def test_huge_page_numbers_are_clamped(admin_client, world, page):
    for view in ("referral", "citizen", "contact", "match", "audit_log"):
        response = admin_client.get(f"/admin/{view}/?page={page}")
        assert response.status_code == 200, (view, response.status_code)


def test_ajax_lookup_with_hundreds_of_words_answers(admin_client, world):
    words = "+".join(f"ord{i}" for i in range(300))
    response = admin_client.get(f"/admin/referral/ajax/lookup/?name=citizen&query={words}")
    assert response.status_code == 200
    assert response.get_json() == []
    first = world.a.citizen.name.split()[0]
    response = admin_client.get(f"/admin/referral/ajax/lookup/?name=citizen&query={first}+" + "+".join(["x"] * 300))
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2099-01-01"])
def test_dates_outside_a_sane_range_are_refused(admin_client, world, value):
    a = world.a
    counts = (Citizen.select().count(), Referral.select().count(), Contact.select().count())
    response = admin_client.post("/admin/citizen/new/", data={"initials": "DT", "gender": "male", "consent_on": value})
    assert response.status_code == 200 and ("is-invalid" in response.get_data(as_text=True))
    response = admin_client.post(
        "/admin/referral/new/", data={"citizen": str(a.citizen.id), "channel": str(a.channel.id), "received_on": value}
    )
    assert response.status_code == 200 and ("is-invalid" in response.get_data(as_text=True))
    response = admin_client.post(
        "/admin/contact/new/", data={"referral": str(a.referral.id), "date": value, "minutes": "5"}
    )
    assert response.status_code == 200
    assert (Citizen.select().count(), Referral.select().count(), Contact.select().count()) == counts


def test_a_review_date_may_lie_ahead_but_not_decades(admin_client, world):
    import datetime

    a = world.a
    ahead = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    data = {"citizen": str(a.citizen.id), "channel": str(a.channel.id), "received_on": "2025-01-02", "review_on": ahead}
    assert admin_client.post("/admin/referral/new/", data=data).status_code == 302
    data["review_on"] = "2099-01-01"
    assert admin_client.post("/admin/referral/new/", data=data).status_code == 200
