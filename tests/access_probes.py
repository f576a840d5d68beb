"""The probes of the access matrix: one concrete request per endpoint on world.a's records, and
what its answer means as one of the outcomes of tests/access_policy.py. Helpers, no tests."""

import datetime
import itertools
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from flask import url_for

from models import (
    ActivityCategory,
    AuditLog,
    ClosureReason,
    ContactKind,
    Instrument,
    Network,
    NetworkEvaluator,
    NetworkMember,
    PartnerKind,
    ReferralChannel,
    ReferralReason,
    User,
)
from tests import factories
from tests.access_policy import (
    AUTH_PAGES,
    DELETED,
    DENIED,
    EXCLUDED_ENDPOINTS,
    LOGIN,
    MOVED,
    TO_REGISTER,
)

# Views whose forms have ajax lookups, and the lookup's field name.
AJAX_LOOKUPS = {
    "referral": "citizen",
    "contact": "referral",
    "match": "referral",
    "attendance": "citizen",
    "collaboration_notes": "referral",
}
# Endpoint suffixes run after every GET, in this order; logging out comes last of all.
LATE = {"ajax_update": 1, "delete_view": 2, "action_view": 2, "language.switch": 3, "auth.logout": 4}


def _first(model, org):
    return model.select().where(model.organisation == org.id).order_by(model.id).first()


def sample_records(world):
    """A record of world.a per model view that every role with read access may see."""
    a = world.a
    audit = AuditLog.create(
        organisation=a.org, user=a.users["admin"], role="admin", action="view", model="Citizen", record_id=a.citizen.id
    )
    return {
        "referral": a.referral,
        "contact": a.contact,
        "match": a.match,
        "citizen": a.citizen,
        "activity": a.activity,
        "activity_session": a.session,
        "attendance": a.attendance,
        "partner": a.partner,
        "user": a.users["bridge_builder"],
        "organisation": a.org,
        "referral_channel": a.channel,
        "referral_reason": a.reason,
        "activity_category": _first(ActivityCategory, a.org),
        "partner_kind": _first(PartnerKind, a.org),
        "contact_kind": _first(ContactKind, a.org),
        "closure_reason": _first(ClosureReason, a.org),
        "instrument": _first(Instrument, a.org),
        "audit_log": audit,
        **intake_records(world),
        **end_criteria_records(world),
        "collaboration_notes": collaboration_note(world),
    }


def intake_records(world, only=None):
    """A form and an answer of world.a for the intake plugin's views (when it is loaded)."""
    try:
        from plugins.intake.models import IntakeAnswer, IntakeForm
    except ImportError:
        return {}
    a = world.a
    builders = {
        "intake_forms": lambda: IntakeForm.create(organisation=a.org, audience="staff", title="Alfa skema"),
        "intake_answers": lambda: IntakeAnswer.create(
            organisation=a.org, referral=a.referral, question_label="Spørgsmål", kind="short_text", value='"Godt"'
        ),
    }
    return {view: build() for view, build in builders.items() if only in (None, view)}


def collaboration_note(world):
    """A note of world.a with a follow-up, for the collaboration plugin's views."""
    from models import PartnerKind
    from plugins.collaboration.models import CollaborationNote

    a = world.a
    kind = PartnerKind.get((PartnerKind.organisation == a.org.id) & (PartnerKind.code == "municipal_service"))
    service = factories.make_partner(a.org, name="Alfa psykiatri", kind=kind)
    return CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=datetime.date.today(),
        followup_on=datetime.date.today(),
        followup_owner=a.users["bridge_builder"],
    )


def end_criteria_records(world, only=None):
    """A criterion of world.a for the end_criteria plugin's views."""
    from plugins.end_criteria.models import EndCriterion

    if only not in (None, "end_criteria_criteria"):
        return {}
    return {
        "end_criteria_criteria": EndCriterion.create(organisation=world.a.org, name="Alfa kriterium", required=True)
    }


_dates = (datetime.date(1990, 1, 1) + datetime.timedelta(days=n) for n in itertools.count())


def deletable_record(view, world):
    """A fresh record of world.a that nothing refers to and the role under test may see."""
    a = world.a
    org = a.org
    lookups = {
        "referral_channel": ReferralChannel,
        "closure_reason": ClosureReason,
        "instrument": Instrument,
        "referral_reason": ReferralReason,
        "activity_category": ActivityCategory,
        "partner_kind": PartnerKind,
        "contact_kind": ContactKind,
    }
    if view in lookups:
        extra = {"items": "Spørgsmål"} if view == "instrument" else {}
        return lookups[view].create(organisation=org, name="Slet mig", **extra)
    if view.startswith("intake_"):
        return intake_records(world, only=view)[view]
    if view == "end_criteria_criteria":
        return end_criteria_records(world, only=view)[view]
    if view == "collaboration_notes":
        return collaboration_note(world)
    builders = {
        "referral": lambda: factories.make_referral(
            org, citizen=factories.make_citizen(org), assigned_to=a.users["bridge_builder"]
        ),
        "contact": lambda: factories.make_contact(a.referral),
        "match": lambda: factories.make_match(a.referral, a.activity),
        "citizen": lambda: factories.make_citizen(org),
        "activity": lambda: factories.make_activity(org, partner=a.partner),
        "activity_session": lambda: factories.make_session(a.activity, date=next(_dates)),
        "attendance": lambda: factories.make_attendance(a.session, factories.make_participant(a.activity)),
        "partner": lambda: factories.make_partner(org),
        "user": lambda: factories.make_user(org, "bridge_builder"),
        "organisation": lambda: org,  # nobody may delete an organisation
        "audit_log": lambda: AuditLog.create(organisation=org, action="view", model="Citizen", record_id=1),
    }
    return builders[view]()


@dataclass
class Probe:
    endpoint: str
    method: str
    url: str
    data: dict = field(default_factory=dict)
    target: object = None  # the record a delete probe tries to delete
    changed: object = None  # for workflow POSTs: a function telling whether the change happened

    @property
    def order(self):
        suffix = self.endpoint.rsplit(".", 1)[-1]
        return (LATE.get(self.endpoint, LATE.get(suffix, 0)), self.endpoint)


def build_probes(app, world, endpoints):
    """One request per endpoint, on concrete URLs of world.a's records."""
    samples = sample_records(world)
    probes = []
    with app.test_request_context():
        for endpoint in endpoints:
            if endpoint == "auth.logout":
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint == "language.switch":
                probes.append(Probe(endpoint, "POST", url_for(endpoint, code="da")))
            elif endpoint in ("auth.new_recovery_codes", "auth.account_mfa_off"):
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint in ("index", "auth.login", "admin.index", "intake_staff.index", *AUTH_PAGES):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint == "intake_staff.link":
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint in (
                "end_criteria_closures.index",
                "caseload.index",
                "collaboration_followups.index",
                "profile.index",
            ):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint in ("reports.index", "network_report.index"):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, start="2025-01-01", end="2025-12-31")))
            elif endpoint in ("reports.export", "network_report.export"):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, fmt="csv")))
            elif endpoint == "reports.cases":
                probes.append(Probe(endpoint, "GET", url_for(endpoint, figure="active")))
            elif endpoint == "end_criteria_closures.export":
                probes.append(Probe(endpoint, "GET", url_for(endpoint, fmt="csv")))
            elif endpoint == "collaboration_gp_feedback.index":
                probes.append(Probe(endpoint, "POST", url_for(endpoint), {"id": world.a.referral.id}))
            elif endpoint == "collaboration_gp_feedback.fhir":
                probes.append(
                    Probe(
                        endpoint, "POST", url_for(endpoint), {"id": world.a.referral.id, "to": _gp_practice(world).id}
                    )
                )
            elif endpoint in (
                "privacy.report_pdf",
                "privacy.report_zip",
                "privacy.access_log_view",
                "privacy.erase_view",
            ):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, id=world.a.citizen.id)))
            elif endpoint.startswith("privacy."):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint == "collaboration_followups.done":
                probes.append(_followup_done_probe(endpoint, samples["collaboration_notes"]))
            elif endpoint == "end_criteria_agree.index":
                probes.append(_agree_probe(endpoint, samples["end_criteria_criteria"], world))
            elif endpoint.startswith("intake_public."):
                probes.append(_public_intake_probe(endpoint, world))
            elif endpoint.startswith(("onboarding.", "imports.", "operator.")):
                probes.append(_onboarding_probe(endpoint, world))
            elif endpoint.startswith("networks."):
                probes.append(_network_probe(endpoint, world))
            elif endpoint.split(".")[0] in ("directory", "partner_page", "listing_change", "waiting_list"):
                probes.append(_activity_pages_probe(endpoint, world))
            elif "." in endpoint and endpoint.split(".")[0] in samples:
                view, name = endpoint.split(".", 1)
                probes.append(_model_view_probe(view, name, samples[view], world))
            else:
                probes.append(Probe(endpoint, "GET", ""))  # unknown: reported as a mismatch
    return sorted(probes, key=lambda p: p.order)


def _gp_practice(world):
    """A GP practice with SOR and EAN numbers, and the organisation's own: a MedCom message can go."""
    from models import Organisation

    Organisation.update(sor_code="265161000016000", ean_code="5790000209354", phone="33123456").where(
        Organisation.id == world.a.org.id
    ).execute()
    kind = PartnerKind.get((PartnerKind.organisation == world.a.org.id) & (PartnerKind.code == "gp_practice"))
    return factories.make_partner(world.a.org, name="Lægehuset", kind=kind, sor_code="1", ean_code="5790001348120")


def _followup_done_probe(endpoint, note):
    from plugins.collaboration.models import CollaborationNote

    def done():
        return CollaborationNote.get_by_id(note.id).followup_done_at is not None

    return Probe(endpoint, "POST", url_for(endpoint), {"note": note.id}, changed=done)


def _agree_probe(endpoint, criterion, world):
    from plugins.end_criteria.models import AgreedCriterion

    def agreed():
        return AgreedCriterion.select().where(AgreedCriterion.referral == world.a.referral.id).exists()

    return Probe(
        endpoint,
        "POST",
        url_for(endpoint),
        {"referral": world.a.referral.id, "criteria": [criterion.id]},
        changed=agreed,
    )


def _public_intake_probe(endpoint, world):
    from plugins.intake.models import IntakeSubmission

    slug = world.a.org.slug
    if endpoint == "intake_public.choose":
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug))
    if endpoint == "intake_public.referral_form":
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug, audience_slug="laege"))
    if endpoint == "intake_public.receipt":
        submission = IntakeSubmission.create(
            organisation=world.a.org, token="matrix-token", reference="BRO-TEST-0001", source="public_form"
        )
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug, reference=submission.reference))
    return Probe(endpoint, "GET", "")


def _onboarding_probe(endpoint, world):
    from models import Organisation

    org = world.a.org
    if endpoint == "onboarding.set_password":
        return Probe(endpoint, "GET", url_for(endpoint, token="not-a-token"))
    if endpoint in ("imports.index", "operator.index", "operator.new"):
        return Probe(endpoint, "GET", url_for(endpoint))
    if endpoint in ("imports.commit", "imports.cancel"):
        return Probe(endpoint, "POST", url_for(endpoint), {"batch": 999999})
    if endpoint in ("imports.template", "imports.export"):
        return Probe(endpoint, "GET", url_for(endpoint, kind="citizens", fmt="csv"))
    if endpoint == "operator.organisation":
        return Probe(endpoint, "GET", url_for(endpoint, org_id=org.id))
    if endpoint == "operator.set_active":

        def deactivated():
            return not Organisation.get_by_id(org.id).is_active

        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id), {"active": "0"}, changed=deactivated)
    if endpoint == "operator.add_admin":
        data = {"email": "ny-admin@example.dk", "name": "Ny Admin"}
        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id), data)
    if endpoint == "operator.reset":
        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id, user_id=world.a.users["admin"].id))


def _network_probe(endpoint, world):
    """The operator's network pages, on a network with world.b as a member and an evaluator."""
    network = Network.get_or_none(Network.slug == "matrix") or Network.create(name="Matrixnetværket", slug="matrix")
    if not NetworkMember.select().where(NetworkMember.network == network.id).exists():
        NetworkMember.create(network=network, organisation=world.b.org)
        NetworkEvaluator.create(network=network, user=factories.make_user(world.b.org, "network_evaluator"))
    newcomer = User.get_or_none(User.email == "netvaerk@example.dk") or factories.make_user(
        world.a.org, "network_evaluator", email="netvaerk@example.dk"
    )
    member = NetworkMember.select().where(NetworkMember.network == network.id)
    evaluator = NetworkEvaluator.select().where(NetworkEvaluator.network == network.id)

    def has(query, **where):
        return query.where(*[getattr(query.model, k) == v for k, v in where.items()]).exists()

    if endpoint in ("networks.index",):
        return Probe(endpoint, "GET", url_for(endpoint))
    if endpoint == "networks.network":
        return Probe(endpoint, "GET", url_for(endpoint, network_id=network.id))
    if endpoint == "networks.add_member":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id),
            {"organisation": world.a.org.id},
            changed=lambda: has(member, organisation=world.a.org.id),
        )
    if endpoint == "networks.remove_member":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id, org_id=world.b.org.id),
            changed=lambda: not has(member, organisation=world.b.org.id),
        )
    if endpoint == "networks.add_evaluator":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id),
            {"email": newcomer.email},
            changed=lambda: has(evaluator, user=newcomer.id),
        )
    first = evaluator.order_by(NetworkEvaluator.id).first()
    return Probe(
        endpoint,
        "POST",
        url_for(endpoint, network_id=network.id, user_id=first.user_id),
        changed=lambda: not has(evaluator, user=first.user_id),
    )


def _activity_pages_probe(endpoint, world):
    """Issue 13's pages: the public directory (on a published activity), the partner's page, the
    approval of listing changes and the waiting lists."""
    from models import ListingChange, WaitingListEntry

    a = world.a
    slug = a.org.slug
    published = factories.make_activity(
        a.org,
        partner=a.partner,
        name="Alfa åbent",
        public=True,
        frequency="weekly",
        weekday=2,
        start_time=datetime.time(14, 0),
    )
    today = datetime.date.today().isoformat()
    gets = {
        "directory.index": lambda: url_for(endpoint, slug=slug),
        "directory.activity": lambda: url_for(endpoint, slug=slug, activity_id=published.id),
        "directory.activity_ics": lambda: url_for(endpoint, slug=slug, activity_id=published.id),
        "directory.partner_ics": lambda: url_for(endpoint, slug=slug, partner_id=a.partner.id),
        "directory.organisation_ics": lambda: url_for(endpoint, slug=slug),
        "directory.hsds_services": lambda: url_for(endpoint, slug=slug),
        "directory.hsds_package": lambda: url_for(endpoint, slug=slug),
        "partner_page.start": lambda: url_for(endpoint),
        "partner_page.register": lambda: url_for(endpoint, activity_id=a.activity.id, day=today),
        "partner_page.listing": lambda: url_for(endpoint, activity_id=a.activity.id),
        "listing_change.index": lambda: url_for(endpoint),
        "waiting_list.index": lambda: url_for(endpoint),
    }
    if endpoint in gets:
        return Probe(endpoint, "GET", gets[endpoint]())
    if endpoint == "partner_page.pick_date":
        return Probe(endpoint, "POST", url_for(endpoint), {"activity": a.activity.id, "date": today})
    if endpoint == "listing_change.decide_view":
        change = ListingChange.propose(published, {"place": "Nyt sted"}, a.users["partner"])

        def decided():
            return ListingChange.get_by_id(change.id).status == "approved"

        return Probe(endpoint, "POST", url_for(endpoint), {"change": change.id, "decision": "approve"}, changed=decided)
    if endpoint == "waiting_list.add_view":

        def waiting():
            return WaitingListEntry.select().where(WaitingListEntry.activity == published.id).exists()

        return Probe(
            endpoint, "POST", url_for(endpoint), {"activity": published.id, "referral": a.referral.id}, changed=waiting
        )
    if endpoint == "waiting_list.remove_view":
        entry = WaitingListEntry.create(organisation=a.org, activity=published, referral=a.referral)

        def removed():
            return not WaitingListEntry.select().where(WaitingListEntry.id == entry.id).exists()

        return Probe(endpoint, "POST", url_for(endpoint), {"entry": entry.id}, changed=removed)
    return Probe(endpoint, "GET", "")


def _model_view_probe(view, name, sample, world):
    endpoint = f"{view}.{name}"
    if name == "index_view":
        return Probe(endpoint, "GET", url_for(endpoint))
    if name in ("details_view", "edit_view", "preview_view", "close_view", "measure_view", "suggest_view"):
        return Probe(endpoint, "GET", url_for(endpoint, id=sample.id))
    if name == "create_view":
        return Probe(endpoint, "GET", url_for(endpoint))
    if name == "export":
        return Probe(endpoint, "GET", url_for(endpoint, export_type="csv"))
    if name == "ajax_lookup":
        return Probe(endpoint, "GET", url_for(endpoint, name=AJAX_LOOKUPS.get(view, "partner"), query="alfa"))
    if name == "status_view":
        from models import Referral

        def moved():
            return Referral.get_by_id(sample.id).status == "contacted"

        data = {"id": sample.id, "to": "contacted", "version": Referral.get_by_id(sample.id).version}
        return Probe(endpoint, "POST", url_for(endpoint), data, changed=moved)
    if name == "match_view":
        from models import Match

        match = world.a.match

        def stopped():
            return Match.get_by_id(match.id).status == "stopped"

        return Probe(endpoint, "POST", url_for(endpoint), {"match": match.id, "to": "stopped"}, changed=stopped)
    if name in CASE_ACTIONS:
        return CASE_ACTIONS[name](endpoint, sample, world)
    if name == "ajax_update":
        return Probe(endpoint, "POST", url_for(endpoint), {"list_form_pk": sample.id, "name": "Ændret"})
    if name == "delete_view":
        target = deletable_record(view, world)
        return Probe(endpoint, "POST", url_for(endpoint), {"id": target.id}, target)
    if name == "action_view":
        target = deletable_record(view, world)
        return Probe(endpoint, "POST", url_for(endpoint), {"action": "delete", "rowid": [target.id]}, target)
    return Probe(endpoint, "GET", "")


def _take_probe(endpoint, sample, world):
    from models import Referral

    new = factories.make_referral(world.a.org, citizen=world.a.citizen)

    def taken():
        return Referral.get_by_id(new.id).assigned_to_id is not None

    return Probe(endpoint, "POST", url_for(endpoint), {"id": new.id, "version": new.version}, changed=taken)


def _assign_probe(endpoint, sample, world):
    from models import Referral

    coordinator = world.a.users["coordinator"]

    def assigned():
        return Referral.get_by_id(sample.id).assigned_to_id == coordinator.id

    return Probe(endpoint, "POST", url_for(endpoint), {"id": sample.id, "user": coordinator.id}, changed=assigned)


def _contact_probe(endpoint, sample, world):
    from models import Contact

    before = Contact.select().where(Contact.referral == sample.id).count()

    def recorded():
        return Contact.select().where(Contact.referral == sample.id).count() == before + 1

    data = {"id": sample.id, "contact-date": datetime.date.today().isoformat(), "contact-minutes": "10"}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=recorded)


def _note_probe(endpoint, sample, world):
    from models import CaseNote

    def written():
        return CaseNote.select().where(CaseNote.referral == sample.id).exists()

    data = {"id": sample.id, "note-date": datetime.date.today().isoformat(), "note-text": "Ringede tilbage"}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=written)


def _practice_probe(endpoint, sample, world):
    from models import Activity

    def started():
        return Activity.select().where((Activity.name == "Matrix-café") & Activity.is_practice).exists()

    data = {"id": sample.id, "practice-name": "Matrix-café", "practice-partner": world.a.partner.id}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=started)


CASE_ACTIONS = {
    "take_view": _take_probe,
    "assign_view": _assign_probe,
    "contact_view": _contact_probe,
    "note_view": _note_probe,
    "practice_view": _practice_probe,
}


def _exists(record):
    model = type(record)
    return model.select().where(model.id == record.id).exists()


def observe(client, probe):
    """The outcome of one probe, as one of the MATRIX values, plus anything else wrong with it."""
    if not probe.url:
        return "no probe for this endpoint: teach build_probes its URL", []
    response = client.open(probe.url, method=probe.method, data=probe.data)
    body = response.get_data().decode("utf-8", "replace")  # a data package is a zip
    problems = []
    if "Traceback" in body or re.search(r'File "[^"]+\.py", line \d+', body):
        problems.append(f"the {response.status_code} page shows a Python traceback")
    status = response.status_code
    if status == 302:
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next" in parse_qs(location.query):
            wanted = urlsplit(probe.url).path
            if not parse_qs(location.query)["next"][0].startswith(wanted):
                problems.append(f"login redirect's next= is not {wanted}: {response.headers['Location']}")
            return LOGIN, problems
        if probe.target is not None:
            return (DENIED if _exists(probe.target) else DELETED), problems
        if probe.changed is not None:
            return (MOVED if probe.changed() else DENIED), problems
        if location.path.startswith("/admin/") and location.path != "/admin/":
            return DENIED, problems
        if location.path.startswith("/partner/register/"):
            return TO_REGISTER, problems
        return f"302 to {location.path}", problems
    if probe.target is not None and not _exists(probe.target):
        problems.append(f"answered {status} but deleted the record")
    if status == 200 and probe.endpoint.endswith(".export") and response.mimetype != "text/csv":
        return f"200 with {response.mimetype} instead of CSV", problems
    is_lookup = status == 200 and probe.endpoint.endswith(".ajax_lookup")
    if is_lookup and (response.mimetype != "application/json" or not isinstance(json.loads(body), list)):
        return f"200 with {response.mimetype} instead of a JSON list", problems
    return str(status), problems


def app_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules()} - EXCLUDED_ENDPOINTS
