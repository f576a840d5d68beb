"""A bridge builder's day in a real browser: log in, register a citizen and a referral, switch language.

Elements are found by name/id, not by visible text, except where the test is about the language.
"""

import datetime
import re

from playwright.sync_api import expect  # requirements-dev.txt; `make test` installs it

from models import Citizen, Referral, ReferralChannel, ReferralReason, ReferralReasonLink
from tests import factories
from tests.e2e.conftest import log_in

XSS = "<script>alert(1)</script>"


def save(page):
    """Press the form's plain Save button (not "save and add another"/"continue editing")."""
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state()


def pick_in_ajax_select(page, field_id, typed, result_text):
    """Open a Flask-Admin Select2 ajax lookup, type like a person does, pick the matching result."""
    page.locator(f"#s2id_{field_id} a.select2-choice").click()
    search = page.locator("#select2-drop input.select2-input")
    search.press_sequentially(typed, delay=20)
    results = page.locator("#select2-drop li.select2-result-selectable")
    choice = results.filter(has_text=result_text)
    expect(choice).to_have_count(1)
    texts = results.all_inner_texts()
    choice.click()
    expect(page.locator(f"#s2id_{field_id} .select2-chosen")).to_contain_text(result_text)
    return texts


def test_login_page_is_danish_and_login_works(page, e2e_world):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("main form button[type=submit]")).to_have_text("Log ind")

    log_in(page, e2e_world.user)
    expect(page.locator("#current-user")).to_contain_text("Bente Brobygger")
    assert page.errors == []


def test_wrong_password_keeps_the_user_out(page, e2e_world):
    page.goto("/login")
    page.locator("input[name=email]").fill(e2e_world.user.email)
    page.locator("input[name=password]").fill("wrong-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    assert page.url.endswith("/login")
    # The e-mail is kept; the password is not echoed back.
    expect(page.locator("input[name=email]")).to_have_value(e2e_world.user.email)
    expect(page.locator("input[name=password]")).to_have_value("")


def test_register_citizen_and_referral(page, e2e_world):
    org, user = e2e_world.org, e2e_world.user
    log_in(page, user)

    # A new citizen, with a Danish name.
    page.goto("/admin/citizen/new/")
    page.locator("#initials").fill("SØH")
    page.locator("#name").fill("Søren Østergård Hansen")
    page.locator("#birth_year").fill("1948")
    page.locator("#gender").select_option("male")
    page.locator("#postal_code").fill("7000")
    page.locator("#lives_alone").check()
    save(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    assert re.search(r"/admin/citizen/(\?.*)?$", page.url), page.url
    expect(page.locator("table.model-list")).to_contain_text("Søren Østergård Hansen")
    citizen = Citizen.get(Citizen.name == "Søren Østergård Hansen")
    assert (citizen.organisation_id, citizen.initials, citizen.birth_year) == (org.id, "SØH", 1948)
    assert citizen.lives_alone is True

    # The list search folds Danish letters and case: "SØREN" finds "Søren" (SQLite's LIKE would not).
    search = page.locator("input[name=search]")
    search.fill("SØREN østergård")
    search.press("Enter")
    page.wait_for_url(re.compile(r"search="))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Søren Østergård Hansen")

    # A referral for that citizen: find them by typing "søren" in lower case.
    channel = ReferralChannel.get((ReferralChannel.organisation == org) & (ReferralChannel.name == "Hjemmepleje"))
    reasons = list(
        ReferralReason.select().where(
            (ReferralReason.organisation == org) & ReferralReason.name.in_(["Social isolation", "Sorg efter tab"])
        )
    )
    assert len(reasons) == 2
    page.goto("/admin/referral/new/")
    offered = pick_in_ajax_select(page, "citizen", "søren", "Søren Østergård Hansen")
    assert not any("Fremmed" in text for text in offered), "another organisation's citizen was offered"
    assert page.locator("#citizen").input_value() == str(citizen.id)
    page.locator("#channel").select_option(str(channel.id))
    page.locator("#reasons").select_option([str(r.id) for r in reasons])
    page.locator("#referrer_name").fill("Læge Åse Ærø")
    page.locator("#assigned_to").select_option(str(user.id))
    save(page)
    expect(page.locator(".alert-danger")).to_have_count(0)

    # The list shows it...
    assert re.search(r"/admin/referral/(\?.*)?$", page.url), page.url
    row = page.locator("table.model-list tbody tr").filter(has_text="Søren Østergård Hansen")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Hjemmepleje")

    # ...the database has it, in our organisation, for our citizen...
    referral = Referral.get(Referral.citizen == citizen.id)
    assert referral.organisation_id == org.id
    assert referral.channel_id == channel.id
    assert referral.assigned_to_id == user.id
    assert referral.referrer_name == "Læge Åse Ærø"
    assert referral.received_on == datetime.date.today()
    linked = {link.reason_id for link in ReferralReasonLink.select().where(ReferralReasonLink.referral == referral.id)}
    assert linked == {r.id for r in reasons}

    # ...and the case page shows it, reasons included.
    page.goto(f"/admin/referral/details/?id={referral.id}")
    details = page.locator("#case-header")
    expect(details).to_contain_text("Søren Østergård Hansen")
    expect(details).to_contain_text("Hjemmepleje")
    expect(details).to_contain_text("Læge Åse Ærø")
    expect(page.locator("#reasons")).to_contain_text("Social isolation")
    expect(page.locator("#reasons")).to_contain_text("Sorg efter tab")

    # The citizen's page links to the case.
    page.goto(f"/admin/citizen/details/?id={citizen.id}")
    expect(page.locator(f"#cases a[href*='id={referral.id}']")).to_be_visible()
    assert page.errors == []


def test_register_anonymous_citizen(page, e2e_world):
    log_in(page, e2e_world.user)
    page.goto("/admin/citizen/new/")
    page.locator("#initials").fill("XK")
    page.locator("#anonymous").check()
    page.locator("#birth_year").fill("1939")
    save(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("table.model-list")).to_contain_text("XK")
    citizen = Citizen.get(Citizen.initials == "XK")
    assert citizen.anonymous is True
    assert citizen.name is None
    assert citizen.organisation_id == e2e_world.org.id

    # Anonymous with a name is refused with a message, and what was typed is kept.
    page.goto("/admin/citizen/new/")
    page.locator("#initials").fill("YZ")
    page.locator("#anonymous").check()
    page.locator("#name").fill("Yrsa Zacho")
    save(page)
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("#initials")).to_have_value("YZ")
    expect(page.locator("#name")).to_have_value("Yrsa Zacho")
    assert Citizen.select().where(Citizen.initials == "YZ").count() == 0


def test_language_switch(page, e2e_world):
    login_button = page.locator("main form button[type=submit]")
    page.goto("/login")
    expect(login_button).to_have_text("Log ind")

    page.locator(".language-switch button[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(login_button).to_have_text("Log in")
    assert page.url.endswith("/login"), "the switch should stay on the same page"

    page.locator(".language-switch button[lang=da]").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(login_button).to_have_text("Log ind")

    # On the admin pages too; the choice is kept by the session.
    log_in(page, e2e_world.user)
    page.goto("/admin/citizen/")
    logout = page.locator("form[action$='/logout'] button")
    expect(page.locator(".language-switch button[lang=da]")).to_have_attribute("aria-current", "true")
    danish_logout = logout.inner_text().strip()
    assert danish_logout and danish_logout != "Log out", "the admin pages are not in Danish"

    page.locator(".language-switch button[lang=en]").click()
    expect(logout).to_have_text("Log out")
    expect(page.locator(".language-switch button[lang=en]")).to_have_attribute("aria-current", "true")
    assert re.search(r"/admin/citizen/(\?.*)?$", page.url), "the switch should stay on the same page"
    page.goto("/admin/referral/")
    expect(logout).to_have_text("Log out")

    page.locator(".language-switch button[lang=da]").click()
    expect(logout).to_have_text(danish_logout)
    assert re.search(r"/admin/referral/(\?.*)?$", page.url)
    assert page.errors == []


def test_admin_pages_declare_their_language(page, e2e_world):
    """<html lang> tells screen readers and spell checkers which language the page is in."""
    log_in(page, e2e_world.user)
    page.goto("/admin/citizen/")
    assert page.locator("html").get_attribute("lang") == "da"
    page.locator(".language-switch button[lang=en]").click()
    expect(page.locator("form[action$='/logout'] button")).to_have_text("Log out")
    assert page.locator("html").get_attribute("lang") == "en"


def test_script_in_names_is_shown_as_text(page, e2e_world):
    org = e2e_world.org
    citizen = factories.make_citizen(org, name=XSS, initials="<b>X</b>")
    factories.make_referral(org, citizen=citizen)
    log_in(page, e2e_world.user)

    for path in ("/admin/citizen/", f"/admin/citizen/details/?id={citizen.id}", "/admin/referral/"):
        page.goto(path)
        expect(page.get_by_text(XSS).first).to_be_visible()
        assert page.locator("b:text-is('X')").count() == 0, f"initials rendered as markup on {path}"

    # The ajax lookup shows the name as text too.
    page.goto("/admin/referral/new/")
    pick_in_ajax_select(page, "citizen", "script", XSS)

    assert page.dialogs == [], f"a script from the data ran: {page.dialogs}"
    assert page.errors == []
