"""GP feedback as a MedCom CareCommunication message (FHIR R4 4.0.1).

The Bundle follows MedCom's CareCommunication profiles (IG "DK MedCom Carecommunication" 5.x and
the messaging/core profiles it builds on): a message Bundle whose first entry is the
MessageHeader (event care-communication-message, the primary destination with its receiver and
SOR endpoint, the sender, the focus on the Communication, the message definition), the
Communication (status unknown, a UUID identifier, a category from MedCom's category codes, the
topic, the patient as subject, one message segment with date, identifier, author and author
contact extensions), the Patient, the author (PractitionerRole and Practitioner), sender and
receiver Organizations with SOR and EAN identifiers, and a Provenance with the activity code
new-message. Every resource carries its narrative. fhir.resources 6.4 (R4 4.0.1) validates the
base resources; the profile rules are checked by tests/test_medcom.py.

Transport over the national network (VANS / the MedCom hub) is the integration's job: this module
only builds the message.
"""

import datetime
import uuid
from html import escape

from plugins.api import _l

IG = "http://medcomfhir.dk/ig"
PROFILES = {
    "Bundle": f"{IG}/carecommunication/StructureDefinition/medcom-careCommunication-message",
    "MessageHeader": f"{IG}/carecommunication/StructureDefinition/medcom-careCommunication-messageHeader",
    "Communication": f"{IG}/carecommunication/StructureDefinition/medcom-careCommunication-communication",
    "Provenance": f"{IG}/carecommunication/StructureDefinition/medcom-careCommunication-provenance",
    "Organization": f"{IG}/messaging/StructureDefinition/medcom-messaging-organization",
    "Patient": f"{IG}/core/StructureDefinition/medcom-core-patient",
    "Practitioner": f"{IG}/core/StructureDefinition/medcom-core-practitioner",
    "PractitionerRole": f"{IG}/core/StructureDefinition/medcom-core-practitionerrole",
}
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
EAN_SYSTEM = "urn:oid:1.3.88"
SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id={}"
EVENT_CODES = f"{IG}/terminology/CodeSystem/medcom-messaging-eventCodes"
ACTIVITY_CODES = f"{IG}/terminology/CodeSystem/medcom-messaging-activityCodes"
CATEGORY_CODES = f"{IG}/terminology/CodeSystem/medcom-careCommunication-categoryCodes"
DESTINATION_USE = f"{IG}/terminology/CodeSystem/medcom-messaging-destinationUse"
DESTINATION_USE_EXTENSION = f"{IG}/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
PAYLOAD_EXTENSIONS = {
    "date": f"{IG}/core/StructureDefinition/medcom-core-datetime-extension",
    "identifier": f"{IG}/core/StructureDefinition/medcom-core-identifier-extension",
    "author": f"{IG}/core/StructureDefinition/medcom-core-practitioner-extension",
    "authorContact": f"{IG}/core/StructureDefinition/medcom-core-contact-extension",
}
MESSAGE_DEFINITION = f"{IG}/messagedefinitions/MessageDefinition/MedComCareCommunicationMessageDefinition|5.0"
# Feedback on the GP's own social referral: MedCom's category "regarding-referral".
CATEGORY = "regarding-referral"
TOPIC = "Status på social henvisning"
AUTHOR_ROLE = "Social brobygger"


class NotSendable(Exception):
    """The message cannot be built: `message` says what is missing, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _uuid():
    return str(uuid.uuid4())


def _narrative(*lines):
    body = "".join(f"<p>{escape(str(line))}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _human_name(full_name):
    parts = (full_name or "").split()
    if not parts:
        return None
    name = {"use": "official", "family": parts[-1]}
    if len(parts) > 1:
        name["given"] = parts[:-1]
    return name


def _organisation(entity_id, name, sor, ean):
    return {
        "resourceType": "Organization",
        "id": entity_id,
        "meta": {"profile": [PROFILES["Organization"]]},
        "text": _narrative(name, f"SOR: {sor}", f"EAN: {ean}"),
        "identifier": [{"system": SOR_SYSTEM, "value": sor}, {"system": EAN_SYSTEM, "value": ean}],
        "name": name,
    }


def check_sendable(organisation, receiver, citizen, author):
    """Raise NotSendable unless both organisations have SOR and EAN numbers, the citizen can be
    named to the GP and the author has a name and a phone to give."""
    if not (organisation.sor_code and organisation.ean_code):
        raise NotSendable(_l("Your organisation needs its SOR code and EAN number (Administration → Organisation)."))
    if receiver is None or not (receiver.sor_code and receiver.ean_code):
        raise NotSendable(_l("Choose the GP practice; it needs its SOR code and EAN number (Partners)."))
    if citizen.anonymous or not citizen.name:
        raise NotSendable(_l("An anonymous citizen cannot be named in a message to the GP."))
    if not author.name:
        raise NotSendable(_l("The message needs the bridge builder's name."))
    if not organisation.phone:
        raise NotSendable(_l("Your organisation needs a phone number the GP can call (Administration → Organisation)."))


def care_communication(organisation, receiver, citizen, author, sentences, now=None):
    """The CareCommunication message Bundle (a dict, validated with fhir.resources R4)."""
    from fhir.resources.bundle import Bundle

    check_sendable(organisation, receiver, citizen, author)
    now = now or datetime.datetime.now(datetime.UTC)
    stamp = now.astimezone(datetime.UTC).isoformat(timespec="seconds")
    ids = {k: _uuid() for k in ("header", "communication", "patient", "sender", "receiver", "role", "person", "prov")}
    payload_id = f"urn:uuid:{_uuid()}"
    text = "\n".join(str(s) for s in sentences)

    # Entries are addressed as urn:uuid (fullUrl and references alike): valid in any message,
    # resolvable inside the Bundle without a server base.
    def ref(key, kind):
        return {"reference": f"urn:uuid:{ids[key]}", "type": kind}

    header = {
        "resourceType": "MessageHeader",
        "id": ids["header"],
        "meta": {"profile": [PROFILES["MessageHeader"]]},
        "text": _narrative(
            "care-communication-message",
            f"{organisation.name} → {receiver.name}",
            SOR_ENDPOINT.format(receiver.sor_code),
        ),
        "eventCoding": {"system": EVENT_CODES, "code": "care-communication-message"},
        "destination": [
            {
                "extension": [
                    {"url": DESTINATION_USE_EXTENSION, "valueCoding": {"system": DESTINATION_USE, "code": "primary"}}
                ],
                "endpoint": SOR_ENDPOINT.format(receiver.sor_code),
                "receiver": ref("receiver", "Organization"),
            }
        ],
        "sender": ref("sender", "Organization"),
        "source": {"endpoint": SOR_ENDPOINT.format(organisation.sor_code)},
        "focus": [ref("communication", "Communication")],
        "definition": MESSAGE_DEFINITION,
    }
    communication = {
        "resourceType": "Communication",
        "id": ids["communication"],
        "meta": {"profile": [PROFILES["Communication"]]},
        "text": _narrative(TOPIC, *sentences, f"{author.name}, {AUTHOR_ROLE}, {organisation.phone}"),
        "identifier": [{"value": f"urn:uuid:{_uuid()}"}],
        "status": "unknown",
        "category": [{"coding": [{"system": CATEGORY_CODES, "code": CATEGORY}]}],
        "subject": ref("patient", "Patient"),
        "topic": {"text": TOPIC},
        "payload": [
            {
                "extension": [
                    {"url": PAYLOAD_EXTENSIONS["date"], "valueDateTime": stamp},
                    {
                        "url": PAYLOAD_EXTENSIONS["identifier"],
                        "valueIdentifier": {"value": payload_id, "assigner": ref("sender", "Organization")},
                    },
                    {"url": PAYLOAD_EXTENSIONS["author"], "valueReference": ref("role", "PractitionerRole")},
                    {
                        "url": PAYLOAD_EXTENSIONS["authorContact"],
                        "valueContactPoint": {"system": "phone", "value": organisation.phone},
                    },
                ],
                "contentString": text,
            }
        ],
    }
    patient_name = _human_name(citizen.name)
    patient = {
        "resourceType": "Patient",
        "id": ids["patient"],
        "meta": {"profile": [PROFILES["Patient"]]},
        "text": _narrative(citizen.name),
        "name": [patient_name],
    }
    person = {
        "resourceType": "Practitioner",
        "id": ids["person"],
        "meta": {"profile": [PROFILES["Practitioner"]]},
        "text": _narrative(author.name),
        "name": [_human_name(author.name)],
    }
    role = {
        "resourceType": "PractitionerRole",
        "id": ids["role"],
        "meta": {"profile": [PROFILES["PractitionerRole"]]},
        "text": _narrative(f"{author.name}, {AUTHOR_ROLE}"),
        "practitioner": ref("person", "Practitioner"),
        "organization": ref("sender", "Organization"),
        "code": [{"text": AUTHOR_ROLE}],
    }
    provenance = {
        "resourceType": "Provenance",
        "id": ids["prov"],
        "meta": {"profile": [PROFILES["Provenance"]]},
        "text": _narrative("new-message", stamp, organisation.name),
        "target": [ref("header", "MessageHeader")],
        "occurredDateTime": stamp,
        "recorded": stamp,
        "activity": {"coding": [{"system": ACTIVITY_CODES, "code": "new-message"}]},
        "agent": [{"who": ref("sender", "Organization")}],
        "entity": [{"role": "source", "what": {"identifier": {"value": payload_id}}}],
    }
    sender = _organisation(ids["sender"], organisation.name, organisation.sor_code, organisation.ean_code)
    gp = _organisation(ids["receiver"], receiver.name, receiver.sor_code, receiver.ean_code)
    resources = [header, patient, communication, role, person, gp, sender, provenance]
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(),
        "meta": {"profile": [PROFILES["Bundle"]]},
        "type": "message",
        "timestamp": stamp,
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    Bundle.parse_obj(bundle)  # raises on anything that is not valid FHIR R4 (4.0.1)
    return bundle
