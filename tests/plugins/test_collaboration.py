"""The collaboration plugin: notes, hand-overs, follow-ups, GP feedback (print and FHIR), visibility."""

import datetime
import json

import pytest
from fhir.resources.bundle import Bundle

from models import CaseClosure, ClosureReason, PartnerKind, Referral
from plugins.collaboration.models import CollaborationNote, GpFeedback
from tests import factories
from tests.plugin_data import municipal_service, note_data

TODAY = datetime.date.today()
MARKER = "HEMMELIG-MARKØR-7431"


def test_bridge_builder_records_a_hand_over_with_consent(login, world):
    a = world.a
    psychiatry = municipal_service(a.org)
    client = login(a.users["bridge_builder"])
    assert client.get(f"/admin/collab_note/new/?referral={a.referral.id}").status_code == 200
    response = client.post("/admin/collab_note/new/", data=note_data(a.referral, psychiatry))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    note = CollaborationNote.get()
    assert (note.organisation_id, note.handover, note.handover_status) == (a.org.id, True, "asked")
    assert note.followup_owner_id == a.users["bridge_builder"].id and note.by_id == a.users["bridge_builder"].id
    page = client.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)
    assert 'id="open-handovers"' in page and "Kommunal psykiatri" in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"followup_on": (TODAY - datetime.timedelta(days=1)).isoformat()}, "fortiden"),
        ({"consent_on": (TODAY + datetime.timedelta(days=2)).isoformat()}, "fremtiden"),
        ({"consent_on": ""}, "samtykke"),
        ({"service": "999999"}, "gyldigt valg"),
        ({"date": "2025-02-30"}, "skal udfyldes"),  # an impossible date leaves the field empty
    ],
)
def test_bad_notes_are_refused(login, world, overrides, message):
    a = world.a
    client = login(a.users["bridge_builder"])
    response = client.post("/admin/collab_note/new/", data=note_data(a.referral, municipal_service(a.org), **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert CollaborationNote.select().count() == 0


def test_foreign_case_or_non_service_partner_is_refused(login, world):
    a, b = world.a, world.b
    client = login(a.users["bridge_builder"])
    client.post("/admin/collab_note/new/", data=note_data(b.referral, municipal_service(a.org)))
    client.post("/admin/collab_note/new/", data=note_data(a.referral, municipal_service(b.org)))
    client.post("/admin/collab_note/new/", data=note_data(a.referral, a.partner))  # an activity partner
    assert CollaborationNote.select().count() == 0


def test_summary_is_escaped_and_absent_in_minimal_records(login, world):
    a = world.a
    client = login(a.users["bridge_builder"])
    xss = "<script>alert(1)</script>"
    client.post("/admin/collab_note/new/", data=note_data(a.referral, municipal_service(a.org), summary=xss))
    page = client.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)
    assert xss not in page and "&lt;script&gt;" in page
    a.org.minimal_records = True
    a.org.save()
    form = client.get(f"/admin/collab_note/new/?referral={a.referral.id}").get_data(as_text=True)
    assert 'name="summary"' not in form
    client.post(
        "/admin/collab_note/new/",
        data=note_data(a.referral, municipal_service(a.org, "Hjemmeplejen"), summary="gemmes ikke"),
    )
    assert CollaborationNote.select().where(CollaborationNote.summary == "gemmes ikke").count() == 0
    assert CollaborationNote.select().count() == 2


def test_follow_ups_overdue_first_and_done_records_who_and_when(login, world):
    a = world.a
    builder = a.users["bridge_builder"]
    service = municipal_service(a.org)
    late = CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=TODAY,
        followup_on=TODAY - datetime.timedelta(days=3),
        followup_owner=builder,
    )
    soon = CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=TODAY,
        followup_on=TODAY + datetime.timedelta(days=3),
        followup_owner=builder,
    )
    coordinator_note = CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=TODAY,
        followup_on=TODAY,
        followup_owner=a.users["coordinator"],
    )
    client = login(builder)
    page = client.get("/admin/followups/").get_data(as_text=True)
    assert page.index(late.followup_on.strftime("%d.%m.%Y")) < page.index(soon.followup_on.strftime("%d.%m.%Y"))
    assert "overskredet" in page
    team = client.get("/admin/followups/?team=1").get_data(as_text=True)
    assert a.users["coordinator"].name in team
    assert client.post("/admin/followups/done/", data={"note": late.id}).status_code == 302
    done = CollaborationNote.get_by_id(late.id)
    assert done.followup_done_by_id == builder.id and done.followup_done_at is not None
    assert f'value="{late.id}"' not in client.get("/admin/followups/").get_data(as_text=True)
    assert coordinator_note.id


def test_closing_as_professional_help_needs_a_hand_over(app, world):
    from models.workflow import TransitionError, close_case

    a = world.a
    referral = factories.make_referral(a.org, status="active", received_on=datetime.date(2025, 1, 1))
    reason = ClosureReason.get((ClosureReason.organisation == a.org.id) & (ClosureReason.code == "professional_help"))
    with app.app_context():
        with pytest.raises(TransitionError):
            close_case(referral, a.users["coordinator"], reason, TODAY)
        CollaborationNote.create(
            organisation=a.org,
            referral=referral,
            service=municipal_service(a.org),
            date=TODAY,
            handover=True,
            handover_status="accepted",
        )
        close_case(Referral.get_by_id(referral.id), a.users["coordinator"], reason, TODAY)
    assert CaseClosure.get(CaseClosure.referral == referral.id).reason_id == reason.id


def test_gp_feedback_print_and_fhir_message(login, world):
    a = world.a
    referral = a.referral
    Referral.update(first_contact_on=datetime.date(2025, 3, 1)).where(Referral.id == referral.id).execute()
    CollaborationNote.create(
        organisation=a.org, referral=referral, service=municipal_service(a.org), date=TODAY, summary=MARKER
    )
    factories.make_contact(referral, note=MARKER)
    client = login(a.users["bridge_builder"])
    # Recording feedback is a POST: a GET (a prefetch, a link on another site) records nothing.
    assert client.get(f"/admin/gp-feedback/?id={referral.id}").status_code == 405
    assert client.get(f"/admin/gp-feedback/fhir/?id={referral.id}").status_code == 405
    assert GpFeedback.select().count() == 0
    page = client.post("/admin/gp-feedback/", data={"id": referral.id}).get_data(as_text=True)
    assert "01.03.2025" in page and a.activity.name in page
    assert MARKER not in page
    # Without SOR/EAN numbers no MedCom message can be addressed: a Danish message says so.
    assert client.post("/admin/gp-feedback/fhir/", data={"id": referral.id}).status_code == 302
    from models import Organisation

    Organisation.update(sor_code="265161000016000", ean_code="5790000209354", phone="33123456").where(
        Organisation.id == a.org.id
    ).execute()
    gp_kind = PartnerKind.get((PartnerKind.organisation == a.org.id) & (PartnerKind.code == "gp_practice"))
    gp = factories.make_partner(
        a.org, name="Lægehuset", kind=gp_kind, sor_code="953741000016009", ean_code="5790001348120"
    )
    response = client.post("/admin/gp-feedback/fhir/", data={"id": referral.id, "to": gp.id})
    assert response.mimetype == "application/fhir+json"
    bundle = Bundle.parse_raw(response.data)  # validates against the base FHIR R4 resources
    assert bundle.type == "message"
    kinds = [entry.resource.resource_type for entry in bundle.entry]
    assert kinds[0] == "MessageHeader" and {"Communication", "Patient", "Organization", "Provenance"} <= set(kinds)
    assert MARKER not in response.get_data(as_text=True)
    assert json.loads(response.data)["entry"][2]["resource"]["payload"]  # tests/test_medcom.py has the rest
    assert GpFeedback.select().where(GpFeedback.referral == referral.id).count() == 2


def test_no_gp_feedback_without_consent(login, world):
    a = world.a
    # Consent to be contacted is not consent to inform the GP (issue 11): only the GP consent counts.
    citizen = factories.make_citizen(a.org, gp_consent_on=None, gp_consent_how=None)
    referral = factories.make_referral(a.org, citizen=citizen, assigned_to=a.users["bridge_builder"])
    client = login(a.users["bridge_builder"])
    assert client.post("/admin/gp-feedback/", data={"id": referral.id}).status_code == 302
    assert client.post("/admin/gp-feedback/fhir/", data={"id": referral.id}).status_code == 302  # with a message
    assert client.post("/admin/gp-feedback/", data={"id": world.b.referral.id}).status_code == 404
    assert GpFeedback.select().count() == 0


def _crawl_urls(app, world, note):
    """Every GET page of the app, with ids of the notes' case, the note and the world's records."""
    a = world.a
    urls = set()
    ids = {note.id, a.referral.id, a.citizen.id, a.contact.id, a.match.id, a.activity.id, a.session.id}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.endswith("static"):
                continue
            args = {}
            for arg in rule.arguments:
                args[arg] = {
                    "slug": a.org.slug,
                    "audience_slug": "laege",
                    "export_type": "csv",
                    "fmt": "csv",
                    "reference": "BRO-XXXX-XXXX",
                    "code": "da",
                    "activity_id": a.activity.id,
                    "partner_id": a.partner.id,
                    "day": TODAY.isoformat(),
                }.get(arg, "x")
            base = rule.build(args, append_unknown=False)[1] if args else rule.rule
            urls.add(base)
            for record_id in ids:
                urls.add(f"{base}?id={record_id}")
            urls.add(f"{base}?name=referral&query=alfa")
            urls.add(f"{base}?name=citizen&query=alfa")
            urls.add(f"{base}?search={MARKER[:8]}")
    return sorted(urls)


@pytest.mark.parametrize("role", ["partner", "evaluator"])
def test_partners_and_evaluators_never_see_collaboration_notes(app, login, world, role):
    a = world.a
    note = CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=municipal_service(a.org),
        date=TODAY,
        summary=MARKER,
        consent_scope=MARKER,
        handover=True,
        handover_status="ongoing",
        followup_on=TODAY,
        followup_owner=a.users[role],
    )
    client = login(a.users[role])
    seen = []
    for url in _crawl_urls(app, world, note):
        response = client.get(url)
        if MARKER in response.get_data().decode("utf-8", "replace"):  # a data package is a zip
            seen.append(f"{url} ({response.status_code})")
    assert not seen, f"{role} saw a collaboration note on: {seen}"
    staff = login(a.users["coordinator"])  # the marker is really there for staff
    assert MARKER in staff.get(f"/admin/referral/details/?id={a.referral.id}").get_data(as_text=True)


def test_with_the_plugin_disabled_its_pages_are_gone(make_app, world):
    app = make_app(BROBYGGER_PLUGINS="intake,end_criteria")
    client = app.test_client()
    client.post("/login", data={"email": world.a.users["admin"].email, "password": factories.PASSWORD})
    assert client.get("/admin/collab_note/").status_code == 404
    assert client.get("/admin/followups/").status_code == 404
    assert client.get(f"/admin/referral/details/?id={world.a.referral.id}").status_code == 200
