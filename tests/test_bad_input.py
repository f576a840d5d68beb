"""Bad input gets a clear message or a 404, never a 500, and changes nothing."""

import pytest

from models import Citizen, Referral
from tests import factories

XSS = "<script>alert(1)</script>"


@pytest.fixture
def admin_client(login, world):
    return login(world.a.users["admin"])


def test_script_in_a_name_is_shown_as_text_everywhere(admin_client, world):
    a = world.a
    citizen = factories.make_citizen(a.org, name=XSS, initials="XS")
    referral = factories.make_referral(a.org, citizen=citizen)
    pages = [
        "/admin/citizen/",
        f"/admin/citizen/details/?id={citizen.id}",
        f"/admin/citizen/edit/?id={citizen.id}",
        "/admin/referral/",
        f"/admin/referral/details/?id={referral.id}",
        f"/admin/referral/edit/?id={referral.id}",
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert XSS not in text, url
    # The ajax lookup is JSON (text, escaped by Select2 when shown), never HTML.
    response = admin_client.get("/admin/referral/ajax/lookup/?name=citizen&query=script")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()[0][1].startswith(XSS)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin_client.get("/admin/citizen/").get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value",
    [
        ("initials", "x" * 21),
        ("name", "x" * 201),
        ("postal_code", "1" * 11),
        ("birth_year", "1800"),
        ("birth_year", "abc"),
        ("consent_on", "2025-02-31"),
        ("consent_on", "31-02-2025"),
        ("gender", "dragon"),
    ],
)
def test_invalid_citizen_fields_are_form_errors(admin_client, field, value):
    data = {"initials": "OK", "gender": "female", field: value}
    response = admin_client.post("/admin/citizen/new/", data=data)
    assert response.status_code == 200
    assert "has-error" in response.get_data(as_text=True) or "is-invalid" in response.get_data(as_text=True)
    assert Citizen.select().count() == 2  # only the two from the world


def test_overlong_free_text_is_refused_and_form_keeps_input(admin_client, world):
    referral_count = Referral.select().count()
    response = admin_client.post(
        "/admin/referral/new/",
        data={
            "citizen": str(world.a.citizen.id),
            "status": "received",
            "received_on": "2025-01-01",
            "note": "n" * 6000,
        },
    )
    assert response.status_code == 200
    assert Referral.select().count() == referral_count


def test_impossible_referral_date_is_refused(admin_client, world):
    before = Referral.select().count()
    response = admin_client.post(
        "/admin/referral/new/",
        data={"citizen": str(world.a.citizen.id), "status": "received", "received_on": "2025-13-45"},
    )
    assert response.status_code == 200
    assert Referral.select().count() == before


def test_forged_status_value_in_the_edit_form_changes_nothing(admin_client, world):
    # The status is not a field of the form: only the workflow changes it.
    admin_client.post(
        f"/admin/referral/edit/?id={world.a.referral.id}",
        data={"citizen": str(world.a.citizen.id), "status": "hacked", "received_on": "2025-01-01", "version": "1"},
    )
    assert Referral.get_by_id(world.a.referral.id).status == "received"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/referral/details/?id=999999",
        "/admin/referral/details/?id=abc",
        "/admin/referral/details/?id=",
        "/admin/referral/edit/?id=-1",
        "/admin/citizen/details/?id=1e9",
        "/admin/referral/?page=-5",
        "/admin/referral/?page=abc",
        "/admin/referral/?page=99999999",
        "/admin/referral/?sort=999",
        "/admin/referral/?sort=-1&desc=x",
        "/admin/referral/?flt0_0=abc",
        "/admin/referral/?flt9_99=1",
        "/admin/referral/?flt1_2=not-a-date",
        "/admin/referral/?flt2_0=not-an-id",
        "/admin/referral/?search=" + "%" * 50,
        "/admin/referral/?search=" + "ø" * 5000,
        "/admin/referral/ajax/lookup/?name=citizen&query=x&limit=-3&offset=-9",
        "/admin/referral/ajax/lookup/?name=nope&query=x",
        "/admin/referral/export/pdf/",
        "/admin/nosuchview/",
    ],
)
def test_tampered_parameters_never_give_a_500(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code in (200, 302, 404), (url, response.status_code)


def test_unknown_record_in_edit_post_changes_nothing(admin_client):
    before = Citizen.select().count()
    response = admin_client.post("/admin/citizen/edit/?id=424242", data={"initials": "ZZ"})
    assert response.status_code in (302, 404)
    assert Citizen.select().count() == before


def test_database_errors_are_not_shown_raw(admin_client, world):
    # Two partners may not share... a unique slug: organisation slugs are unique.
    factories.make_org(slug="taken")
    response = admin_client.post(
        f"/admin/organisation/edit/?id={world.a.org.id}",
        data={"name": "Ny", "slug": "taken", "max_case_days": "365", "version": "1"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "UNIQUE constraint" not in text and "duplicate key" not in text and "IntegrityError" not in text
    assert world.a.org.__class__.get_by_id(world.a.org.id).slug != "taken"


def test_body_too_large_is_413(admin_client):
    response = admin_client.post("/admin/citizen/new/", data={"name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_csrf_is_required_on_every_post(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/login", data={"email": "a@b.dk", "password": "x"}).status_code == 400
    # Log in properly with a token taken from the form.
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    user = world.a.users["admin"]
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    before = Citizen.select().count()
    assert client.post("/admin/citizen/new/", data={"initials": "CS", "gender": "female"}).status_code in (200, 400)
    assert Citizen.select().count() == before
    assert client.post("/admin/citizen/delete/", data={"id": str(world.a.citizen.id)}).status_code in (302, 400)
    assert Citizen.get_or_none(Citizen.id == world.a.citizen.id) is not None
    assert client.post("/logout").status_code == 400
    assert client.post("/language/en").status_code == 400
