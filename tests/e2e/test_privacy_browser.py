"""A citizen's request, in a real browser: an admin opens Jens's page, downloads his access report
as a PDF (what we hold, and who saw it), then anonymises him on request — the name is gone, the
case stays as a number."""

import datetime
import io
import re
from pathlib import Path

from playwright.sync_api import expect  # requirements-dev.txt; `make test` installs it

from models import CaseClosure, Citizen, ClosureReason, Referral
from tests import factories
from tests.e2e.conftest import log_in


def test_access_report_pdf_and_erasure(page, e2e_world):
    org = e2e_world.org
    admin = factories.make_user(org, "admin", name="Annette Administrator")
    jens = factories.make_citizen(org, name="Jens Kildegaard", initials="JK", phone="22334455")
    case = factories.make_referral(org, citizen=jens, assigned_to=e2e_world.user, note="Vil gerne gå ture")
    reason = ClosureReason.select().where(ClosureReason.organisation == org).first()
    CaseClosure.create(organisation=org, referral=case, closed_on=datetime.date.today(), reason=reason)
    Referral.update(status="closed").where(Referral.id == case.id).execute()

    log_in(page, admin)
    page.goto(f"/admin/citizen/details/?id={jens.id}")
    expect(page.locator("#privacy h2")).to_have_text("Databeskyttelse")
    with page.expect_download() as download_info:
        page.locator("#access-report-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"indsigt-{jens.id}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Indsigt" in text and "Jens Kildegaard" in text and "22334455" in text
    assert "Adgangslog" in text and "Annette Administrator" in text  # her view of the page is logged

    page.locator("#who-saw-citizen").click()
    expect(page.locator("#access-log")).to_contain_text("Annette Administrator")
    page.goto(f"/admin/citizen/details/?id={jens.id}")
    page.locator("#erase").click()
    page.locator("#erase-form button[type=submit]").click()  # not confirmed: refused, nothing erased
    expect(page.locator("#erase-form")).to_contain_text("Sæt flueben for at bekræfte sletningen")
    assert Citizen.get_by_id(jens.id).name == "Jens Kildegaard"
    page.locator("#confirm").check()
    page.locator("#erase-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/citizen/details/"))
    expect(page.locator(".alert-success")).to_contain_text(f"Borger #{jens.id} er anonymiseret")
    expect(page.locator("#erased")).to_be_visible()
    assert "Jens Kildegaard" not in page.content()
    assert Citizen.get_by_id(jens.id).name is None and page.errors == []
