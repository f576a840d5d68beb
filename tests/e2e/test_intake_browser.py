"""The intake plugin in a real browser: an admin builds a form, a GP refers through it without
logging in (on a desktop and on a phone), a bridge builder finds the referral, and staff register
referrals taken by phone — with the check for citizens already known.

Like test_referral_browser.py: a live server with real CSRF, headless Chromium, SQLite and
PostgreSQL. Elements are found by id/name, or by the visible Danish text where that is the point.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect  # requirements-dev.txt; `make test` installs it

from models import Citizen, Referral, ReferralChannel, ReferralReason, ReferralReasonLink
from plugins.intake.models import IntakeAnswer, IntakeForm, IntakeQuestion, IntakeSubmission
from tests import factories
from tests.e2e.conftest import TIMEOUT_MS, log_in

TITLE = "Henvisning fra egen læge – Østerbro"
INTRO = "Henvis en borger, der føler sig ensom. Borgeren skal have sagt ja til at blive kontaktet."
QUESTIONS = [
    # (label, kind, required, choices), in order
    ("Hvor ofte ser borgeren andre?", "single_choice", True, ["Dagligt", "Ugentligt", "Næsten aldrig"]),
    ("Har borgeren brug for følgeskab?", "yes_no", True, None),
    ("Hvordan har borgeren det? (1–5)", "scale", False, None),
    ("Hvornår må vi ringe første gang?", "date", False, None),
    ("Interesser", "multiple_choice", False, ["Gåture", "Fællesspisning", "Håndarbejde"]),
]
# What the admin sees in the question type list.
KIND_LABELS = {
    "single_choice": "Ét valg",
    "yes_no": "Ja/nej",
    "scale": "Skala 1–5",
    "date": "Dato",
    "multiple_choice": "Flere valg",
}
REFERENCE = re.compile(r"^BRO-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


@pytest.fixture
def admin(e2e_world):
    return factories.make_user(e2e_world.org, "admin", name="Anne Admin")


@pytest.fixture
def gp_form(e2e_world):
    """The GP form of test_admin_builds_a_form_and_previews_it, made directly in the database."""
    form = IntakeForm.create(organisation=e2e_world.org, audience="public_gp", title=TITLE, intro=INTRO)
    for position, (label, kind, required, choices) in enumerate(QUESTIONS, start=1):
        IntakeQuestion.create(
            form=form,
            position=position,
            label=label,
            kind=kind,
            required=required,
            choices="\n".join(choices) if choices else None,
        )
    return form


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options) → a page in another fresh browser context (its own cookies)."""
    contexts = []

    def _new(**options):
        context = browser.new_context(
            **{"base_url": live_server, "locale": "da-DK", "viewport": {"width": 1280, "height": 900}, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield _new
    for context in contexts:
        context.close()


def save(page):
    """Press the admin form's plain Save button (not "save and add another"/"continue editing")."""
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state()


def question(page, label):
    """The form group of the question labelled `label` on an intake form."""
    return page.locator("form.intake-form .form-group").filter(has_text=label)


def open_menu(page, category, item):
    """Open a navbar dropdown and follow one of its items, as a person does."""
    page.locator("nav a.dropdown-toggle", has_text=category).click()
    page.locator("nav .dropdown-menu").get_by_role("link", name=item, exact=True).click()


def add_question(page, position, label, kind, required, choices):
    """Press the inline "add" button and fill in the new question row."""
    rows = page.locator("#questions .inline-field-list > .inline-field")
    before = rows.count()
    page.locator("#questions-button").click()
    expect(rows).to_have_count(before + 1)
    row = rows.nth(before)
    prefix = row.get_attribute("id")
    row.locator(f"#{prefix}-position").fill(str(position))
    row.locator(f"#{prefix}-label").fill(label)
    row.locator(f"#{prefix}-kind").select_option(label=KIND_LABELS[kind])
    if required:
        row.locator(f"#{prefix}-required").check()
    if choices:
        row.locator(f"#{prefix}-choices").fill("\n".join(choices))
    return prefix


def test_admin_builds_a_form_and_previews_it(page, e2e_world, admin):
    log_in(page, admin)
    open_menu(page, "Administration", "Henvisningsskemaer")
    page.wait_for_url(re.compile(r"/admin/intake_form/(\?.*)?$"))
    page.locator("a[href*='/admin/intake_form/new/']").first.click()
    page.wait_for_url(re.compile(r"/admin/intake_form/new/"))

    page.locator("#title").fill(TITLE)
    page.locator("#audience").select_option(label="Offentlig: henvisning fra læge eller fagperson")
    page.locator("#intro").fill(INTRO)
    # The single choice question first gets one choice only: too few.
    (label, kind, required, choices), *others = QUESTIONS
    first = add_question(page, 1, label, kind, required, choices[:1])
    for position, (label, kind, required, choices) in enumerate(others, start=2):
        add_question(page, position, label, kind, required, choices)
    save(page)
    expect(page.locator(".alert-danger")).to_contain_text(
        f"Spørgsmålet “{QUESTIONS[0][0]}” skal have mindst to svarmuligheder, én pr. linje."
    )
    assert IntakeForm.select().count() == 0
    assert IntakeQuestion.select().count() == 0
    # Nothing typed is lost: the questions are all still there.
    expect(page.locator("#title")).to_have_value(TITLE)
    expect(page.locator("#questions .inline-field-list > .inline-field")).to_have_count(len(QUESTIONS))
    expect(page.locator("#questions-4-label")).to_have_value(QUESTIONS[4][0])
    expect(page.locator("#questions-4-kind")).to_have_value("multiple_choice")

    page.locator(f"#{first}-choices").fill("\n".join(QUESTIONS[0][3]))
    save(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success")).to_be_visible()
    assert re.search(r"/admin/intake_form/(\?.*)?$", page.url), page.url

    form = IntakeForm.get(IntakeForm.title == TITLE)
    assert (form.organisation_id, form.audience, form.intro, form.active) == (
        e2e_world.org.id,
        "public_gp",
        INTRO,
        True,
    )
    stored = [(q.label, q.kind, q.required, q.choice_list or None) for q in form.active_questions()]
    assert stored == QUESTIONS

    # The details page lists the questions and has a preview button.
    row = page.locator("table.model-list tbody tr").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    row.locator("a[href*='/details/']").click()
    page.wait_for_url(re.compile(r"/admin/intake_form/details/"))
    questions_table = page.locator("table").filter(has_text=QUESTIONS[0][0])
    for label, *_rest in QUESTIONS:
        expect(questions_table).to_contain_text(label)
    page.get_by_role("link", name="Forhåndsvisning").click()
    page.wait_for_url(re.compile(r"/admin/intake_form/preview/"))
    expect(page.locator("h1")).to_have_text(TITLE)
    preview = page.locator("form.intake-form")
    for label, _kind, _required, choices in QUESTIONS:
        expect(preview).to_contain_text(label)
        for choice in choices or ():
            expect(preview.get_by_label(choice, exact=True)).to_be_visible()
    expect(question(page, QUESTIONS[1][0]).locator("legend")).to_have_text(f"{QUESTIONS[1][0]} *")
    expect(question(page, QUESTIONS[3][0]).locator("input[type=date]")).to_be_visible()
    expect(preview.locator("button")).to_be_disabled()

    # From the details page to the public address, where the new form is live.
    page.go_back()
    page.get_by_role("link", name="Offentlig adresse").click()
    page.wait_for_url(re.compile(rf"/henvis/{e2e_world.org.slug}/laege$"))
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".intake-intro")).to_have_text(INTRO)
    assert page.errors == []


def fill_core_fields(page, name="Åse Ærøskøbing Møller"):
    page.locator("#name").fill(name)
    page.locator("#birth_year").fill("1944")
    page.locator("#postal_code").fill("2100")
    page.locator("#phone").fill("+45 20 30 40 50")
    page.locator("#referrer_name").fill("Læge Øjvind Ågård")
    page.locator("#gp_practice").fill("Lægehuset Østerbro")
    page.get_by_label("Social isolation", exact=True).check()
    page.get_by_label("Sorg efter tab", exact=True).check()


def answer_every_question(page, first_call):
    question(page, QUESTIONS[0][0]).get_by_label("Ugentligt", exact=True).check()
    question(page, QUESTIONS[1][0]).get_by_label("Ja", exact=True).check()
    question(page, QUESTIONS[2][0]).get_by_label("4", exact=True).check()
    question(page, QUESTIONS[3][0]).locator("input").fill(first_call.isoformat())
    interests = question(page, QUESTIONS[4][0])
    interests.get_by_label("Gåture", exact=True).check()
    interests.get_by_label("Håndarbejde", exact=True).check()


def test_gp_refers_and_bridge_builder_finds_the_referral(page, new_page, e2e_world, gp_form):
    org = e2e_world.org
    first_call = datetime.date.today() + datetime.timedelta(days=7)

    # A GP, not logged in, opens the organisation's public address.
    page.goto(f"/henvis/{org.slug}/laege")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".intake-intro")).to_have_text(INTRO)
    gp_channel = ReferralChannel.get(
        (ReferralChannel.organisation == org) & (ReferralChannel.name == "Praktiserende læge")
    )
    expect(page.locator("#channel")).to_have_value(str(gp_channel.id))
    fill_core_fields(page)
    answer_every_question(page, first_call)
    page.locator("#consent").check()

    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.locator("form.intake-form button[type=submit]").dblclick()
    page.wait_for_url(re.compile(r"/henvis/[^/]+/kvittering/"))
    expect(page.locator("h1")).to_have_text("Tak – henvisningen er modtaget")
    reference = page.locator("#reference").inner_text().strip()
    assert REFERENCE.match(reference), reference

    # Exactly one referral, whatever the double click sent.
    assert Referral.select().where(Referral.organisation == org).count() == 1
    submission = IntakeSubmission.get(IntakeSubmission.reference == reference)
    referral = Referral.get_by_id(submission.referral_id)
    citizen = Citizen.get_by_id(referral.citizen_id)
    assert (citizen.organisation_id, citizen.name, citizen.birth_year) == (org.id, "Åse Ærøskøbing Møller", 1944)
    assert (citizen.postal_code, citizen.phone, citizen.gp_practice) == (
        "2100",
        "+45 20 30 40 50",
        "Lægehuset Østerbro",
    )
    assert citizen.consent_on == datetime.date.today()
    assert (referral.status, referral.assigned_to_id, referral.channel_id) == ("received", None, gp_channel.id)
    assert referral.referrer_name == "Læge Øjvind Ågård"
    reasons = {
        r.name
        for r in ReferralReason.select().join(ReferralReasonLink).where(ReferralReasonLink.referral == referral.id)
    }
    assert reasons == {"Social isolation", "Sorg efter tab"}
    answers = {a.question_label: a.data for a in IntakeAnswer.select().where(IntakeAnswer.referral == referral.id)}
    assert answers == {
        QUESTIONS[0][0]: "Ugentligt",
        QUESTIONS[1][0]: True,
        QUESTIONS[2][0]: 4,
        QUESTIONS[3][0]: first_call.isoformat(),
        QUESTIONS[4][0]: ["Gåture", "Håndarbejde"],
    }

    # The same POST sent again (a double click that got through, a reload) creates nothing new.
    assert posts, "the browser sent no POST"
    again = page.request.post(posts[0].url, data=posts[0].post_data, headers=posts[0].headers, max_redirects=0)
    assert again.status == 303, again.status
    assert again.headers["location"].endswith(f"/kvittering/{reference}")
    assert Referral.select().where(Referral.organisation == org).count() == 1
    assert page.errors == []

    # A bridge builder finds it in the list by the citizen's name typed in lower case.
    staff = new_page()
    log_in(staff, e2e_world.user)
    open_menu(staff, "Forløb", "Henvisninger")
    staff.wait_for_url(re.compile(r"/admin/referral/"))
    search = staff.locator("input[name=search]")
    search.press_sequentially("åse møller", delay=10)
    search.press("Enter")
    staff.wait_for_url(re.compile(r"search="))
    rows = staff.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Åse Ærøskøbing Møller")
    expect(rows).to_contain_text("Modtaget")
    expect(rows).to_contain_text("Praktiserende læge")
    expect(rows).not_to_contain_text("Bente Brobygger")

    # The case page shows every answer next to its question.
    rows.locator("a[href*='/admin/referral/details/']").first.click()
    staff.wait_for_url(re.compile(rf"/admin/referral/details/\?id={referral.id}"))
    panel = staff.locator("dl.intake-answers")
    expected = {
        QUESTIONS[0][0]: "Ugentligt",
        QUESTIONS[1][0]: "Ja",
        QUESTIONS[2][0]: "4",
        QUESTIONS[3][0]: first_call.strftime("%d.%m.%Y"),
        QUESTIONS[4][0]: "Gåture, Håndarbejde",
    }
    expect(panel.locator("dt")).to_have_text(list(expected))
    expect(panel.locator("dd")).to_have_text(list(expected.values()))
    expect(staff.locator("#reasons")).to_contain_text("Social isolation")
    assert staff.errors == []


def test_public_form_bad_input_keeps_what_was_typed_and_stores_nothing(page, e2e_world, gp_form):
    org = e2e_world.org
    citizens_before = Citizen.select().count()
    page.goto(f"/henvis/{org.slug}/laege")
    fill_core_fields(page)
    # Everything but the required yes/no question, and the consent left unticked.
    question(page, QUESTIONS[0][0]).get_by_label("Dagligt", exact=True).check()
    question(page, QUESTIONS[2][0]).get_by_label("2", exact=True).check()
    question(page, QUESTIONS[4][0]).get_by_label("Fællesspisning", exact=True).check()
    page.locator("form.intake-form button[type=submit]").click()
    page.wait_for_load_state()

    assert re.search(rf"/henvis/{org.slug}/laege$", page.url), page.url
    expect(page.locator(".alert-danger")).to_have_text("Ret venligst de markerede felter nedenfor.")
    consent = page.locator(".form-group:has(#consent)")
    expect(consent.locator(".invalid-feedback")).to_have_text(
        "Vi kan kun kontakte borgeren, hvis borgeren har sagt ja."
    )
    expect(consent.locator(".invalid-feedback")).to_be_visible()
    expect(page.locator("#consent")).not_to_be_checked()
    yes_no = question(page, QUESTIONS[1][0])
    expect(yes_no.locator(".invalid-feedback")).to_have_text("Dette felt skal udfyldes.")
    expect(yes_no.locator(".invalid-feedback")).to_be_visible()
    # Only the two fields are marked.
    expect(page.locator(".invalid-feedback")).to_have_count(2)

    # What was typed and ticked is still there.
    expect(page.locator("#name")).to_have_value("Åse Ærøskøbing Møller")
    expect(page.locator("#birth_year")).to_have_value("1944")
    expect(page.locator("#postal_code")).to_have_value("2100")
    expect(page.locator("#phone")).to_have_value("+45 20 30 40 50")
    expect(page.locator("#referrer_name")).to_have_value("Læge Øjvind Ågård")
    expect(page.get_by_label("Social isolation", exact=True)).to_be_checked()
    expect(page.get_by_label("Andet", exact=True)).not_to_be_checked()
    expect(question(page, QUESTIONS[0][0]).get_by_label("Dagligt", exact=True)).to_be_checked()
    expect(question(page, QUESTIONS[2][0]).get_by_label("2", exact=True)).to_be_checked()
    expect(question(page, QUESTIONS[4][0]).get_by_label("Fællesspisning", exact=True)).to_be_checked()
    expect(page.locator("form.intake-form button[type=submit]")).to_be_enabled()

    # Nothing is stored.
    assert Referral.select().count() == 0
    assert IntakeSubmission.select().count() == 0
    assert IntakeAnswer.select().count() == 0
    assert Citizen.select().count() == citizens_before

    # Fixing the two fields and sending again works.
    question(page, QUESTIONS[1][0]).get_by_label("Nej", exact=True).check()
    page.locator("#consent").check()
    page.locator("form.intake-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/kvittering/"))
    assert REFERENCE.match(page.locator("#reference").inner_text().strip())
    referral = Referral.get(Referral.organisation == org)
    answers = {a.question_label: a.data for a in IntakeAnswer.select().where(IntakeAnswer.referral == referral.id)}
    assert answers == {
        QUESTIONS[0][0]: "Dagligt",
        QUESTIONS[1][0]: False,
        QUESTIONS[2][0]: 2,
        QUESTIONS[4][0]: ["Fællesspisning"],
    }
    assert page.errors == []


def test_the_same_form_sent_four_times_at_once_makes_one_referral(page, e2e_world, gp_form):
    """A double click that gets past the button's guard, a network that retries: the browser sends
    one filled-in form several times at the same moment. The one-time token lets one through."""
    org = e2e_world.org
    page.goto(f"/henvis/{org.slug}/laege")
    fill_core_fields(page)
    answer_every_question(page, datetime.date.today())
    page.locator("#consent").check()
    results = page.evaluate(
        """async () => {
            const body = new URLSearchParams(new FormData(document.querySelector("form.intake-form")));
            const send = () => fetch(location.href, {method: "POST", body}).then(r => [r.status, r.url]);
            return Promise.all([send(), send(), send(), send()]);
        }"""
    )
    assert [status for status, _url in results] == [200] * 4, results
    receipts = {url for _status, url in results}
    assert len(receipts) == 1 and "/kvittering/BRO-" in receipts.pop(), results
    assert Referral.select().where(Referral.organisation == org).count() == 1
    assert IntakeSubmission.select().count() == 1
    assert Citizen.select().where(Citizen.organisation == org).count() == 1
    assert IntakeAnswer.select().count() == len(QUESTIONS)
    assert page.errors == []


def no_horizontal_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_public_form_on_a_phone(new_page, e2e_world, gp_form):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=3)
    phone.goto(f"/henvis/{e2e_world.org.slug}/laege")
    assert phone.evaluate("window.innerWidth") == 390
    no_horizontal_scroll(phone)
    expect(phone.locator("h1")).to_have_text(TITLE)
    expect(phone.locator(".hp-field input")).not_to_be_in_viewport()

    phone.locator("#name").tap()
    phone.locator("#name").press_sequentially("Ærø Østergård", delay=5)
    phone.locator("#birth_year").fill("1950")
    phone.locator("#postal_code").fill("8000")
    phone.get_by_label("Følelsesmæssig ensomhed", exact=True).tap()
    question(phone, QUESTIONS[0][0]).get_by_label("Næsten aldrig", exact=True).tap()
    question(phone, QUESTIONS[1][0]).get_by_label("Ja", exact=True).tap()
    question(phone, QUESTIONS[2][0]).get_by_label("5", exact=True).tap()
    phone.locator("#consent").tap()
    expect(phone.locator("#consent")).to_be_checked()
    no_horizontal_scroll(phone)

    submit = phone.locator("form.intake-form button[type=submit]")
    submit.scroll_into_view_if_needed()
    expect(submit).to_be_in_viewport()
    expect(submit).to_be_visible()
    box = submit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    submit.tap()
    phone.wait_for_url(re.compile(r"/kvittering/"))
    assert REFERENCE.match(phone.locator("#reference").inner_text().strip())
    no_horizontal_scroll(phone)
    citizen = Citizen.get(Citizen.name == "Ærø Østergård")
    assert (citizen.birth_year, citizen.postal_code, citizen.organisation_id) == (1950, "8000", e2e_world.org.id)
    assert Referral.select().where(Referral.citizen == citizen.id).count() == 1
    assert phone.errors == []


def open_staff_intake(page, user):
    log_in(page, user)
    open_menu(page, "Forløb", "Ny henvisning (modtagelse)")
    page.wait_for_url(re.compile(r"/admin/intake/$"))


def test_staff_intake_of_an_anonymous_citizen(page, e2e_world):
    org, user = e2e_world.org, e2e_world.user
    open_staff_intake(page, user)
    page.locator("#anonymous").check()
    page.locator("#initials").fill("KB")
    page.locator("#birth_year").fill("1939")
    page.locator("#postal_code").fill("2200")
    page.locator("#channel").select_option(label="Hjemmepleje")
    page.locator("#referrer_name").fill("Hjemmeplejen Nørrebro")
    page.get_by_label("Tilflytter uden netværk", exact=True).check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_url(re.compile(r"/admin/referral/details/\?id=\d+"))
    expect(page.locator(".alert-success")).to_contain_text("Henvisningen er registreret (referencenummer BRO-")

    citizen = Citizen.get((Citizen.organisation == org) & (Citizen.initials == "KB"))
    assert citizen.anonymous is True
    assert (citizen.name, citizen.phone, citizen.email) == (None, None, None)
    assert (citizen.birth_year, citizen.postal_code) == (1939, "2200")
    referral = Referral.get(Referral.citizen == citizen.id)
    assert page.url.endswith(f"id={referral.id}")
    assert (referral.assigned_to_id, referral.status, referral.referrer_name) == (
        user.id,
        "received",
        "Hjemmeplejen Nørrebro",
    )
    assert referral.channel.name == "Hjemmepleje"
    expect(page.locator("#reasons")).to_contain_text("Tilflytter uden netværk")
    expect(page.locator("#case-header")).to_contain_text("KB")
    assert page.errors == []


def test_staff_intake_finds_the_citizen_we_already_know(page, e2e_world):
    org, user = e2e_world.org, e2e_world.user
    known = factories.make_citizen(org, name="René Østergård", initials="RØ", birth_year=1948, postal_code="2100")
    # Not look-alikes: another birth year, another postal code, and another organisation's namesake.
    factories.make_citizen(org, name="René Østergård", initials="RØ2", birth_year=1949, postal_code="2100")
    factories.make_citizen(org, name="René Østergård", initials="RØ3", birth_year=1948, postal_code="2200")
    factories.make_citizen(
        e2e_world.other_org, name="René Østergård", initials="RØ", birth_year=1948, postal_code="2100"
    )
    citizens_before = Citizen.select().count()

    open_staff_intake(page, user)
    page.locator("#name").fill("RENE ØSTERGARD")
    page.locator("#initials").fill("RØ")
    page.locator("#birth_year").fill("1948")
    page.locator("#postal_code").fill("2100")
    page.locator("#phone").fill("33 12 34 56")
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_load_state()

    # Nothing is stored yet: the page asks which citizen this is.
    assert re.search(r"/admin/intake/$", page.url), page.url
    expect(page.locator(".alert-warning")).to_contain_text("Det ligner en borger, I allerede kender.")
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_be_visible()
    expect(duplicates.locator(".form-check")).to_have_count(2)
    expect(duplicates.locator(f"label[for=choice-{known.id}]")).to_have_text("René Østergård (RØ), 1948, 2100")
    expect(duplicates.get_by_label("Opret en ny borger")).to_be_visible()
    expect(page.locator("#name")).to_have_value("RENE ØSTERGARD")
    expect(page.locator("#phone")).to_have_value("33 12 34 56")
    assert Referral.select().count() == 0

    duplicates.get_by_label("René Østergård (RØ), 1948, 2100").check()
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_url(re.compile(r"/admin/referral/details/\?id=\d+"))
    expect(page.locator(".alert-success")).to_contain_text("Henvisningen er registreret")

    referral = Referral.get(Referral.organisation == org)
    assert referral.citizen_id == known.id
    assert referral.assigned_to_id == user.id
    assert Citizen.select().count() == citizens_before, "a second citizen was created"
    expect(page.locator("#case-header h1")).to_contain_text("René Østergård")
    assert page.errors == []


def test_staff_intake_records_consent_for_a_citizen_we_already_know(page, e2e_world):
    """The consent box says "Dagens dato gemmes som samtykkedato." It must keep that promise when
    the referral is linked to an existing citizen, not only for a new one.

    Fails today: plugins/intake/service.py register_intake() only records consent (and contact
    details) when it creates the citizen; with `existing_citizen` the ticked consent is dropped.
    """
    known = factories.make_citizen(
        e2e_world.org, name="Inger Ærenlund", initials="IÆ", birth_year=1937, postal_code="2300", consent_on=None
    )
    open_staff_intake(page, e2e_world.user)
    page.locator("#name").fill("inger ærenlund")
    page.locator("#birth_year").fill("1937")
    page.locator("#postal_code").fill("2300")
    page.locator("#consent").check()
    page.get_by_role("button", name="Registrér henvisning").click()
    page.locator(f"#choice-{known.id}").check()
    expect(page.locator("#consent")).to_be_checked()
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_url(re.compile(r"/admin/referral/details/\?id=\d+"))

    assert Referral.get(Referral.organisation == e2e_world.org).citizen_id == known.id
    known = Citizen.get_by_id(known.id)
    assert known.consent_on == datetime.date.today(), "the consent ticked at intake was not recorded"
    assert known.consent_scope
