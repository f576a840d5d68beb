"""Lean list pages (issue 15): the row actions are the same links and the same delete POST as
Flask-Admin's, with one delete form (and one CSRF token) per page instead of one per row."""

import html
import re

from flask import url_for

from models import Citizen
from tests import factories


def test_row_links_and_one_delete_form_per_page(app, login, world):
    a = world.a
    citizens = [factories.make_citizen(a.org, name=f"Rækkeborger {n}") for n in range(5)]
    client = login(a.users["admin"])
    one_row = client.get("/admin/citizen/?search=alfa+borger").get_data(as_text=True)
    page = client.get("/admin/citizen/?sort=1").get_data(as_text=True)
    assert page.count('id="lean-delete-form"') == 1
    # Forms and CSRF tokens per page, not per row.
    assert page.count("<form") == one_row.count("<form")
    assert page.count('name="csrf_token"') == one_row.count('name="csrf_token"')
    form = page[page.index('id="lean-delete-form"') :]
    form = form[: form.index("</form>")]
    assert 'action="/admin/citizen/delete/"' in form
    back = html.unescape(re.search(r'name="url"[^>]*value="([^"]*)"', form).group(1))
    assert back.startswith("/admin/citizen/?") and "sort=1" in back
    with app.test_request_context():  # the very URLs Flask-Admin's own row actions build
        for citizen in citizens:
            for endpoint in ("citizen.details_view", "citizen.edit_view"):
                assert f'href="{html.escape(url_for(endpoint, id=citizen.id, url=back))}"' in page
            assert f'<button type="submit" form="lean-delete-form" name="id" value="{citizen.id}"' in page
    # What the browser sends for a row's delete button: the page's form plus the button's id.
    response = client.post("/admin/citizen/delete/", data={"id": citizens[0].id, "url": back})
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    assert Citizen.get_or_none(Citizen.id == citizens[0].id) is None
    assert Citizen.get_or_none(Citizen.id == citizens[1].id) is not None


def test_roles_without_delete_or_edit_get_no_such_buttons(login, world):
    a = world.a
    page = login(a.users["coordinator"]).get("/admin/citizen/").get_data(as_text=True)
    assert "lean-delete-form" not in page  # coordinators may not delete citizens
    assert f"/admin/citizen/edit/?id={a.citizen.id}&amp;" in page
    page = login(a.users["bridge_builder"]).get("/admin/partner/").get_data(as_text=True)
    assert "lean-delete-form" not in page and "/admin/partner/edit/" not in page
    assert f"/admin/partner/details/?id={a.partner.id}&amp;" in page
