"""Rapporter in a real browser: a coordinator opens the report from the menu, changes the period
and the reference date, follows a figure to its cases, and downloads the PDF."""

import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from models import Referral, StatusChange
from tests import factories
from tests.e2e.conftest import log_in

D = datetime.date


@pytest.fixture
def coordinator(e2e_world):
    org = e2e_world.org
    user = factories.make_user(org, "coordinator", name="Karin Koordinator")
    builder = factories.make_user(org, "bridge_builder", name="Susanne Brobygger")
    for i, gender in enumerate(["male"] * 6 + ["female"] * 8):
        citizen = factories.make_citizen(org, gender=gender)
        case = factories.make_referral(org, citizen=citizen, received_on=D(2021, 3, 1 + i), assigned_to=builder)
        StatusChange.create(referral=case.id, to_status="contacted", effective_on=D(2021, 4, 1))
        if i % 2:  # half of them ended in the summer of 2022
            StatusChange.create(referral=case.id, to_status="closed", effective_on=D(2022, 7, 1))
        Referral.update(status="closed" if i % 2 else "contacted").where(Referral.id == case.id).execute()
    return user


def test_report_period_change_and_pdf(page, coordinator, tmp_path):
    log_in(page, coordinator)
    page.locator(".navbar a[href$='/admin/reports/']").click()
    page.wait_for_url(re.compile(r"/admin/reports/"))
    expect(page.locator("h1")).to_have_text("Rapport")
    expect(page.locator("#report-organisations")).to_have_text("Frivilligcenter Østerbro")

    page.locator("#start").fill("2021-01-01")
    page.locator("#end").fill("2021-12-31")
    page.locator("#on").fill("2021-10-01")
    page.locator("#report-show").click()
    page.wait_for_url(re.compile(r"start=2021-01-01"))
    expect(page.locator("#report-scope")).to_contain_text("01.01.2021 – 31.12.2021, opgørelsesdato 01.10.2021")
    active = page.locator("section#active")
    expect(active.locator("p.report-rule")).to_contain_text("Aktivt samarbejde = ")
    expect(active.locator("tr", has_text="Mænd").locator("td")).to_have_text("6")
    expect(active.locator("tr.report-total td")).to_have_text("14")
    expect(page.locator("section#new tr.report-total td")).to_have_text("14")
    expect(page.locator("section#active_over_time svg")).to_be_visible()

    # A later reference date: the closings of 2022 count, the earlier figure did not change.
    page.locator("#start").fill("2022-01-01")
    page.locator("#end").fill("2022-12-31")
    page.locator("#on").fill("2022-12-31")
    page.locator("#report-show").click()
    page.wait_for_url(re.compile(r"on=2022-12-31"))
    expect(page.locator("section#active tr.report-total td")).to_have_text("7")
    expect(page.locator("section#new tr.report-total td")).to_have_text("0")

    page.locator("section#active tr", has_text="Mænd").locator("a").click()
    page.wait_for_url(re.compile(r"/admin/reports/cases/\?"))
    expect(page.locator("#figure-cases tbody tr")).to_have_count(3)
    page.go_back()

    with page.expect_download() as download_info:
        page.locator("#export-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "rapport-2022-01-01-2022-12-31.pdf"
    path = tmp_path / "rapport.pdf"
    download.save_as(path)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Frivilligcenter Østerbro" in text and "31.12.2022" in text and "Aktivt samarbejde" in text
    assert not page.errors
