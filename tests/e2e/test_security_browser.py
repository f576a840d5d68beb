"""Issue 9 in a real browser: a crafted redirect ends on our own origin, the CSP holds on the
main pages with no violation (and Flask-Admin's buttons still work under it), two-factor
enrolment with the QR code, and a logout that ends a copied session."""

import re
import time

import pyotp
from playwright.sync_api import expect

from models import Organisation
from tests import factories
from tests.e2e.conftest import log_in

CSP_WATCH = """
window.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""


def watch_csp(page):
    """Collect every CSP violation the browser reports, on every page the test visits."""
    violations = []
    page.context.add_init_script(CSP_WATCH)

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return violations


def test_a_crafted_return_address_through_the_login_page_stays_on_our_site(page, live_server, e2e_world):
    admin = factories.make_user(e2e_world.org, "admin", name="Anne Admin")
    partner = factories.make_partner(e2e_world.org, name="Ældre Sagen Østerbro")
    # A logged-out link as an attacker would mail it: through the real login page, then saving the
    # form sends the browser to url= (Flask-Admin 2.2.1 lets "http:evil.tld/x" through).
    page.goto(f"/admin/partner/edit/?id={partner.id}&url=http:evil.tld/x")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=email]").fill(admin.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/partner/edit/"))
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server + "/admin/partner/"), page.url
    # The same with a tab trick in the login's own next=.
    page.context.clear_cookies()
    page.goto("/login?next=/%09/evil.tld/x")
    log_in(page, admin)
    assert page.url == live_server + "/admin/"


def test_no_csp_violations_on_the_main_pages(page, live_server, live_app, e2e_world):
    violations = watch_csp(page)
    org = e2e_world.org
    admin = factories.make_user(org, "admin", name="Anne Admin")
    citizen = factories.make_citizen(org, name="Kirsten Holm", initials="KH")
    referral = factories.make_referral(org, citizen=citizen, assigned_to=e2e_world.user)
    factories.make_partner(org, name="Slettes ikke")
    page.goto("/login")
    log_in(page, admin)
    pages = [
        "/admin/",
        "/admin/referral/",
        f"/admin/referral/details/?id={referral.id}",
        "/admin/referral/new/",
        "/admin/citizen/",
        f"/admin/citizen/edit/?id={citizen.id}",
        "/admin/partner/",
        "/admin/user/",
        "/admin/audit_log/",
        "/admin/caseload/",
        "/account",
        f"/henvis/{org.slug}/laege",
    ]
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
        page.wait_for_load_state("networkidle")
    # Flask-Admin's inline handlers are refused by the CSP; static/csp_compat.js keeps them working:
    # the row's delete button asks first (dismissed: nothing is deleted) ...
    page.goto("/admin/partner/")
    page.locator("button[form=lean-delete-form]").first.click()
    page.wait_for_timeout(300)
    assert any(d.startswith("confirm:") for d in page.dialogs), page.dialogs
    expect(page.locator("table.model-list tbody tr")).to_have_count(1)
    # ... and the bulk actions menu runs its action (no selection: an alert says so).
    page.locator("a.dropdown-toggle", has_text="Med valgte").click()
    page.locator(".dropdown-menu a.dropdown-item", has_text="Slet").click()
    page.wait_for_timeout(300)
    assert any(d.startswith("alert:") for d in page.dialogs), page.dialogs
    # The filter menu opens a filter instead of following javascript:void(0).
    page.goto("/admin/user/")
    page.locator("a.nav-link.dropdown-toggle", has_text="Tilføj filter").click()
    page.locator("a.dropdown-item.filter").first.click()
    expect(page.locator("table.filters tr")).to_have_count(1)
    assert violations == []
    assert page.errors == []


def test_an_admin_enrols_in_two_factor_login_and_logs_in_with_it(page, live_server, live_app, e2e_world):
    live_app.config["MFA_REQUIRED_ROLES"] = ("admin", "coordinator")
    violations = watch_csp(page)
    admin = factories.make_user(e2e_world.org, "admin", name="Anne Admin")
    page.goto("/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=email]").fill(admin.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/2fa/setup$"))
    expect(page.locator("h1")).to_have_text("Sæt totrinslogin op")
    qr = page.locator("#mfa-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    totp = pyotp.TOTP(page.locator("#mfa-secret").inner_text().strip())
    page.locator("input[name=code]").fill("000000")
    page.locator("#mfa-setup-form button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_contain_text("Koden passer ikke")
    page.locator("input[name=code]").fill(totp.now())
    page.locator("#mfa-setup-form button[type=submit]").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.locator("#recovery-continue").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#current-user")).to_contain_text("Anne Admin")

    # Log out; the next login asks for a code (the next one: a code works only once).
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(re.compile(r"/login$"))
    form.locator("input[name=email]").fill(admin.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/2fa$"))
    page.locator("input[name=code]").fill(totp.at(time.time() + totp.interval))
    page.locator("#mfa-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert violations == []
    assert page.errors == []


def test_the_organisation_setting_sends_a_bridge_builder_to_enrolment(page, live_app, e2e_world):
    live_app.config["MFA_REQUIRED_ROLES"] = ("admin", "coordinator")
    Organisation.update(mfa_required=True).where(Organisation.id == e2e_world.org.id).execute()
    page.goto("/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=email]").fill(e2e_world.user.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login/2fa/setup$"))


def test_logout_ends_a_copied_session(page, browser, live_server, e2e_world):
    log_in(page, e2e_world.user)
    copied = page.context.cookies()
    assert any(c["name"] == "session" for c in copied)
    thief = browser.new_context(base_url=live_server)
    try:
        thief.add_cookies(copied)
        other = thief.new_page()
        other.goto("/admin/referral/")
        assert other.url == live_server + "/admin/referral/"  # the copy works while the session lives
        page.locator("form[action$='/logout'] button").click()
        page.wait_for_url(re.compile(r"/login$"))
        expect(page.locator(".alert-info")).to_contain_text("Du er logget ud")
        other.goto("/admin/referral/")
        assert re.search(r"/login\?next=", other.url), other.url
        page.goto("/admin/referral/")
        assert re.search(r"/login\?next=", page.url), page.url
    finally:
        thief.close()


def test_a_bridge_builder_turns_on_two_factor_login_from_the_account_page(page, live_server, e2e_world):
    violations = watch_csp(page)
    log_in(page, e2e_world.user)
    page.locator("#current-user").click()  # the name in the top bar is the way to one's account
    page.wait_for_url(re.compile(r"/account$"))
    page.locator("#mfa-on").click()
    page.wait_for_url(re.compile(r"/account/2fa$"))
    expect(page.locator("#mfa-qr svg")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#mfa-secret").inner_text().strip())
    page.locator("input[name=code]").fill(totp.now())
    page.locator("#mfa-setup-form button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("#recovery-continue").click()
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.locator("#mfa-off-form")).to_be_visible()
    expect(page.locator("main, body").first).to_contain_text("Gendannelseskoder tilbage: 10")
    assert violations == []
    assert page.errors == []
