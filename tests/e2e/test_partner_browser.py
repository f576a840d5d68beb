"""A partner logs a session on a phone (390×844), counted in taps; axe-core checks the public
directory, an activity page and the public referral forms for WCAG 2.1 A/AA violations.

axe-core comes with axe-playwright-python (axe.min.js inside the wheel), injected into the page:
nothing is downloaded at run time."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from models import ActivitySession, Attendance
from models.schedule import BYDAY
from tests import factories

PHONE = {"width": 390, "height": 844}
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
MAX_TAPS = 5


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="da-DK", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def club(e2e_world):
    org = e2e_world.org
    partner = factories.make_partner(org, name="Ældre Sagen Østerbro")
    user = factories.make_user(org, "partner", partner=partner, name="Pia Partner")
    cafe = factories.make_activity(
        org,
        partner=partner,
        name="Netværkscafé",
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        public=True,
        place="Kulturhuset, Østerbrogade 1",
        postal_code="2100",
        city="København Ø",
        description="Kaffe, kage og snak.",
        how_to_join="Mød bare op.",
        step_free=True,
    )
    cafe.recurrence = "FREQ=WEEKLY;BYDAY=" + ",".join(BYDAY)  # every day, so there is one today
    cafe.save()
    walk = factories.make_activity(org, partner=partner, name="Skovtur", public=True, start_time=datetime.time(10))
    walk.recurrence = "FREQ=MONTHLY;BYDAY=1MO"
    walk.save()
    people = []
    for name in ("Hanne Jensen", "Hanne Mørk", "Ole Olsen", "Karen Kofoed"):
        citizen = factories.make_citizen(org, name=name)
        factories.make_match(factories.make_referral(org, citizen=citizen), cafe, status="joined")
        people.append(citizen)
    return type("Club", (), {"org": org, "user": user, "cafe": cafe, "people": people})


def test_a_partner_logs_a_session_with_three_present_in_five_taps(phone, club):
    page = phone
    page.goto("/login")
    page.fill("input[name=email]", club.user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/partner/$"))  # the partner's start page: I dag / Denne uge

    taps = 0

    def tap(locator):
        nonlocal taps
        locator.tap()
        taps += 1

    tap(page.locator("#today a", has_text="Netværkscafé"))
    page.wait_for_url(re.compile(r"/partner/register/"))
    assert page.locator(".tick label").count() == 4
    labels = page.locator(".tick label").all_inner_texts()
    assert labels == ["Hanne J.", "Hanne M.", "Karen K.", "Ole O."]
    box = page.locator(".tick label").first.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # large touch targets
    for name in ("Hanne J.", "Karen K.", "Ole O."):
        tap(page.get_by_text(name, exact=True))
    assert page.input_value("#head_count") == "3"  # filled in from the ticks
    tap(page.locator("#save"))
    page.wait_for_url(re.compile(r"/partner/$"))
    assert "3 til stede" in page.locator("[role=alert]").inner_text()
    print(f"\nTaps from the partner's start page to a saved session with 3 present: {taps}")
    assert taps <= MAX_TAPS
    assert not page.errors

    session = ActivitySession.get(ActivitySession.activity == club.cafe.id)
    assert session.date == datetime.date.today() and session.head_count == 3
    present = {a.citizen_id for a in Attendance.select().where(Attendance.session == session.id)}
    assert present == {club.people[0].id, club.people[2].id, club.people[3].id}
    # The start page now shows it as logged.
    assert "Registreret: 3" in page.locator("#today").inner_text()


def _axe(page, url):
    page.goto(url)
    results = Axe().run(page, options=WCAG_21_AA)
    return results.violations_count, results.generate_report()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_public_pages_have_no_axe_violations(browser, live_server, club, viewport):
    context = browser.new_context(base_url=live_server, locale="da-DK", viewport=viewport)
    page = context.new_page()
    slug = club.org.slug
    pages = [
        f"/aktiviteter/{slug}/",
        f"/aktiviteter/{slug}/?ugedag=9&postnummer=abc",  # with the filter messages shown
        f"/aktiviteter/{slug}/{club.cafe.id}",
        f"/henvis/{slug}/laege",
        f"/henvis/{slug}/selv",
    ]
    found = {}
    for url in pages:
        count, report = _axe(page, url)
        print(f"\naxe-core WCAG 2.1 A/AA on {url} ({viewport['width']}px): {count} violations")
        if count:
            found[url] = report
    context.close()
    assert not found, "\n\n".join(f"{url}\n{report}" for url, report in found.items())


def test_partner_register_has_no_axe_violations(phone, club):
    page = phone
    page.goto("/login")
    page.fill("input[name=email]", club.user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/partner/$"))
    for url in ("/partner/", f"/partner/register/{club.cafe.id}/{datetime.date.today().isoformat()}"):
        count, report = _axe(page, url)
        print(f"\naxe-core WCAG 2.1 A/AA on {url} (390px): {count} violations")
        assert count == 0, report
