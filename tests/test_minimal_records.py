"""Minimal records means minimal (issue 11.4): in a minimal-records organisation no page or form,
for any role, asks for free text about a citizen, and free text written before the switch is
shown nowhere until an admin erases it."""

import datetime
import json
import re

import pytest

from models import CaseClosure, ClosureReason, Contact, Referral
from plugins.collaboration.models import CollaborationNote
from plugins.end_criteria.models import ClosureReview, EndCriterion
from plugins.intake.models import IntakeAnswer, IntakeForm, IntakeQuestion
from tests import factories

ROLES = ("anonymous", "admin", "coordinator", "bridge_builder", "partner", "evaluator")
OLD_TEXT = "Gammelnote Xqzvbnm"  # written before the switch; must never be shown again
# Forms about things other than a citizen (activities, partners, users, lists, form builder...).
NOT_ABOUT_CITIZENS = (
    "activity.",
    "partner.",
    "user.",
    "organisation.",
    "referral_channel.",
    "referral_reason.",
    "activity_category.",
    "partner_kind.",
    "contact_kind.",
    "closure_reason.",
    "instrument.",
    "intake_forms.",
    "end_criteria_criteria.",
    "audit_log.",
)
# Text inputs that are not free text about a citizen: who they are (name or initials and the few
# structured contact fields), who referred them, and search/filter boxes.
ALLOWED_TEXT = {
    "name",
    "initials",
    "phone",
    "email",
    "address",
    "postal_code",
    "gp_practice",
    "referrer_name",
    "referrer_phone",
    "search",
    # A new practice community's name and place (an activity, not the citizen).
    "practice-name",
    "practice-place",
    "query",
    "q",  # the public directory's search box and postal-code filter
    "postnummer",
    "place",  # the activity finder's place filter
    "password",
    "code",  # the six digits of a second factor (turning two-factor login on)
    "website",  # the public form's honeypot, hidden from people
}


@pytest.fixture
def minimal_world(world):
    """world.a with free text everywhere, then switched to minimal records."""
    a = world.a
    Referral.update(note=OLD_TEXT).where(Referral.id == a.referral.id).execute()
    Contact.update(note=OLD_TEXT).where(Contact.id == a.contact.id).execute()
    service = factories.make_partner(a.org, name="Socialpsykiatri")
    CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=datetime.date(2025, 1, 2),
        summary=OLD_TEXT,
        consent_scope=OLD_TEXT,
        consent_on=datetime.date(2025, 1, 1),
    )
    closed = factories.make_referral(a.org, citizen=a.citizen, status="closed", note=OLD_TEXT)
    reason = ClosureReason.select().where(ClosureReason.organisation == a.org).first()
    closure = CaseClosure.create(
        organisation=a.org, referral=closed, closed_on=datetime.date(2025, 2, 1), reason=reason, note=OLD_TEXT
    )
    ClosureReview.create(closure=closure, unmet_required=1, justification=OLD_TEXT)
    EndCriterion.create(organisation=a.org, name="Har fundet et fællesskab", required=True)
    for audience in ("staff", "public_gp", "public_self"):
        form = IntakeForm.create(organisation=a.org, audience=audience, title=f"Skema {audience}")
        IntakeQuestion.create(form=form, position=1, label="Fortæl om dig selv", kind="long_text")
        IntakeQuestion.create(form=form, position=2, label="Kort om hjemmet", kind="short_text")
        IntakeQuestion.create(form=form, position=3, label="Bor du alene?", kind="yes_no")
    IntakeAnswer.create(
        organisation=a.org,
        referral=a.referral,
        question_label="Fortæl om dig selv",
        kind="long_text",
        value=json.dumps(OLD_TEXT),
    )
    a.org.minimal_records = True
    a.org.save()
    a.closed = closed
    return world


def _urls(app, world):
    """Every GET page of the app for world.a's records: lists, details, create and edit forms."""
    a = world.a
    ids = {a.referral.id, a.citizen.id, a.contact.id, a.match.id, a.activity.id, a.session.id, a.closed.id}
    ids |= {n.id for n in CollaborationNote.select()} | {x.id for x in IntakeAnswer.select()}
    urls = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.endswith("static") or rule.endpoint == "auth.logout":
                continue
            if rule.endpoint.endswith(("export", "ajax_lookup", "ajax_update", ".report_pdf", ".report_zip")):
                continue
            args = {"slug": a.org.slug, "audience_slug": "laege", "reference": "BRO-XXXX-XXXX", "code": "da"}
            base = rule.build({k: args.get(k, "1") for k in rule.arguments}, append_unknown=False)[1]
            urls[base] = rule.endpoint
            for record_id in ids:
                urls[f"{base}?id={record_id}"] = rule.endpoint
            urls[base.replace("laege", "selv")] = rule.endpoint
    return urls


def _text_fields(html):
    """Names of the free-text inputs a page offers: textareas and visible text inputs."""
    found = set(re.findall(r'<textarea[^>]*\bname="([^"]+)"', html))
    for attrs in re.findall(r"<input\b([^>]*)>", html):
        kind = re.search(r'\btype="([^"]+)"', attrs)
        name = re.search(r'\bname="([^"]+)"', attrs)
        if name and (kind is None or kind.group(1) in ("text", "search")):
            found.add(name.group(1))
    return found


def _allowed(name):
    base = re.sub(r"^questions-\d+-", "", name)
    return base in ALLOWED_TEXT or name.startswith(("flt", "csrf"))


@pytest.mark.parametrize("role", ROLES)
def test_no_page_asks_for_or_shows_free_text_about_a_citizen(app, minimal_world, login, role):
    a = minimal_world.a
    client = app.test_client() if role == "anonymous" else login(a.users[role])
    asked, shown, visited = [], [], 0
    for url, endpoint in sorted(_urls(app, minimal_world).items()):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        visited += 1
        html = response.get_data(as_text=True)
        if OLD_TEXT in html:
            shown.append(url)
        if endpoint.startswith(NOT_ABOUT_CITIZENS) or url.startswith("/partner/listing/"):  # an activity's listing
            continue
        bad = sorted(name for name in _text_fields(html) if not _allowed(name))
        if bad:
            asked.append(f"{url}: {bad}")
    assert visited > (40 if role in ("admin", "coordinator") else 2)
    assert not asked, f"{role} was asked for free text: {asked}"
    assert not shown, f"{role} was shown free text written before minimal records: {shown}"


def test_intake_forms_do_not_ask_free_text_questions(minimal_world, login, app):
    a = minimal_world.a
    public = app.test_client().get(f"/henvis/{a.org.slug}/laege").get_data(as_text=True)
    staff = login(a.users["bridge_builder"]).get("/admin/intake/").get_data(as_text=True)
    for page in (public, staff):
        assert "Bor du alene?" in page
        assert "Fortæl om dig selv" not in page and "Kort om hjemmet" not in page


def test_the_form_builder_refuses_a_free_text_question(minimal_world, login):
    a = minimal_world.a
    form = IntakeForm.get((IntakeForm.organisation == a.org.id) & (IntakeForm.audience == "staff"))
    response = login(a.users["admin"]).post(
        "/admin/intake_form/new/",
        data={
            "title": "Nyt skema",
            "audience": "staff",
            "active": "y",
            "questions-0-position": "1",
            "questions-0-label": "Beskriv din situation",
            "questions-0-kind": "long_text",
            "questions-0-active": "y",
        },
    )
    assert response.status_code == 200
    assert IntakeForm.select().where(IntakeForm.title == "Nyt skema").count() == 0
    assert form.id


def test_closing_against_end_criteria_takes_a_justification_from_the_list(minimal_world, login):
    a = minimal_world.a
    client = login(a.users["bridge_builder"])
    reason = ClosureReason.select().where(ClosureReason.organisation == a.org).first()
    data = {
        "reason": str(reason.id),
        "closed_on": datetime.date.today().isoformat(),
        "version": str(a.referral.version),
    }
    typed = client.post(f"/admin/referral/close/?id={a.referral.id}", data={**data, "justification": "Skrevet tekst"})
    assert "Skrevet tekst" not in typed.get_data(as_text=True)
    assert Referral.get_by_id(a.referral.id).status != "closed"  # a typed text does not count
    closed = client.post(
        f"/admin/referral/close/?id={a.referral.id}", data={**data, "justification_code": "citizen_wish"}
    )
    assert closed.status_code == 302 and Referral.get_by_id(a.referral.id).status == "closed"
    review = ClosureReview.select().join(CaseClosure).where(CaseClosure.referral == a.referral.id).get()
    assert (review.justification, review.justification_code) == (None, "citizen_wish")


def test_free_text_from_before_the_switch_is_listed_and_erased_on_confirmation(minimal_world, login):
    a = minimal_world.a
    admin = login(a.users["admin"])
    page = admin.get("/admin/privacy/free-text/").get_data(as_text=True)
    assert "Samtalenote" not in page and "Kort note" in page and OLD_TEXT not in page
    unconfirmed = admin.post("/admin/privacy/free-text/", data={})
    assert unconfirmed.status_code == 200 and Contact.get_by_id(a.contact.id).note == OLD_TEXT
    assert admin.post("/admin/privacy/free-text/", data={"confirm": "y"}).status_code == 302
    assert Contact.get_by_id(a.contact.id).note is None
    assert Referral.get_by_id(a.referral.id).note is None
    assert CollaborationNote.get().summary is None and ClosureReview.get().justification is None
    assert IntakeAnswer.get().data is None
    assert "Der er ikke gemt fritekst" in admin.get("/admin/privacy/free-text/").get_data(as_text=True)
    # Other organisations' free text is not touched.
    assert (
        login(minimal_world.b.users["admin"]).post("/admin/privacy/free-text/", data={"confirm": "y"}).status_code
        == 200
    )


def test_switching_minimal_records_on_points_to_the_free_text_left(world, login):
    a = world.a
    Contact.update(note=OLD_TEXT).where(Contact.id == a.contact.id).execute()
    admin = login(a.users["admin"])
    data = {"name": a.org.name, "slug": a.org.slug, "minimal_records": "y", "max_case_days": "365"}
    data.update(retention_closed_months="24", retention_declined_months="6")
    response = admin.post(f"/admin/organisation/edit/?id={a.org.id}", data=data, follow_redirects=True)
    assert "Fritekst skrevet før er skjult" in response.get_data(as_text=True)
    details = admin.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)
    assert OLD_TEXT not in details  # hidden from the moment of the switch
    assert Contact.get_by_id(a.contact.id).note == OLD_TEXT  # but only erased on confirmation
