"""Collaboration with municipal services and the referring GP, in a real browser.

A bridge builder, Birgitte, has Kirsten's case: Kirsten consented, was first contacted three weeks
ago and has joined a knitting club. From the case page Birgitte records a hand-over to municipal
psychiatry (service, direction, date, channel, legal basis "the citizen's consent" with its date and
scope, a short summary, "handed on to this service" with a status, a follow-up in two weeks), sees
the open hand-over and the timeline entry, marks the follow-up done under Cases → Follow-ups, then
gives the referring GP feedback: the printable page (a popup, also rendered to PDF) and the FHIR R4
message (a download, validated with fhir.resources). The GP is told status facts only, never the
summary.

A second test types bad input: a follow-up in the past and a missing consent date are refused with
Danish messages and nothing is stored; markup in the summary is shown as text.

Elements are found by id/name; visible Danish text is asserted where the user reads it.
"""

import datetime
import re
import time
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect  # requirements-dev.txt; `make test` installs it

from models import AuditLog, PartnerKind, Referral
from plugins.collaboration.models import CollaborationNote, GpFeedback
from tests import factories
from tests.e2e.conftest import log_in

TODAY = datetime.date.today()
RECEIVED_ON = TODAY - datetime.timedelta(days=30)
FIRST_CONTACT_ON = TODAY - datetime.timedelta(days=21)
CONSENT_ON = TODAY - datetime.timedelta(days=3)
CALL_ON = TODAY - datetime.timedelta(days=1)
FOLLOWUP_ON = TODAY + datetime.timedelta(days=14)
PSYCHIATRY = "Kommunal psykiatri"
GP_PRACTICE = "Lægehuset Enghave"
CLUB = "Strikkeklub i Kulturhuset"
SUMMARY = "Kirsten fortæller om søvnløshed og tunge tanker; psykiatrien ringer hende op i næste uge."
SCOPE = "Kontakt til kommunal psykiatri om sin trivsel"
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def dmy(day):
    return day.strftime("%d.%m.%Y")


def _kind(org, name):
    return PartnerKind.get((PartnerKind.organisation == org.id) & (PartnerKind.name == name))


@pytest.fixture
def collab(live_app):
    """Kirsten's case, assigned to Birgitte: consent given, first contact made, a club joined.

    Municipal psychiatry and a GP practice are services; the knitting club's partner is not. Another
    organisation has a municipal psychiatry of its own that must never be offered.
    """
    org = factories.make_org(name="Frivilligcenter Nørrebro")
    builder = factories.make_user(org, "bridge_builder", name="Birgitte Brobygger")
    psychiatry = factories.make_partner(org, name=PSYCHIATRY, kind=_kind(org, "Kommunal tjeneste"))
    practice = factories.make_partner(
        org, name=GP_PRACTICE, kind=_kind(org, "Lægepraksis"), sor_code="953741000016009", ean_code="5790001348120"
    )
    # The organisation's own numbers in the national health network, for MedCom messages.
    org.sor_code, org.ean_code, org.phone = "265161000016000", "5790000209354", "35 12 34 56"
    org.save()
    culture_house = factories.make_partner(org, name="Kulturhuset Nørrebro", kind=_kind(org, "Forening"))
    club = factories.make_activity(org, culture_house, name=CLUB)
    citizen = factories.make_citizen(
        org,
        name="Kirsten Holm",
        initials="KH",
        birth_year=1941,
        consent_on=CONSENT_ON - datetime.timedelta(days=20),
        gp_practice=GP_PRACTICE,
    )
    referral = factories.make_referral(
        org,
        citizen=citizen,
        status="active",
        received_on=RECEIVED_ON,
        first_contact_on=FIRST_CONTACT_ON,
        assigned_to=builder,
        referrer_name="Læge Jens Ærø",
    )
    factories.make_contact(referral, date=FIRST_CONTACT_ON, minutes=45, note=SUMMARY)  # a note the GP must not see
    match = factories.make_match(referral, club, status="joined", started_on=FIRST_CONTACT_ON)

    other_org = factories.make_org(name="Frivilligcenter Bornholm")
    foreign = factories.make_partner(other_org, name="Bornholms psykiatri", kind=_kind(other_org, "Kommunal tjeneste"))
    return SimpleNamespace(
        org=org,
        builder=builder,
        psychiatry=psychiatry,
        practice=practice,
        culture_house=culture_house,
        foreign=foreign,
        club=club,
        citizen=citizen,
        referral=referral,
        match=match,
    )


def _flash(page, kind, text):
    expect(page.locator(f".alert-{kind}").filter(has_text=text)).to_be_visible()


def _panel(page):
    """The case page's collaboration panel (a plugin panel)."""
    return page.locator("section.plugin-panel").filter(has=page.locator("h2", has_text="Samarbejde"))


def _type_date(page, field_id, day):
    """Put a date into a Flask-Admin date field as pasting does, then Tab out (closes the picker).

    The whole value arrives at once and one key-up lets the picker read it; typed key by key the
    picker rewrites the field after every key (see test_a_date_can_be_typed_key_by_key).
    """
    field = page.locator(f"#{field_id}")
    field.click()
    field.fill(day.isoformat() if day else "")
    field.press("End")
    field.press("Tab")
    expect(field).to_have_value(day.isoformat() if day else "")
    expect(page.locator(".daterangepicker:visible")).to_have_count(0)


def _open_new_note(page, w):
    """From the case page: "Nyt samarbejdsnotat"; the form opens with the case filled in."""
    new_note = _panel(page).get_by_role("link", name="Nyt samarbejdsnotat")
    expect(new_note).to_be_visible()
    new_note.click()
    page.wait_for_url(re.compile(r"/admin/collab_note/new/\?"))
    expect(page.locator("#s2id_referral .select2-chosen")).to_contain_text("Kirsten Holm")
    assert page.locator("#referral").input_value() == str(w.referral.id)


def _fill_note(page, summary=SUMMARY, consent_on=CONSENT_ON, followup_on=FOLLOWUP_ON):
    """A phone call to municipal psychiatry yesterday, on the citizen's consent; handed on, asked."""
    form = page.locator("form.admin-form")
    form.locator("#service").select_option(label=PSYCHIATRY)
    form.locator("#direction").select_option(label="Vi kontaktede dem")
    _type_date(page, "date", CALL_ON)
    form.locator("#channel").select_option(label="Telefon")
    form.locator("#legal_basis").select_option(label="Borgerens samtykke")
    _type_date(page, "consent_on", consent_on)
    form.locator("#consent_scope").fill(SCOPE)
    form.locator("#summary").fill(summary)
    form.locator("#handover").check()
    form.locator("#handover_status").select_option(label="Forespurgt")
    _type_date(page, "followup_on", followup_on)


def _save(page):
    """Press the form's plain Save button (not "save and add another"/"continue editing")."""
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state()


def test_hand_over_follow_up_and_gp_feedback(page, collab, tmp_path):
    started = time.monotonic()
    w = collab
    case_id = w.referral.id
    log_in(page, w.builder)

    # --- The case page: no collaboration yet. ---------------------------------------------------
    page.goto(f"/admin/referral/details/?id={case_id}")
    expect(page.locator("#case-status")).to_have_text("Aktiv")
    expect(page.locator("#open-handovers")).to_have_count(0)
    expect(_panel(page).locator(".collaboration-timeline")).to_contain_text("Ingen samarbejdsnotater")

    # --- A new note: only our services are offered; the date and owner are proposed. -----------
    _open_new_note(page, w)
    form = page.locator("form.admin-form")
    offered = form.locator("#service option").all_inner_texts()
    assert sorted(offered) == sorted([PSYCHIATRY, GP_PRACTICE]), f"services offered: {offered}"
    expect(form.locator("#date")).to_have_value(TODAY.isoformat())
    expect(form.locator("#followup_owner option:checked")).to_have_text("Birgitte Brobygger")
    expect(form.locator("label[for=handover]")).to_contain_text("Overdraget til denne tjeneste")
    _fill_note(page)
    _save(page)

    # --- Back on the case page: the open hand-over and the timeline entry. ---------------------
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case_id}$"))
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("#open-handovers")).to_contain_text("Åbne overdragelser")
    expect(page.locator("#open-handovers")).to_contain_text(f"{PSYCHIATRY} (Forespurgt)")
    entry = _panel(page).locator(".collaboration-timeline li")
    expect(entry).to_have_count(1)
    for text in (
        dmy(CALL_ON),
        PSYCHIATRY,
        "Vi kontaktede dem",
        "Telefon",
        "Borgerens samtykke",
        "overdragelse: Forespurgt",
        f"opfølgning {dmy(FOLLOWUP_ON)}",
        SUMMARY,
    ):
        expect(entry).to_contain_text(text)
    expect(entry).not_to_contain_text("✓")

    note = CollaborationNote.get(CollaborationNote.referral == case_id)
    assert (note.organisation_id, note.service_id, note.direction, note.date, note.channel) == (
        w.org.id,
        w.psychiatry.id,
        "out",
        CALL_ON,
        "phone",
    )
    assert (note.legal_basis, note.consent_on, note.consent_scope, note.summary) == (
        "consent",
        CONSENT_ON,
        SCOPE,
        SUMMARY,
    )
    assert (note.handover, note.handover_status, note.followup_on) == (True, "asked", FOLLOWUP_ON)
    assert (note.followup_owner_id, note.by_id, note.followup_done_at, note.followup_done_by_id) == (
        w.builder.id,
        w.builder.id,
        None,
        None,
    )

    # --- Cases → Follow-ups: the follow-up is there; mark it done. -----------------------------
    page.locator(".navbar .dropdown-toggle").filter(has_text=re.compile(r"^\s*Forløb\s*$")).click()
    followups_link = page.locator(".navbar .dropdown-menu a[href$='/admin/followups/']")
    expect(followups_link).to_have_text("Opfølgninger")
    followups_link.click()
    page.wait_for_url(re.compile(r"/admin/followups/$"))
    expect(page.locator("h1")).to_have_text("Mine opfølgninger")
    row = page.locator("#followups tbody tr").filter(has=page.locator(f"a[href$='id={case_id}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(dmy(FOLLOWUP_ON))
    expect(row).to_contain_text("Kirsten Holm")
    expect(row).to_contain_text(PSYCHIATRY)
    expect(row).to_contain_text("Birgitte Brobygger")
    expect(row).not_to_have_class(re.compile(r"overdue"))
    done_button = row.get_by_role("button", name="Markér som udført")
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    done_button.click()
    page.wait_for_url(re.compile(r"/admin/followups/$"))
    after = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(seconds=1)
    _flash(page, "success", "Opfølgningen er udført.")
    expect(row).to_have_count(0)
    expect(page.locator("#followups tbody")).to_contain_text("Ingen åbne opfølgninger")

    note = CollaborationNote.get_by_id(note.id)
    assert note.followup_done_by_id == w.builder.id
    assert note.followup_done_at is not None and before <= note.followup_done_at <= after, (
        f"done at {note.followup_done_at}, clicked between {before} and {after} (UTC)"
    )
    assert (
        AuditLog.select()
        .where(
            (AuditLog.model == "CollaborationNote")
            & (AuditLog.record_id == note.id)
            & (AuditLog.action == "update")
            & (AuditLog.user == w.builder.id)
        )
        .count()
        == 1
    )

    # The case page ticks the follow-up off; the hand-over itself is still open.
    page.goto(f"/admin/referral/details/?id={case_id}")
    expect(_panel(page).locator(".collaboration-timeline li")).to_contain_text(f"opfølgning {dmy(FOLLOWUP_ON)} ✓")
    expect(page.locator("#open-handovers")).to_contain_text(PSYCHIATRY)

    # --- Feedback to the GP, printable: a new tab with status sentences only. -----------------
    print_link = _panel(page).get_by_role("button", name="Tilbagemelding til lægen (udskriv)")
    with page.context.expect_page() as popup_info:
        print_link.click()
    letter = popup_info.value
    letter_dialogs = []
    letter.on("dialog", lambda dialog: (letter_dialogs.append(dialog.message), dialog.dismiss()))
    letter.wait_for_load_state()
    assert re.search(r"/admin/gp-feedback/$", letter.url), letter.url  # a POST: recording it is a change
    expect(letter.locator("html")).to_have_attribute("lang", "da")
    expect(letter.locator("h1")).to_have_text("Status på social henvisning: Kirsten Holm (KH)")
    expect(letter.locator("body")).to_contain_text(f"Til lægen: {GP_PRACTICE}")
    expect(letter.locator("#feedback li")).to_have_text(
        [
            f"Borgeren blev kontaktet af en brobygger den {dmy(FIRST_CONTACT_ON)}.",
            f"Borgeren er kommet med i et fællesskab: {CLUB}.",
        ]
    )
    expect(letter.locator("body")).to_contain_text("Birgitte Brobygger, Frivilligcenter Nørrebro")
    letter_text = letter.locator("body").inner_text()
    for secret in (SUMMARY, SCOPE, PSYCHIATRY, "søvnløshed"):
        assert secret not in letter_text, f"the GP letter shows {secret!r}"
    # Printed, the print button is hidden; the PDF is a real PDF.
    letter.emulate_media(media="print")
    expect(letter.locator(".no-print")).to_be_hidden()
    pdf_path = tmp_path / "tilbagemelding.pdf"
    letter.pdf(path=str(pdf_path), format="A4")
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000 and b"%%EOF" in pdf[-1024:]
    assert letter_dialogs == []
    letter.close()

    # --- Feedback as a MedCom message (FHIR R4): a download that validates as a message Bundle. -
    expect(_panel(page).locator("#gp-to option:checked")).to_have_text(GP_PRACTICE)  # the citizen's own GP
    with page.expect_download() as download_info:
        _panel(page).get_by_role("button", name="Tilbagemelding som MedCom-besked").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"feedback-{case_id}.json"
    raw = download.path().read_bytes()
    from fhir.resources.bundle import Bundle

    bundle = Bundle.parse_raw(raw)  # validates against the base FHIR R4 resources
    assert bundle.type == "message"
    resources = [entry.resource for entry in bundle.entry]
    by_type = {}
    for r in resources:
        by_type.setdefault(r.resource_type, []).append(r)
    header, communication, patient = by_type["MessageHeader"][0], by_type["Communication"][0], by_type["Patient"][0]
    assert resources[0] is header  # tests/test_medcom.py checks the MedCom structure in full
    assert [entry.fullUrl for entry in bundle.entry] == [f"urn:uuid:{r.id}" for r in resources]
    assert header.focus[0].reference == f"urn:uuid:{communication.id}"
    sender = next(o for o in by_type["Organization"] if f"urn:uuid:{o.id}" == header.sender.reference)
    receiver = next(o for o in by_type["Organization"] if o is not sender)
    assert communication.subject.reference == f"urn:uuid:{patient.id}"
    assert (sender.name, receiver.name) == ("Frivilligcenter Nørrebro", GP_PRACTICE)
    assert (patient.name[0].family, patient.name[0].given) == ("Holm", ["Kirsten"])
    assert [p.contentString for p in communication.payload] == [
        f"Borgeren blev kontaktet af en brobygger den {dmy(FIRST_CONTACT_ON)}.\n"
        f"Borgeren er kommet med i et fællesskab: {CLUB}."
    ]
    text = raw.decode("utf-8")
    for secret in (SUMMARY, SCOPE, "søvnløshed"):
        assert secret not in text, f"the FHIR message contains {secret!r}"

    # Both kinds of feedback are recorded: by whom, for which case.
    given = list(GpFeedback.select().where(GpFeedback.referral == case_id).order_by(GpFeedback.id))
    assert [(g.form, g.by_id, g.organisation_id) for g in given] == [
        ("print", w.builder.id, w.org.id),
        ("fhir", w.builder.id, w.org.id),
    ]

    assert page.errors == []
    assert page.dialogs == []
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the journey took {elapsed:.0f} s"


def test_bad_notes_are_refused_in_danish_and_markup_stays_text(page, collab):
    """A follow-up in the past, then a missing consent date: refused, what was typed is kept, nothing
    is stored. Then saved with markup in the summary: shown as text, no script runs."""
    w = collab
    case_id = w.referral.id
    log_in(page, w.builder)
    page.goto(f"/admin/referral/details/?id={case_id}")
    _open_new_note(page, w)
    yesterday = TODAY - datetime.timedelta(days=1)
    _fill_note(page, summary=XSS, followup_on=yesterday)
    _save(page)

    _flash(page, "danger", "En opfølgning kan ikke ligge i fortiden.")
    assert "/admin/collab_note/new/" in page.url
    form = page.locator("form.admin-form")
    expect(form.locator("#summary")).to_have_value(XSS)
    expect(form.locator("#consent_scope")).to_have_value(SCOPE)
    expect(form.locator("#followup_on")).to_have_value(yesterday.isoformat())
    expect(form.locator("#service option:checked")).to_have_text(PSYCHIATRY)
    expect(form.locator("#handover")).to_be_checked()
    expect(page.locator("#s2id_referral .select2-chosen")).to_contain_text("Kirsten Holm")
    assert CollaborationNote.select().count() == 0
    assert AuditLog.select().where(AuditLog.model == "CollaborationNote").count() == 0

    # The follow-up moved to the future, but the consent date left out: refused too.
    _type_date(page, "followup_on", FOLLOWUP_ON)
    _type_date(page, "consent_on", None)
    _save(page)
    _flash(page, "danger", "Angiv datoen for borgerens samtykke, eller vælg et andet hjemmelsgrundlag.")
    expect(page.locator(".alert-danger").filter(has_text="fortiden")).to_have_count(0)
    assert CollaborationNote.select().count() == 0

    # With the consent date: saved, and the markup is shown as the text that was typed.
    _type_date(page, "consent_on", CONSENT_ON)
    _save(page)
    page.wait_for_url(re.compile(rf"/admin/referral/details/\?id={case_id}$"))
    expect(page.locator(".alert-danger")).to_have_count(0)
    entry = _panel(page).locator(".collaboration-timeline li")
    expect(entry).to_have_count(1)
    expect(entry.locator("div.small")).to_have_text(XSS)
    assert entry.locator("script, img").count() == 0, "the summary was rendered as markup"
    note = CollaborationNote.get(CollaborationNote.referral == case_id)
    assert (note.summary, note.consent_on, note.followup_on) == (XSS, CONSENT_ON, FOLLOWUP_ON)

    # The note's own edit form shows it as text too.
    page.goto(f"/admin/collab_note/edit/?id={note.id}")
    expect(page.locator("#summary")).to_have_value(XSS)

    page.wait_for_timeout(200)  # give an injected onerror handler time to fire, were there one
    assert page.dialogs == [], f"a script from the summary ran: {page.dialogs}"
    assert page.errors == []
    assert Referral.get_by_id(case_id).status == "active"


def test_a_date_can_be_typed_key_by_key(page, collab):
    """A follow-up date typed key by key, as a keyboard user does, must end up in the field.

    Admin date fields are the browser's own date input (Flask-Admin's date picker used to parse
    every partial key press — "2" became year 2 — and wrote it back). The browser's date input
    takes the digits in the order of its locale: month, day, year in this en-US headless Chromium.
    """
    log_in(page, collab.builder)
    page.goto(f"/admin/collab_note/new/?referral={collab.referral.id}")
    field = page.locator("#followup_on")
    expect(field).to_have_attribute("type", "date")
    field.click()
    field.press_sequentially(FOLLOWUP_ON.strftime("%m%d%Y"), delay=30)
    field.press("Tab")
    expect(field).to_have_value(FOLLOWUP_ON.isoformat(), timeout=2_000)


def test_the_note_channel_is_not_called_referral_route(page, collab):
    """The note's channel (phone, meeting, secure mail) is how we talked with the service.

    Fails today: CollaborationNote.channel's label shares the msgid "Channel" with the referral's
    channel, translated "Henvisningsvej" (how the citizen was referred), on the form and the list.
    """
    log_in(page, collab.builder)
    page.goto(f"/admin/collab_note/new/?referral={collab.referral.id}")
    expect(page.locator("#channel option")).to_have_text(["Telefon", "Møde", "Sikker mail"])
    label = page.locator("label[for=channel]").inner_text().strip()
    assert label != "Henvisningsvej", "the note's channel is labelled as the referral's channel"
