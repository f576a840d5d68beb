"""Lean list pages (issue 15): the row actions are the same links and the same delete POST as
Flask-Admin's, with one delete form (and one CSRF token) per page instead of one per row."""

import html
import re

from flask import url_for

from admin.lean_list import LeanListMixin
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


def _links(page):
    """Every link, form target and hidden or named input of a page, with the CSRF token and the
    CSP nonce (new per request) left out; the per-row delete forms of Flask-Admin's page and the
    page's one delete form of ours are compared by the test itself."""
    page = re.sub(r'<form class="icon" method="POST".*?</form>', "", page, flags=re.S)
    page = re.sub(r'<form id="lean-delete-form".*?</form>', "", page, flags=re.S)
    found = re.findall(r'(?:href|action)="([^"]*)"', page)
    found += [" ".join(m.split()) for m in re.findall(r"<input[^>]*>", page) if "csrf_token" not in m]
    found += re.findall(r'data-fa-action="([^"]*)"', page)
    found += re.findall(r'<th class="column-header[^"]*"', page)
    found += [" ".join(cell.split()) for cell in re.findall(r'<td class="col-[^"]*">(.*?)</td>', page, flags=re.S)]
    found += re.findall(r'<li class="page-item[^"]*"><a class="page-link" href="[^"]*">', re.sub(r">\s+<", "><", page))
    return sorted(found)


def test_the_page_has_flask_admins_links_sorts_pager_and_cells(app, login, world, monkeypatch):
    """Our list template against Flask-Admin's own list.html for the same requests: the same
    sort links (direction and page kept), pager, tabs, search and filter forms, bulk actions and
    cells, on lists with filters, a search, a sort and a page past the first."""
    a = world.a
    for n in range(60):
        factories.make_citizen(a.org, name=f"Sidevis Borger {n:02d}")
        factories.make_partner(a.org, name=f"Sidevis Partner {n:02d}")
    client = login(a.users["admin"])
    urls = [
        "/admin/citizen/",
        "/admin/citizen/?sort=1&desc=1&page=1",
        "/admin/citizen/?search=sidevis&page=2",
        "/admin/referral/?flt0_0=received&sort=2",
        "/admin/contact/",
        "/admin/partner/?page=1",  # a counted pager: « < 1 2 3 > »
    ]
    ours = {url: client.get(url).get_data(as_text=True) for url in urls}
    monkeypatch.setattr(LeanListMixin, "lean_list_applies", lambda self, actions: False)
    theirs = {url: client.get(url).get_data(as_text=True) for url in urls}
    for url in urls:
        assert "lean-delete-form" in ours[url] and "lean-delete-form" not in theirs[url]
        assert _links(ours[url]) == _links(theirs[url]), url
    assert ours[urls[2]].count('class="page-link"') == 2  # the pagers were compared
    assert ours[urls[-1]].count('class="page-link"') >= 6


def test_cells_are_escaped(login, world):
    """The rows are built in the view: every value is escaped as Jinja's autoescape would."""
    a = world.a
    factories.make_citizen(a.org, name='<script>alert("x")</script> Ærlig', initials="<i>")
    page = login(a.users["admin"]).get("/admin/citizen/?search=aerlig").get_data(as_text=True)
    assert "<script>alert" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Ærlig" in page
