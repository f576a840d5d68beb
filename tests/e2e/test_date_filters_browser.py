"""Every list's date filter in Danish in a real browser (issue 14): lists that had Flask-Admin's
English picker (activity sessions, the audit log) now get the Danish one — Danish labels, weeks
from Monday, dd.mm.åååå — and a range typed as dd.mm.åååå til dd.mm.åååå filters the rows."""

import datetime

from playwright.sync_api import expect

from models import AuditLog
from tests import factories
from tests.e2e.conftest import log_in


def _add_date_filter(page, name):
    page.locator("a.dropdown-toggle", has_text="Tilføj filter").click()
    page.locator(".field-filters a.filter", has_text=name).click()
    field = page.locator("#filter_form input.filter-val").last
    expect(field).to_have_attribute("placeholder", "dd.mm.åååå til dd.mm.åååå")
    return field


def _check_danish_picker(page, field):
    field.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_have_count(1)
    expect(picker.locator(".applyBtn")).to_have_text("Anvend")
    expect(picker.locator(".cancelBtn")).to_have_text("Annullér")
    days = picker.locator(".calendar").first.locator("thead tr").last.locator("th")
    expect(days.nth(0)).to_have_text("ma")  # weeks from Monday
    expect(days.nth(6)).to_have_text("sø")
    expect(picker).not_to_contain_text("Apply")
    picker.locator(".cancelBtn").click()


def _filter(page, field, text):
    field.fill(text)
    page.locator("#filter_form button[type=submit]").click()
    page.wait_for_load_state()


def test_activity_sessions_and_the_audit_log_filter_by_a_danish_date_range(page, e2e_world):
    org = e2e_world.org
    admin = factories.make_user(org, "admin", name="Anne Admin")
    activity = factories.make_activity(org, name="Strikkecafé")
    factories.make_session(activity, date=datetime.date(2025, 3, 10), head_count=11)
    factories.make_session(activity, date=datetime.date(2024, 6, 3), head_count=22)
    for at, detail in ((datetime.datetime(2025, 3, 10, 14, 5), "i marts"), (datetime.datetime(2024, 6, 3), "i juni")):
        AuditLog.create(
            organisation=org, user=admin, role="admin", action="export", model="Referral", at=at, detail=detail
        )
    log_in(page, admin)

    page.goto("/admin/activity_session/")
    field = _add_date_filter(page, "Dato")
    _check_danish_picker(page, field)
    _filter(page, field, "01.03.2025 til 31.03.2025")
    rows = page.locator("table.model-list tbody")
    expect(rows).to_contain_text("10.03.2025")
    expect(rows).not_to_contain_text("03.06.2024")
    expect(page.locator("#filter_form input.filter-val").first).to_have_value("01.03.2025 til 31.03.2025")

    page.goto("/admin/audit_log/")
    field = _add_date_filter(page, "Tidspunkt")
    _check_danish_picker(page, field)
    _filter(page, field, "10.03.2025 til 10.03.2025")  # one whole day of a datetime column
    rows = page.locator("table.model-list tbody")
    expect(rows).to_contain_text("i marts")
    expect(rows).not_to_contain_text("i juni")
    assert page.errors == []
