"""Kirsten's journey and an anonymous citizen's journey through the work queue and the case page.

Every user action (click, fill, choice, tick) goes through `Steps`, which counts them, so the
number of steps a bridge builder needs is measured, not guessed; the counts are asserted as
upper bounds and printed (`pytest -s`). The same journeys walked through on the pages before
issue 14 took:

- Kirsten: 52 steps. The unassigned referral only in Cases → Referrals (menu, find, edit, choose
  the bridge builder, save, open it again: 7); "Add contact" on a separate form (4); the
  measurement (6); "Active" by hand (1); the search finds no café, so the practice community is
  made under Activities → Create (11), the case found again (4) and searched again (6); the
  lasting group (5); closing (3); the GP message (1), recorded nowhere on the case.
- The anonymous citizen: 21 steps (the referral assigned through the Referrals list and the edit
  form, the case reached through the menu, the contact on its own form).

`SCREENSHOTS=1` also saves the start page and the case page to docs/ for the README.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from models import ActivityCategory, Match, Organisation, PartnerKind, Referral, ReferralChannel, User
from plugins.collaboration.models import GpFeedback
from tests import factories
from tests.e2e.conftest import log_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
TODAY = datetime.date.today()


class Steps:
    """The page's user actions, counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, selector_or_locator):
        self.count += 1
        self._loc(selector_or_locator).click()

    def fill(self, selector_or_locator, value):
        self.count += 1
        self._loc(selector_or_locator).fill(value)

    def choose(self, selector_or_locator, **option):
        self.count += 1
        self._loc(selector_or_locator).select_option(**option)

    def tick(self, selector_or_locator):
        self.count += 1
        self._loc(selector_or_locator).check()

    def _loc(self, target):
        return self.page.locator(target) if isinstance(target, str) else target


def _lookup(model, org, name):
    return model.get((model.organisation == org.id) & (model.name == name))


@pytest.fixture
def kirsten(live_app):
    org = factories.make_org(name="Frivilligcenter Vesterbro-Sydhavnen")
    Organisation.update(sor_code="265161000016000", ean_code="5790000209354", phone="33 12 34 56").where(
        Organisation.id == org.id
    ).execute()
    builder = factories.make_user(org, "bridge_builder", name="Åse Brobygger")
    coordinator = factories.make_user(org, "coordinator", name="Karen Koordinator")
    centre = factories.make_partner(org, name="Frivilligcenter VSV")
    house = factories.make_partner(org, name="Medborgerhuset Sydhavn")
    gp_kind = PartnerKind.get((PartnerKind.organisation == org.id) & (PartnerKind.name == "Lægepraksis"))
    gp = factories.make_partner(
        org, name="Lægehuset Enghave", kind=gp_kind, sor_code="953741000016009", ean_code="5790001348120"
    )
    lasting = factories.make_activity(
        org,
        house,
        name="Spisegruppe i medborgerhuset",
        category=_lookup(ActivityCategory, org, "Spisefællesskab"),
        weekday=1,
        place="Medborgerhuset Sydhavn",
    )
    citizen = factories.make_citizen(
        org,
        name="Kirsten Holm",
        initials="KH",
        birth_year=TODAY.year - 92,
        phone="36 45 67 89",
        lives_alone=True,
        gp_practice="Lægehuset Enghave",
    )
    referral = factories.make_referral(
        org,
        citizen=citizen,
        channel=_lookup(ReferralChannel, org, "Praktiserende læge"),
        referrer_name="Læge Jens Ærø",
        received_on=TODAY - datetime.timedelta(days=2),
    )
    # Someone else's case and a case that is fine: on the coordinator's list, not on Åse's.
    other = factories.make_user(org, "bridge_builder", name="Bo Brobygger")
    factories.make_referral(org, assigned_to=other, received_on=TODAY - datetime.timedelta(days=30))
    return org, builder, coordinator, centre, lasting, gp, referral


def test_kirstens_journey_through_the_work_queue(page, kirsten):
    org, builder, coordinator, centre, lasting, gp, referral = kirsten
    steps = Steps(page)
    log_in(page, builder)

    # --- The start page: Kirsten's referral waits, nobody has taken it; one click takes it. ------
    new = page.locator("#queue-new tr.queue-row").filter(has_text="Kirsten Holm")
    expect(new).to_contain_text("92")  # age
    expect(new).to_contain_text("Praktiserende læge")  # channel
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "start-page.png"), full_page=True)
    steps.click(new.locator("button.take"))
    expect(page.locator(".alert-success")).to_contain_text("Du har taget forløbet med Kirsten Holm")
    assert Referral.get_by_id(referral.id).assigned_to_id == builder.id
    expect(page.locator("#queue-new")).not_to_contain_text("Kirsten Holm")

    # --- The case page, from the counter "My open cases" (a link to its list). ----------------
    steps.click(page.locator(".counter-mine a"))
    steps.click(page.locator("#queue-open a").filter(has_text="Kirsten Holm"))
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={referral.id}$"))
    header = page.locator("#case-header")
    expect(header.locator("h1")).to_contain_text("Kirsten Holm")
    for fact in ("92 år", "36 45 67 89", "bor alene", "Læge: Lægehuset Enghave"):
        expect(header).to_contain_text(fact)
    expect(page.locator("#case-status")).to_have_text("Modtaget")
    expect(page.locator("#case-builder")).to_have_text("Åse Brobygger")
    expect(page.locator("#next-step")).to_contain_text("Tag den første kontakt")
    expect(page.locator(".nav-tabs")).to_have_count(0)  # no CRUD tabs

    # --- The first contact, on the case page itself (the form is open for a new case). --------
    contact = page.locator("#contact-form")
    expect(contact).to_be_visible()
    steps.choose(contact.locator("#contact-kind"), label="Hjemmebesøg")
    steps.fill(contact.locator("#contact-minutes"), "75")
    steps.click(contact.locator("button[type=submit]"))
    expect(page.locator(".alert-success")).to_contain_text("Samtalen er gemt.")
    expect(page.locator("#case-status")).to_have_text("Kontaktet")
    expect(page.locator("#timeline .kind-contact")).to_contain_text("Hjemmebesøg")

    # --- UCLA-3 with its wording. ------------------------------------------------------------
    steps.click("#action-measure")
    form = page.locator("#measure-form")
    from models import Instrument

    ucla = Instrument.get((Instrument.organisation == org.id) & (Instrument.code == "ucla3"))
    for _value, wording in ucla.anchor_list:  # the wording comes from the instrument's data
        expect(form).to_contain_text(wording)
    expect(form).to_contain_text("En gang imellem")
    for n, value in enumerate((3, 3, 2)):
        steps.click(form.locator(f"input[type=radio][name$='_{n}'][value='{value}']"))
    steps.click(form.locator("button[type=submit]"))
    expect(page.locator("#outcomes .score")).to_have_text(["8"])

    # --- No café on Wednesdays: start a practice community from the search, suggest it. -------
    steps.click("#action-suggest")
    search = page.locator("#activity-search")
    steps.choose(search.locator("#category"), label="Café")
    steps.choose(search.locator("#weekday"), label="Onsdag")
    steps.click(search.locator("button[type=submit]"))
    expect(page.locator("#activities tbody tr")).to_have_count(1)  # the "nothing fits" row
    practice = page.locator("#start-practice")
    expect(practice.locator("#practice-category option:checked")).to_have_text("Café")  # from the search
    expect(practice.locator("#practice-weekday option:checked")).to_have_text("Onsdag")
    steps.fill(practice.locator("#practice-name"), "Netværkscafé")
    steps.choose(practice.locator("#practice-partner"), label="Frivilligcenter VSV")
    steps.choose(practice.locator("#practice-leads_to"), label=lasting.name)
    steps.click(practice.locator("button[type=submit]"))
    expect(page.locator(".alert-success")).to_contain_text("Øvefællesskabet “Netværkscafé” er startet og foreslået.")
    cafe = page.locator("#matches tr.match").filter(has_text="Netværkscafé")
    expect(cafe.locator(".path")).to_contain_text(f"→ {lasting.name}")

    # --- She joins the café: the case is active by itself. -----------------------------------
    steps.click(cafe.locator("button[value=joined]"))
    expect(page.locator("#case-status")).to_have_text("Aktiv")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "case-page.png"), full_page=True)

    # --- On to the lasting eating group. -------------------------------------------------------
    steps.click("#action-suggest")
    steps.fill("#place", "sydhavn")
    steps.click("#activity-search button[type=submit]")
    steps.click(page.locator("#activities tbody tr").filter(has_text=lasting.name).locator("button[type=submit]"))
    eating = page.locator("#matches tr.match").filter(has_text=re.compile(rf"^\s*{lasting.name}"))
    steps.click(eating.locator("button[value=joined]"))
    expect(eating).to_have_attribute("data-status", "joined")

    # --- Closing: the café ends, the eating group goes on. ------------------------------------
    steps.click("#action-close")
    steps.choose("#reason", label="Brobygget til varigt fællesskab")
    steps.click("#close-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("Afsluttet")
    expect(eating.locator(".ongoing")).to_have_text("fortsætter")
    ended = {m.activity.name: m.ended_on for m in Match.select().where(Match.referral == referral.id)}
    assert ended == {"Netværkscafé": TODAY, lasting.name: None}

    # --- The GP is told, as a MedCom message; the case says so. -------------------------------
    expect(page.locator("#gp-to option:checked")).to_have_text("Lægehuset Enghave")
    with page.expect_download() as download:
        steps.click("#gp-message button[type=submit]")
    assert "Borgeren fortsætter i et varigt fællesskab" in Path(download.value.path()).read_text()
    page.reload()
    expect(page.locator("#last-gp-feedback")).to_contain_text("“Afsluttet”")
    expect(page.locator("#last-gp-feedback")).to_contain_text("Åse Brobygger")
    feedback = GpFeedback.get(GpFeedback.referral == referral.id)
    assert (feedback.status, feedback.by_id, feedback.receiver_id) == ("closed", builder.id, gp.id)

    print(f"\nKirsten's journey: {steps.count} steps (52 before issue 14)")
    assert steps.count <= 30
    assert page.errors == []


def test_an_anonymous_citizens_journey(page, kirsten):
    org, builder, coordinator, centre, lasting, gp, referral = kirsten
    steps = Steps(page)
    # --- The citizen refers themselves, by initials only, spoken to as "du". -----------------
    page.goto(f"/henvis/{org.slug}/selv")
    expect(page.locator("label[for=initials]")).to_have_text("Dine initialer eller et opdigtet navn")
    steps.fill("#initials", "AB")
    steps.tick("#consent")
    steps.click("form.intake-form button[type=submit]")
    page.wait_for_url(re.compile(r"/kvittering/"))
    case = Referral.select().where(Referral.organisation == org.id).order_by(Referral.id.desc()).first()
    assert case.citizen.initials == "AB" and case.citizen.name is None

    # --- A coordinator gives it to Åse from the start page. -----------------------------------
    log_in(page, coordinator)
    row = page.locator("#queue-new tr.queue-row").filter(has=page.locator(f"a[href$='id={case.id}']"))
    steps.choose(row.locator("select[name=user]"), label="Åse Brobygger")
    steps.click(row.locator(".assign-form button"))
    expect(page.locator(".alert-success")).to_contain_text("Åse Brobygger")
    assert Referral.get_by_id(case.id).assigned_to_id == builder.id
    page.context.clear_cookies()

    # --- Åse: the case is hers; a phone call; an activity joined; closed. --------------------
    log_in(page, builder)
    steps.click(page.locator(".counter-mine a"))
    steps.click(page.locator(f"#queue-open a[href$='id={case.id}']"))
    expect(page.locator("#case-header h1")).to_contain_text("AB")
    steps.choose("#contact-kind", label="Telefon")
    steps.click("#contact-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("Kontaktet")
    steps.click("#action-suggest")
    steps.click(page.locator("#activities tbody tr").filter(has_text=lasting.name).locator("button[type=submit]"))
    steps.click(page.locator("#matches button[value=joined]"))
    expect(page.locator("#case-status")).to_have_text("Aktiv")
    steps.click("#action-close")
    steps.choose("#reason", label="Brobygget til varigt fællesskab")
    steps.click("#close-form button[type=submit]")
    expect(page.locator("#case-status")).to_have_text("Afsluttet")
    # No message to a GP about an anonymous citizen.
    steps.click("#gp-message button[type=submit]")
    expect(page.locator(".alert-danger")).to_contain_text("anonym borger")
    assert GpFeedback.select().where(GpFeedback.referral == case.id).count() == 0
    assert User.get_by_id(builder.id).active

    print(f"\nThe anonymous citizen's journey: {steps.count} steps (21 before issue 14)")
    assert steps.count <= 16
    assert page.errors == []


def test_the_date_range_filter_is_danish(page, kirsten):
    """Weeks from Monday, Danish labels, dd.mm.åååå — and the filter still finds the case."""
    org, builder, coordinator, centre, lasting, gp, referral = kirsten
    log_in(page, builder)
    start, end = TODAY - datetime.timedelta(days=7), TODAY
    page.goto(f"/admin/referral/?flt1_1={start.isoformat()}+to+{end.isoformat()}")  # an old ISO link
    field = page.locator("#filter_form input.filter-val").first
    expect(field).to_have_value(f"{start:%d.%m.%Y} til {end:%d.%m.%Y}")
    field.click()
    picker = page.locator(".daterangepicker").last
    expect(picker).to_be_visible()
    expect(picker.locator(".applyBtn")).to_have_text("Anvend")
    expect(picker.locator(".cancelBtn")).to_have_text("Annullér")
    expect(picker.locator("thead tr").last.locator("th").nth(0)).to_have_text("ma")
    picker.locator(".applyBtn").click()
    page.locator("#filter_form button[type=submit]").click()
    page.wait_for_url(re.compile(r"flt\d+_1=[0-9.]+\+til\+"))
    expect(page.locator("table.model-list")).to_contain_text("Kirsten Holm")
    assert page.errors == []
