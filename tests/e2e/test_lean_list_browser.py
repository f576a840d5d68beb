"""The lean list's row actions in a real browser (issue 15): the trash button of a row submits
the page's one delete form with that row's id and CSRF token; the eye opens the row."""

import re

from playwright.sync_api import expect

from models import Partner
from tests import factories
from tests.e2e.conftest import log_in


def test_admin_deletes_one_row_and_views_another_from_the_list(page, e2e_world):
    admin = factories.make_user(e2e_world.org, "admin", name="Anne Admin")
    keep = factories.make_partner(e2e_world.org, name="Bliver Partner")
    gone = factories.make_partner(e2e_world.org, name="Slettes Partner")
    page.add_init_script("window.confirm = () => true")  # the delete confirmation, answered yes
    log_in(page, admin)
    page.goto("/admin/partner/")
    row = page.locator("table.model-list tr", has_text="Slettes Partner")
    row.locator("button[form=lean-delete-form]").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("table.model-list")).not_to_contain_text("Slettes Partner")
    assert Partner.get_or_none(Partner.id == gone.id) is None
    assert Partner.get_or_none(Partner.id == keep.id) is not None
    assert re.search(r"/admin/partner/", page.url)

    page.locator("table.model-list tr", has_text="Bliver Partner").locator("a[href*='/details/']").click()
    expect(page.locator("body")).to_contain_text("Bliver Partner")
    assert "/admin/partner/details/" in page.url
    assert page.errors == []
