"""A case from referral to closing, in a real browser.

A bridge builder takes Kirsten's referral from `received` to `closed`: intake measurements, agreed
end criteria, a first contact (the case becomes `contacted` by itself), `active`, a practice
community that leads on to a lasting one, both joined, a refused closing (a required criterion
unticked, no justification), then the closing with its measurements. A coordinator then sees the
closing counted under Cases → Closures and downloads the CSV export.

Two shorter tests start from an active case: closing with an unmet required criterion needs a
justification (a blank one is refused), and the matches of a closed case must stay as the closing
left them (this one fails today: see its docstring).

Elements are found by id/name; visible Danish text is asserted where the user reads it.
"""

import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect  # requirements-dev.txt; `make test` installs it

from models import (
    ActivityCategory,
    CaseClosure,
    ClosureReason,
    ContactKind,
    Instrument,
    Match,
    Measurement,
    Referral,
    ReferralChannel,
    StatusChange,
)
from plugins.end_criteria.models import AgreedCriterion, ClosureCheck, ClosureReview, EndCriterion
from tests import factories
from tests.e2e.conftest import log_in

TODAY = datetime.date.today()
RECEIVED_ON = TODAY - datetime.timedelta(days=21)
FIRST_CONTACT_ON = TODAY - datetime.timedelta(days=14)
REASON = "Brobygget til varigt fællesskab"
LASTING = "Spisegruppe i medborgerhuset"
PRACTICE = "Netværkscafé"
CRITERIA = (
    ("Deltager i mindst ét varigt fællesskab", True),
    ("Kender nogen i fællesskabet ud over brobyggeren", True),
    ("Er henvist videre til professionel hjælp, hvor der var behov", False),
)
# Item answers: UCLA-3 (1–3, lower is better), WHO-5 (0–5, × 4, higher is better).
UCLA_INTAKE, UCLA_CLOSING = (3, 3, 2), (1, 2, 1)
WHO5_INTAKE, WHO5_CLOSING = (1, 2, 1, 1, 2), (4, 3, 4, 3, 4)


def _lookup(model, org, name):
    return model.get((model.organisation == org.id) & (model.name == name))


def _instrument(org, code):
    return Instrument.get((Instrument.organisation == org.id) & (Instrument.code == code))


@pytest.fixture
def journey(live_app):
    """Kirsten's case as it arrives: received, assigned to Åse, nothing done yet.

    Another organisation has a closing of its own that must not be counted.
    """
    org = factories.make_org(name="Frivilligcenter Vesterbro-Sydhavnen")
    builder = factories.make_user(org, "bridge_builder", name="Åse Brobygger")
    coordinator = factories.make_user(org, "coordinator", name="Karen Koordinator")
    house = factories.make_partner(org, name="Medborgerhuset Sydhavn")
    centre = factories.make_partner(org, name="Frivilligcenter VSV")
    lasting = factories.make_activity(
        org,
        house,
        name=LASTING,
        category=_lookup(ActivityCategory, org, "Spisefællesskab"),
        weekday=1,
        place="Medborgerhuset Sydhavn, Wagnersvej",
    )
    practice = factories.make_activity(
        org,
        centre,
        name=PRACTICE,
        category=_lookup(ActivityCategory, org, "Café"),
        weekday=2,
        place="Frivilligcentret, Enghavevej",
        is_practice=True,
        leads_to=lasting,
    )
    # Found without filters, gone with them: another weekday's café walk and a café for the young.
    walk = factories.make_activity(
        org, centre, name="Skovtur", category=_lookup(ActivityCategory, org, "Gåtur"), weekday=3, place="Vestskoven"
    )
    young = factories.make_activity(
        org, centre, name="Ungdomscafé", category=_lookup(ActivityCategory, org, "Café"), weekday=2, age_max=30
    )
    criteria = [
        EndCriterion.create(organisation=org, name=name, required=required, position=position)
        for position, (name, required) in enumerate(CRITERIA)
    ]
    citizen = factories.make_citizen(org, name="Kirsten Holm", initials="KH", birth_year=1933, lives_alone=True)
    referral = factories.make_referral(
        org,
        citizen=citizen,
        channel=_lookup(ReferralChannel, org, "Praktiserende læge"),
        referrer_name="Læge Jens Ærø",
        received_on=RECEIVED_ON,
        assigned_to=builder,
    )

    other_org = factories.make_org(name="Frivilligcenter Ærø")
    other_builder = factories.make_user(other_org, "bridge_builder", name="Fremmed Brobygger")
    other_case = factories.make_referral(other_org, status="closed", assigned_to=other_builder, received_on=RECEIVED_ON)
    CaseClosure.create(
        organisation=other_org,
        referral=other_case,
        closed_on=TODAY,
        reason=ClosureReason.get((ClosureReason.organisation == other_org.id) & (ClosureReason.code == "died")),
        by=other_builder,
    )
    return SimpleNamespace(
        org=org,
        builder=builder,
        coordinator=coordinator,
        lasting=lasting,
        practice=practice,
        walk=walk,
        young=young,
        criteria=criteria,
        citizen=citizen,
        referral=referral,
        ucla=_instrument(org, "ucla3"),
        who5=_instrument(org, "who5"),
    )


def _case(referral_id):
    return Referral.get_by_id(referral_id)


def _flash(page, kind, text):
    expect(page.locator(f".alert-{kind}").filter(has_text=text)).to_be_visible()


def _answer(page, instrument, answers):
    """Click one radio button per item of `instrument`."""
    for n, value in enumerate(answers):
        radio = page.locator(f"input[type=radio][name=m{instrument.id}_{n}][value='{value}']")
        radio.click()
        expect(radio).to_be_checked()


def _measure(page, instrument, answers, taken_on):
    """From the case page: Record measurement → pick the instrument → answer → save."""
    page.locator("#action-measure").click()
    page.wait_for_url(re.compile(r"/admin/referral/measure/"))
    page.locator(f"a.btn[href*='instrument={instrument.id}']").click()
    page.wait_for_url(re.compile(rf"instrument={instrument.id}"))
    form = page.locator("#measure-form")
    expect(form.locator("h2")).to_have_text(instrument.name)
    # The page proposes "intake" for a case's first measurement only; at intake the user says so.
    if form.locator("#phase").input_value() != "intake":
        form.locator("#phase").select_option(label="Ved start")
    form.locator("#taken_on").fill(taken_on.isoformat())
    _answer(page, instrument, answers)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/referral/details/"))
    _flash(page, "success", "Målingen er gemt.")


def _suggest(page, name):
    """On the suggest page: Suggest (Foreslå) in the row of activity `name`."""
    row = page.locator("#activities tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    row.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/referral/details/"))
    expect(page.locator(".alert-success")).to_contain_text(name)


def _match_row(page, name):
    """The case page's row of the match with activity `name` (a practice row also names where it leads)."""
    return page.locator("#matches tr.match").filter(has_text=re.compile(rf"^\s*{re.escape(name)}"))


def _join(page, name):
    row = _match_row(page, name)
    expect(row).to_have_count(1)
    row.locator("button[name=to][value=joined]").click()
    expect(row).to_have_attribute("data-status", "joined")
    return row


def test_bridge_builder_takes_a_case_from_referral_to_closing(page, journey):
    w = journey
    case_id = w.referral.id
    required_a, required_b, optional = w.criteria
    log_in(page, w.builder)

    # --- Cases → Caseload: the new case is hers, flagged (no first contact after 21 days). -----
    page.locator(".navbar .dropdown-toggle").filter(has_text=re.compile(r"^\s*Forløb\s*$")).click()
    page.locator(".navbar .dropdown-menu a[href$='/admin/caseload/']").click()
    page.wait_for_url(re.compile(r"/admin/caseload/"))
    caseload_row = page.locator("#queue-due tbody tr").filter(has=page.locator(f"a[href$='id={case_id}']"))
    expect(caseload_row).to_have_count(1)
    expect(caseload_row.locator(".flag-no_first_contact")).to_be_visible()
    caseload_row.locator("a").click()

    # --- The case page: a new referral, nothing done yet. --------------------------------------
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case_id}$"))
    expect(page.locator("#case-status")).to_have_text("Modtaget")
    expect(page.locator("#case-header")).to_contain_text("Kirsten Holm")
    expect(page.locator("#timeline")).to_contain_text("Intet endnu")

    # --- Intake measurements: UCLA-3 and WHO-5, radio button by radio button. -------------------
    _measure(page, w.ucla, UCLA_INTAKE, FIRST_CONTACT_ON)
    expect(page.locator("#outcomes .score")).to_have_text(["8"])
    _measure(page, w.who5, WHO5_INTAKE, FIRST_CONTACT_ON)
    outcomes = page.locator("#outcomes")
    expect(outcomes).to_contain_text(w.ucla.name)
    expect(outcomes.locator(".score")).to_have_text(["8", "28"])
    intake = list(Measurement.select().where(Measurement.referral == case_id).order_by(Measurement.id))
    assert [(m.instrument_id, m.phase, m.taken_on, m.score, m.answer_list) for m in intake] == [
        (w.ucla.id, "intake", FIRST_CONTACT_ON, 8, list(UCLA_INTAKE)),
        (w.who5.id, "intake", FIRST_CONTACT_ON, 28, list(WHO5_INTAKE)),
    ]

    # --- End criteria agreed with Kirsten: the two required ones. -------------------------------
    panel = page.locator("#agree-criteria")
    expect(panel).to_contain_text(CRITERIA[0][0])
    panel.locator(f"#agree-{required_a.id}").check()
    panel.locator(f"#agree-{required_b.id}").check()
    panel.locator("button[type=submit]").click()
    _flash(page, "success", "De aftalte afslutningskriterier er gemt.")
    expect(page.locator(f"#agree-{required_a.id}")).to_be_checked()
    expect(page.locator(f"#agree-{required_b.id}")).to_be_checked()
    expect(page.locator(f"#agree-{optional.id}")).not_to_be_checked()
    agreed = {a.criterion_id for a in AgreedCriterion.select().where(AgreedCriterion.referral == case_id)}
    assert agreed == {required_a.id, required_b.id}

    # --- The first contact: a home visit two weeks ago; the case becomes "contacted" by itself. --
    # The contact form is on the case page (open while there is no first contact).
    contact_form = page.locator("#contact-form")
    expect(contact_form).to_be_visible()
    contact_form.locator("#contact-date").fill(FIRST_CONTACT_ON.isoformat())
    contact_form.locator("#contact-kind").select_option(label="Hjemmebesøg")
    contact_form.locator("#contact-minutes").fill("75")
    contact_form.locator("#contact-note").fill("Første besøg; vil gerne møde andre")
    contact_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case_id}"))
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("#case-status")).to_have_text("Kontaktet")
    contact_row = page.locator("#timeline .kind-contact")
    expect(contact_row).to_have_count(1)
    expect(contact_row).to_contain_text(FIRST_CONTACT_ON.strftime("%d.%m.%Y"))
    expect(contact_row).to_contain_text("Hjemmebesøg")
    expect(contact_row).to_contain_text("75")
    case = _case(case_id)
    assert (case.status, case.first_contact_on) == ("contacted", FIRST_CONTACT_ON)
    contact = case.contacts.get()
    assert (contact.date, contact.kind.name, contact.minutes, contact.by_id) == (
        FIRST_CONTACT_ON,
        "Hjemmebesøg",
        75,
        w.builder.id,
    )
    assert ContactKind.get_by_id(contact.kind_id).organisation_id == w.org.id

    # --- Active. ------------------------------------------------------------------------------
    page.locator("#status button[name=to][value=active]").click()
    _flash(page, "success", "Forløbet er nu “Aktiv”.")
    expect(page.locator("#case-status")).to_have_text("Aktiv")
    assert _case(case_id).status == "active"

    # --- The network café, found with the search filters, suggested and joined. ----------------
    suggest = page.locator("#action-suggest")
    expect(suggest).to_have_text("Foreslå aktivitet")
    suggest.click()
    page.wait_for_url(re.compile(r"/admin/referral/suggest/"))
    activities = page.locator("#activities tbody tr")
    listed = " ".join(activities.all_inner_texts())
    for name in (PRACTICE, LASTING, "Skovtur"):
        assert name in listed, f"{name} should be offered without filters"
    assert "Ungdomscafé" not in listed, "an activity for up to 30-year-olds was offered to a citizen born 1933"
    search = page.locator("#activity-search")
    search.locator("#category").select_option(label="Café")
    search.locator("#weekday").select_option(label="Onsdag")
    search.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"category="))
    expect(activities).to_have_count(1)
    expect(activities).to_contain_text(PRACTICE)
    expect(activities).to_contain_text(f"→ {LASTING}")  # the path is shown before suggesting
    _suggest(page, PRACTICE)
    practice_row = _join(page, PRACTICE)
    path = practice_row.locator(".path")
    expect(path).to_contain_text(f"→ {LASTING}")

    # --- The lasting eating group, found by place, suggested and joined. -----------------------
    page.locator("#action-suggest").click()
    page.wait_for_url(re.compile(r"/admin/referral/suggest/"))
    page.locator("#place").fill("sydhavn")
    page.locator("#activity-search button[type=submit]").click()
    page.wait_for_url(re.compile(r"place=sydhavn"))
    expect(activities).to_have_count(1)
    _suggest(page, LASTING)
    expect(_match_row(page, PRACTICE).locator(".path")).to_contain_text(f"→ {LASTING} (Foreslået)")
    _join(page, LASTING)
    expect(_match_row(page, PRACTICE).locator(".path")).to_contain_text(f"→ {LASTING} (Kommet med)")
    matches = {m.activity_id: m for m in Match.select().where(Match.referral == case_id)}
    assert {a: (m.status, m.started_on, m.ended_on) for a, m in matches.items()} == {
        w.practice.id: ("joined", TODAY, None),
        w.lasting.id: ("joined", TODAY, None),
    }

    # --- Closing with a required criterion unticked and no justification: refused. -------------
    page.locator("#action-close").click()
    page.wait_for_url(re.compile(r"/admin/referral/close/"))
    close_form = page.locator("#close-form")
    close_form.locator("#reason").select_option(label=REASON)
    expect(close_form.locator("#closed_on")).to_have_value(TODAY.isoformat())
    close_form.locator(f"#met-{required_a.id}").check()
    close_form.locator(f"#met-{optional.id}").check()
    _answer(page, w.ucla, UCLA_CLOSING)
    _answer(page, w.who5, WHO5_CLOSING)
    close_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    _flash(page, "danger", "Krævede afslutningskriterier er ikke opfyldt")
    expect(page.locator(".alert-danger")).to_contain_text(CRITERIA[1][0])
    expect(page.locator(".alert-danger")).not_to_contain_text(CRITERIA[0][0])
    assert "/admin/referral/close/" in page.url
    # What was entered is kept.
    expect(close_form.locator("#reason option:checked")).to_have_text(REASON)
    expect(close_form.locator(f"#met-{required_a.id}")).to_be_checked()
    expect(close_form.locator(f"#met-{required_b.id}")).not_to_be_checked()
    expect(close_form.locator(f"#met-{optional.id}")).to_be_checked()
    expect(close_form.locator(f"input[name=m{w.ucla.id}_0][value='1']")).to_be_checked()
    expect(close_form.locator(f"input[name=m{w.who5.id}_4][value='4']")).to_be_checked()
    case = _case(case_id)
    assert case.status == "active"
    assert CaseClosure.select().where(CaseClosure.referral == case_id).count() == 0
    assert Measurement.select().where(Measurement.referral == case_id).count() == 2
    assert Match.select().where((Match.referral == case_id) & Match.ended_on.is_null(False)).count() == 0

    # --- Tick the missing criterion: closed. ---------------------------------------------------
    close_form.locator(f"#met-{required_b.id}").check()
    close_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case_id}"))
    _flash(page, "success", "Forløbet er afsluttet.")
    expect(page.locator("#case-status")).to_have_text("Afsluttet")
    expect(page.locator("#action-close")).to_have_count(0)  # no second closing
    expect(page.locator("#timeline .kind-closing")).to_contain_text(f"{TODAY:%d.%m.%Y}")
    expect(page.locator("#timeline .kind-closing")).to_contain_text(REASON)
    # The outcome change, first to last: UCLA-3 8 → 4, WHO-5 28 → 72.
    changes = page.locator("#outcomes .outcome-change")
    expect(changes).to_have_count(2)
    expect(changes.nth(0)).to_have_text("ændring -4")
    expect(changes.nth(1)).to_have_text("ændring +44")
    expect(changes.nth(0)).to_have_class(re.compile(r"badge-success"))  # lower loneliness is better
    expect(changes.nth(1)).to_have_class(re.compile(r"badge-success"))
    # The practice community ends with the case; the lasting activity she joined goes on.
    expect(_match_row(page, PRACTICE).locator("td").nth(4)).to_have_text(TODAY.strftime("%d.%m.%Y"))
    expect(_match_row(page, LASTING).locator("td").nth(4)).to_have_text("")
    expect(_match_row(page, LASTING).locator(".ongoing")).to_have_text("fortsætter")

    case = _case(case_id)
    assert case.status == "closed"
    closure = CaseClosure.get(CaseClosure.referral == case_id)
    assert (closure.reason.name, closure.closed_on, closure.by_id, closure.reopened_at) == (
        REASON,
        TODAY,
        w.builder.id,
        None,
    )
    assert {m.activity_id: m.ended_on for m in Match.select().where(Match.referral == case_id)} == {
        w.practice.id: TODAY,
        w.lasting.id: None,
    }
    closing = list(Measurement.select().where((Measurement.referral == case_id) & (Measurement.phase == "closure")))
    assert sorted((m.instrument_id, m.taken_on, m.score, m.answer_list) for m in closing) == sorted(
        [
            (w.ucla.id, TODAY, 4, list(UCLA_CLOSING)),
            (w.who5.id, TODAY, 72, list(WHO5_CLOSING)),
        ]
    )
    checks = {c.criterion_id: c.met for c in ClosureCheck.select().where(ClosureCheck.closure == closure.id)}
    assert checks == {required_a.id: True, required_b.id: True, optional.id: True}
    review = ClosureReview.get(ClosureReview.closure == closure.id)
    assert (review.unmet_required, review.justification) == (0, None)
    history = [
        (s.from_status, s.to_status, s.by_id)
        for s in StatusChange.select().where(StatusChange.referral == case_id).order_by(StatusChange.id)
    ]
    assert history == [
        ("received", "contacted", w.builder.id),
        ("contacted", "active", w.builder.id),
        ("active", "closed", w.builder.id),
    ]

    # A closed case leaves the caseload.
    page.goto("/admin/caseload/")
    expect(page.locator("#queue-due")).to_be_visible()
    expect(page.locator(f"#queue-due a[href$='id={case_id}']")).to_have_count(0)

    # --- The coordinator: Cases → Closures, the closing counted, the CSV export. ----------------
    page.context.clear_cookies()
    log_in(page, w.coordinator)
    page.locator(".navbar .dropdown-toggle").filter(has_text=re.compile(r"^\s*Forløb\s*$")).click()
    page.locator(".navbar .dropdown-menu a[href$='/admin/closures/']").click()
    page.wait_for_url(re.compile(r"/admin/closures/"))
    expect(page.locator("#closures-total")).to_have_text("1")
    expect(page.locator("#median-days")).to_have_text("21")
    expect(page.locator("#unmet-share")).to_have_text("0 %")
    expect(page.locator("#per-builder tr")).to_have_count(1)
    expect(page.locator("#per-builder tr td")).to_have_text(["Åse Brobygger", "1"])
    expect(page.locator("#per-reason tr")).to_have_count(1)
    expect(page.locator("#per-reason tr td")).to_have_text([REASON, "1"])

    with page.expect_download() as download_info:
        page.locator("a[href*='/admin/closures/export/csv/']").click()
    download = download_info.value
    assert download.suggested_filename.startswith("afslutninger-") and download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0] == [
        "Forløb",
        "Modtaget",
        "Afsluttet",
        "Dage",
        "Brobygger",
        "Afslutningsårsag",
        "Krævede kriterier ikke opfyldt",
    ]
    assert rows[1:] == [
        [str(case_id), f"{RECEIVED_ON:%d.%m.%Y}", f"{TODAY:%d.%m.%Y}", "21", "Åse Brobygger", REASON, "0"]
    ]

    assert page.errors == []
    assert page.dialogs == []
    # No time limit here: on a shared machine a timing assertion fails by load, not by code
    # (timings belong in bench/).


def test_closing_with_an_unmet_required_criterion_needs_a_justification(page, journey):
    """Unmet and unjustified is refused (a blank justification too); justified, it closes and counts."""
    w = journey
    case = w.referral
    Referral.update(status="active", first_contact_on=FIRST_CONTACT_ON).where(Referral.id == case.id).execute()
    factories.make_match(case, w.lasting, status="joined", started_on=FIRST_CONTACT_ON)
    required_a, required_b, _optional = w.criteria
    justification = "Kirsten kommer fast i spisegruppen, men kender endnu ingen dér ud over værten."
    log_in(page, w.builder)

    page.goto(f"/admin/referral/close/?id={case.id}")
    form = page.locator("#close-form")
    form.locator("#reason").select_option(label=REASON)
    form.locator(f"#met-{required_a.id}").check()
    form.locator("#justification").fill("   ")
    form.locator("button[type=submit]").click()
    _flash(page, "danger", "skriv en begrundelse for at afslutte alligevel")
    assert _case(case.id).status == "active"
    assert CaseClosure.select().where(CaseClosure.referral == case.id).count() == 0

    form.locator("#justification").fill(justification)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case.id}"))
    _flash(page, "success", "Forløbet er afsluttet.")
    expect(page.locator("#case-status")).to_have_text("Afsluttet")
    expect(_match_row(page, LASTING).locator(".ongoing")).to_have_text("fortsætter")  # it goes on

    closure = CaseClosure.get(CaseClosure.referral == case.id)
    review = ClosureReview.get(ClosureReview.closure == closure.id)
    assert (review.unmet_required, review.justification) == (1, justification)
    checks = {c.criterion_id: c.met for c in ClosureCheck.select().where(ClosureCheck.closure == closure.id)}
    assert checks == {c.id: c.id == required_a.id for c in w.criteria}
    assert Match.get(Match.referral == case.id).ended_on is None
    assert Measurement.select().where(Measurement.referral == case.id).count() == 0  # the items were optional

    page.context.clear_cookies()
    log_in(page, w.coordinator)
    page.goto("/admin/closures/")
    expect(page.locator("#closures-total")).to_have_text("1")
    expect(page.locator("#unmet-share")).to_have_text("100 %")
    assert page.errors == []


def test_matches_of_a_closed_case_stay_as_the_closing_left_them(page, journey):
    """Closing ends every open match on the closing date, except a lasting activity the citizen
    joined (it goes on after the case). Afterwards the case page must not offer
    tried/joined/stopped, and the workflow must refuse them: otherwise a match can start after it
    ended (started_on > ended_on) and the closing's end date is overwritten.

    Fails today (see the report): `move_match` (models/workflow.py) does not check that the case
    is open, and referral_details.html shows the buttons whatever the case's status.
    """
    w = journey
    case = w.referral
    yesterday = TODAY - datetime.timedelta(days=1)
    Referral.update(status="active", first_contact_on=FIRST_CONTACT_ON).where(Referral.id == case.id).execute()
    suggested = factories.make_match(case, w.walk, status="suggested")
    joined = factories.make_match(case, w.lasting, status="joined", started_on=FIRST_CONTACT_ON)
    log_in(page, w.builder)

    # Closed yesterday (the form allows a past closing date), every criterion met.
    page.goto(f"/admin/referral/close/?id={case.id}")
    form = page.locator("#close-form")
    form.locator("#reason").select_option(label=REASON)
    form.locator("#closed_on").fill(yesterday.isoformat())
    for criterion in w.criteria:
        form.locator(f"#met-{criterion.id}").check()
    form.locator("button[type=submit]").click()
    _flash(page, "success", "Forløbet er afsluttet.")
    assert {m.id: m.ended_on for m in Match.select().where(Match.referral == case.id)} == {
        suggested.id: yesterday,
        joined.id: None,
    }

    # What a user can do on the closed case's page: today "Kommet med"/"Stoppet" are offered and work.
    moves = page.locator("#matches button[name=to]")
    offered = moves.count()
    if offered:
        _match_row(page, "Skovtur").locator("button[name=to][value=joined]").click()
        expect(_match_row(page, "Skovtur")).to_have_attribute("data-status", "joined")
        _match_row(page, LASTING).locator("button[name=to][value=stopped]").click()
        expect(_match_row(page, LASTING)).to_have_attribute("data-status", "stopped")
    after = {m.id: m for m in Match.select().where(Match.referral == case.id)}
    problems = []
    if offered:
        problems.append(f"the closed case's page offers {offered} match moves")
    walk = after[suggested.id]
    if walk.started_on and walk.ended_on and walk.started_on > walk.ended_on:
        problems.append(f"a match started ({walk.started_on}) after it ended ({walk.ended_on})")
    if after[joined.id].ended_on is not None:
        problems.append(f"the lasting activity was ended after closing: {after[joined.id].ended_on}")
    statuses = (after[suggested.id].status, after[joined.id].status)
    if statuses != ("suggested", "joined"):
        problems.append(f"match statuses changed after closing: suggested → {statuses[0]}, joined → {statuses[1]}")
    assert not problems, "; ".join(problems)
