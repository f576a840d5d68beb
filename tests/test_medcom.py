"""GP feedback as a MedCom CareCommunication message: its structure against the IG's rules.

The expectations below restate, in our own words and code, what MedCom's CareCommunication IG
(medcomdk/dk-medcom-carecommunication 5.x, with the messaging and core profiles it builds on)
requires of a new message, and what its example messages (the "1st message", a new
CareCommunication) show: entry order and kinds, profiles, identifiers, codes, extensions and
references. The base resources are validated with fhir.resources 6.4, which is FHIR R4 4.0.1.
"""

import datetime
import json
import re

import fhir.resources
import pytest
from fhir.resources.bundle import Bundle

from models import Organisation, PartnerKind, Referral
from plugins.collaboration.models import GpFeedback
from tests import factories

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MEDCOM = "http://medcomfhir.dk/ig"
CC = f"{MEDCOM}/carecommunication/StructureDefinition/"
SOR, EAN = "urn:oid:1.2.208.176.1.1", "urn:oid:1.3.88"

# What the IG's example of a new message holds, entry by entry (resourceType → count), and the
# profile each of ours must claim.
EXAMPLE_NEW_MESSAGE_KINDS = {
    "MessageHeader": 1,
    "Patient": 1,
    "Communication": 1,
    "PractitionerRole": 1,
    "Practitioner": 1,
    "Organization": 2,
    "Provenance": 1,
}
PROFILE_OF = {
    "Bundle": CC + "medcom-careCommunication-message",
    "MessageHeader": CC + "medcom-careCommunication-messageHeader",
    "Communication": CC + "medcom-careCommunication-communication",
    "Provenance": CC + "medcom-careCommunication-provenance",
    "Organization": f"{MEDCOM}/messaging/StructureDefinition/medcom-messaging-organization",
    "Patient": f"{MEDCOM}/core/StructureDefinition/medcom-core-patient",
}
PAYLOAD_EXTENSION_IDS = (
    "medcom-core-datetime-extension",
    "medcom-core-identifier-extension",
    "medcom-core-practitioner-extension",
    "medcom-core-contact-extension",
)


@pytest.fixture
def gp_world(world):
    a = world.a
    Organisation.update(sor_code="265161000016000", ean_code="5790000209354", phone="33 12 34 56").where(
        Organisation.id == a.org.id
    ).execute()
    kind = PartnerKind.get((PartnerKind.organisation == a.org.id) & (PartnerKind.name == "Lægepraksis"))
    gp = factories.make_partner(
        a.org, name="Lægehuset Enghave", kind=kind, sor_code="953741000016009", ean_code="5790001348120"
    )
    citizen = factories.make_citizen(a.org, name="Kirsten Holm", initials="KH", gp_practice="Lægehuset Enghave")
    referral = factories.make_referral(
        a.org,
        citizen=citizen,
        assigned_to=a.users["bridge_builder"],
        status="contacted",
        first_contact_on=datetime.date(2025, 3, 1),
    )
    factories.make_contact(referral, note="Hemmelig samtale")
    return world, gp, referral


def _message(client, referral, **args):
    response = client.post("/admin/gp-feedback/fhir/", data={"id": referral.id, **args})
    assert response.status_code == 200, response.headers.get("Location")
    assert response.mimetype == "application/fhir+json"
    return json.loads(response.data)


def test_the_library_is_fhir_r4_401():
    assert fhir.resources.__fhir_version__ == "4.0.1"


def test_feedback_follows_the_carecommunication_profiles(login, gp_world):
    world, gp, referral = gp_world
    builder = world.a.users["bridge_builder"]
    message = _message(login(builder), referral)
    Bundle.parse_obj(message)  # the base resources are valid FHIR R4 4.0.1

    # The Bundle: a message with an id, a timestamp and the CareCommunication message profile.
    assert message["type"] == "message" and message["id"] and message["timestamp"]
    assert message["meta"]["profile"] == [PROFILE_OF["Bundle"]]
    entries = message["entry"]
    resources = [e["resource"] for e in entries]
    kinds = [r["resourceType"] for r in resources]
    assert {k: kinds.count(k) for k in set(kinds)} == EXAMPLE_NEW_MESSAGE_KINDS
    assert kinds[0] == "MessageHeader"  # the header is the first entry
    by_url = {e["fullUrl"]: e["resource"] for e in entries}
    assert len(by_url) == len(entries) and all(
        UUID_URN.match(e["fullUrl"]) and e["fullUrl"].endswith(e["resource"]["id"]) for e in entries
    )

    def resolve(reference):
        assert reference["reference"] in by_url, f"{reference} does not resolve inside the Bundle"
        return by_url[reference["reference"]]

    for resource in resources:
        kind = resource["resourceType"]
        if kind in PROFILE_OF:
            assert resource["meta"]["profile"] == [PROFILE_OF[kind]], kind
        # Narrative on every resource, as XHTML with text in it.
        assert resource["text"]["status"] == "generated"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">'), kind
        assert re.sub(r"<[^>]+>", "", resource["text"]["div"]).strip(), kind

    # MessageHeader: the event, the primary destination with its receiver, sender, focus, definition.
    header = resources[0]
    assert header["eventCoding"] == {
        "system": f"{MEDCOM}/terminology/CodeSystem/medcom-messaging-eventCodes",
        "code": "care-communication-message",
    }
    (destination,) = header["destination"]
    (use,) = destination["extension"]
    assert use["url"] == f"{MEDCOM}/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
    assert use["valueCoding"] == {
        "system": f"{MEDCOM}/terminology/CodeSystem/medcom-messaging-destinationUse",
        "code": "primary",
    }
    receiver, sender = resolve(destination["receiver"]), resolve(header["sender"])
    assert destination["endpoint"].endswith("953741000016009") and header["source"]["endpoint"].endswith(
        "265161000016000"
    )
    assert re.match(
        r"^http://medcomfhir\.dk/ig/messagedefinitions/MessageDefinition/MedComCareCommunicationMessageDefinition\|5\.\d{1,2}$",
        header["definition"],
    )
    (focus,) = header["focus"]
    communication = resolve(focus)
    assert communication["resourceType"] == "Communication"

    # Sender and receiver organisations: SOR and EAN identifiers, names.
    for organisation, (sor, ean, name) in (
        (sender, ("265161000016000", "5790000209354", world.a.org.name)),
        (receiver, ("953741000016009", "5790001348120", gp.name)),
    ):
        assert organisation["resourceType"] == "Organization"
        assert {(i["system"], i["value"]) for i in organisation["identifier"]} == {(SOR, sor), (EAN, ean)}
        assert organisation["name"] == name

    # Communication: status unknown, a UUID identifier, a MedCom category, topic, the patient.
    assert communication["status"] == "unknown"
    (identifier,) = communication["identifier"]
    assert UUID_URN.match(identifier["value"])
    (category,) = communication["category"]
    (coding,) = category["coding"]
    assert coding["system"] == f"{MEDCOM}/terminology/CodeSystem/medcom-careCommunication-categoryCodes"
    assert coding["code"] in ("regarding-referral", "other", "carecoordination")
    assert "priority" not in communication  # only allowed on urgent referrals
    assert communication["topic"]["text"]
    patient = resolve(communication["subject"])
    assert patient["resourceType"] == "Patient" and patient["name"][0]["family"] == "Holm"
    # One message segment: text, with date, identifier (assigned by the sender), author, contact.
    (segment,) = communication["payload"]
    assert "01.03.2025" in segment["contentString"] and "Hemmelig" not in json.dumps(message)
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in segment["extension"]}
    assert set(extensions) == set(PAYLOAD_EXTENSION_IDS)
    datetime.datetime.fromisoformat(extensions["medcom-core-datetime-extension"]["valueDateTime"])
    payload_identifier = extensions["medcom-core-identifier-extension"]["valueIdentifier"]
    assert UUID_URN.match(payload_identifier["value"]) and resolve(payload_identifier["assigner"]) is sender
    role = resolve(extensions["medcom-core-practitioner-extension"]["valueReference"])
    assert role["resourceType"] == "PractitionerRole" and bool(role["code"][0].get("text")) != bool(
        role["code"][0].get("coding")
    )
    person = resolve(role["practitioner"])
    assert person["resourceType"] == "Practitioner" and person["name"][0]["family"] == builder.name.split()[-1]
    contact = extensions["medcom-core-contact-extension"]["valueContactPoint"]
    assert contact["system"] == "phone" and re.match(r"^[+]?[-0-9 ]+$", contact["value"])

    # Provenance: targets the header, the activity new-message, the sender as agent, the segment.
    (provenance,) = [r for r in resources if r["resourceType"] == "Provenance"]
    assert [resolve(t) for t in provenance["target"]] == [header]
    assert provenance["activity"]["coding"] == [
        {"system": f"{MEDCOM}/terminology/CodeSystem/medcom-messaging-activityCodes", "code": "new-message"}
    ]
    assert provenance["occurredDateTime"] and provenance["recorded"]
    assert [resolve(a["who"]) for a in provenance["agent"]] == [sender]
    assert provenance["entity"] == [{"role": "source", "what": {"identifier": {"value": payload_identifier["value"]}}}]

    # The feedback is recorded on the case: when, the status, by whom, to which practice — and shown.
    feedback = GpFeedback.get(GpFeedback.referral == referral.id)
    assert (feedback.form, feedback.status, feedback.by_id, feedback.receiver_id) == (
        "fhir",
        "contacted",
        builder.id,
        gp.id,
    )
    page = login(builder).get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert "Sidste tilbagemelding til lægen" in page and "“Kontaktet”" in page
    assert "kind-gp_feedback" in page


def test_closing_keeps_the_lasting_activity_in_the_gp_letter(app, login, gp_world):
    from models import ClosureReason
    from models.workflow import close_case, move_match, suggest_activity

    world, gp, referral = gp_world
    a = world.a
    builder = a.users["bridge_builder"]
    lasting = factories.make_activity(a.org, partner=a.partner, name="Spisegruppe i medborgerhuset")
    practice = factories.make_activity(
        a.org, partner=a.partner, name="Netværkscafé", is_practice=True, leads_to=lasting
    )
    with app.app_context():
        for activity in (practice, lasting):
            move_match(suggest_activity(referral, activity, builder), "joined", builder)
        reason = ClosureReason.get((ClosureReason.organisation == a.org.id) & (ClosureReason.code == "bridged"))
        close_case(Referral.get_by_id(referral.id), builder, reason, datetime.date.today())
    message = _message(login(builder), referral)
    text = next(r for r in (e["resource"] for e in message["entry"]) if r["resourceType"] == "Communication")
    content = text["payload"][0]["contentString"]
    assert "fortsætter i et varigt fællesskab: Spisegruppe i medborgerhuset" in content
    assert "Netværkscafé" not in content.split("fortsætter")[1]


@pytest.mark.parametrize(
    "missing, message",
    [
        ("org", "SOR-kode og EAN-nummer"),
        ("gp", "Vælg lægepraksis"),
        ("anonymous", "anonym borger"),
    ],
)
def test_a_message_that_cannot_be_sent_says_why(login, gp_world, missing, message):
    world, gp, referral = gp_world
    if missing == "org":
        Organisation.update(sor_code=None).where(Organisation.id == world.a.org.id).execute()
    elif missing == "gp":
        type(gp).update(ean_code=None).where(type(gp).id == gp.id).execute()
    else:
        citizen = referral.citizen
        citizen.anonymous = True
        citizen.save()
    client = login(world.a.users["bridge_builder"])
    response = client.post("/admin/gp-feedback/fhir/", data={"id": referral.id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert GpFeedback.select().where(GpFeedback.referral == referral.id).count() == 0
