"""Importing a small file through Administration → Import in a real browser: upload, read the
preview, fix a bad row, import, and see the records — and an operator creating an organisation."""

import re

from playwright.sync_api import expect

from models import Citizen, Organisation, User
from tests import factories
from tests.e2e.conftest import log_in

HEADER = "ekstern_id;navn;initialer;fødselsår;køn;postnummer;bor_alene\n"


def test_admin_imports_a_small_file(page, e2e_world, tmp_path):
    admin = factories.make_user(e2e_world.org, "admin", name="Anne Admin")
    bad = tmp_path / "borgere.csv"
    bad.write_text(HEADER + "B-1;Inge Hansen;IH;1941;kvinde;2450;ja\nB-2;Poul Jensen;PJ;1820;mand;2450;nej\n")
    log_in(page, admin)
    page.goto("/admin/import/")
    page.locator("select#kind").select_option("citizens")
    page.locator("input#file").set_input_files(str(bad))
    page.locator("form#upload button[type=submit]").click()
    expect(page.locator("#problems")).to_contain_text("række 3: fødselsår 1820 er ikke muligt")
    expect(page.locator("#commit")).to_have_count(0)
    assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()

    good = tmp_path / "borgere-rettet.csv"
    good.write_text(HEADER + "B-1;Inge Hansen;IH;1941;kvinde;2450;ja\nB-2;Poul Jensen;PJ;1942;mand;2450;nej\n")
    page.locator("input#file").set_input_files(str(good))
    page.locator("form#upload button[type=submit]").click()
    expect(page.locator("#summary")).to_contain_text("2 rækker: 2 nye")
    expect(page.locator("#preview-rows tbody tr")).to_have_count(2)
    page.locator("#commit").click()
    expect(page.locator(".alert-success")).to_contain_text("2 nye")
    expect(page.locator("#batches")).to_contain_text("borgere-rettet.csv")
    names = {c.name for c in Citizen.select().where(Citizen.organisation == e2e_world.org.id)}
    assert {"Inge Hansen", "Poul Jensen"} <= names
    assert (
        not Citizen.select()
        .where((Citizen.organisation == e2e_world.other_org.id) & Citizen.external_id.is_null(False))
        .exists()
    )

    # The same file again: nothing new.
    page.locator("select#kind").select_option("citizens")
    page.locator("input#file").set_input_files(str(good))
    page.locator("form#upload button[type=submit]").click()
    expect(page.locator("#summary")).to_contain_text("2 uændrede")
    assert page.errors == []


def test_operator_creates_an_organisation_and_its_admin_sets_a_password(page, e2e_world, browser, live_server):
    operator = factories.make_user(None, "operator", name="Drift")
    log_in_operator = page
    log_in_operator.goto("/login")
    log_in_operator.locator("input[name=email]").fill(operator.email)
    log_in_operator.locator("input[name=password]").fill(factories.PASSWORD)
    log_in_operator.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/organisations/$"))
    expect(page.locator("#organisations")).to_contain_text("Frivilligcenter Østerbro")
    page.locator("#new-organisation").click()
    page.locator("input[name=name]").fill("Frivilligcenter Amager")
    page.locator("input[name=slug]").fill("fc-amager")
    page.locator("input[name=admin_email]").fill("leder@amager.dk")
    page.locator("input[name=admin_name]").fill("Lis Leder")
    page.locator("#organisation-form button[type=submit]").click()
    link = page.locator("#set-password-link code").inner_text()
    assert Organisation.select().where(Organisation.slug == "fc-amager").exists()

    other = browser.new_context(base_url=live_server, locale="da-DK")
    admin_page = other.new_page()
    admin_page.goto(link)
    admin_page.locator("input[name=password]").fill("et-nyt-kodeord-42")
    admin_page.locator("input[name=confirm]").fill("et-nyt-kodeord-42")
    admin_page.locator("main form button[type=submit]").click()
    admin_page.wait_for_url(re.compile(r"/login"))
    admin_page.locator("input[name=email]").fill("leder@amager.dk")
    admin_page.locator("input[name=password]").fill("et-nyt-kodeord-42")
    admin_page.locator("main form button[type=submit]").click()
    admin_page.wait_for_url(re.compile(r"/admin/$"))
    assert User.get(User.email == "leder@amager.dk").organisation.slug == "fc-amager"
    other.close()
    assert page.errors == []
