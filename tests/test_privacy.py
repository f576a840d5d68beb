"""Privacy (issue 11): tags and introspection, the access report, erasure, retention, the audit
log's append-only rule, the record of processing, consents as data."""

import datetime
import inspect
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from peewee import ForeignKeyField, IntegerField

from models import (
    AuditLog,
    CaseClosure,
    Citizen,
    ClosureReason,
    Erasure,
    Instrument,
    Organisation,
    Referral,
    ReferralReasonLink,
    StatusChange,
)
from models.base import BaseModel
from models.listing import WaitingListEntry
from models.referral import CaseAssignment
from privacy import processing
from tests import factories

# Strings only the erased citizen has: none may survive an erasure anywhere in the database.
SECRETS = {
    "name": "Ingeborg Zyxwvutsen",
    "initials": "QZX",
    "phone": "55598761",
    "email": "zyxwvut@example.dk",
    "address": "Qwertyvej 17",
    "gp_practice": "Laegehuset Plmoknij",
    "consent_scope": "Samtykke Vbnhgtyr",
    "referrer_name": "Dr. Ujmnhytg",
    "referrer_phone": "44487650",
    "case_note": "Sagsnote Rfvtgbyh",
    "contact_note": "Samtalenote Edcrfvtg",
    "closing_note": "Afslutning Wsxedcrf",
    "collab_summary": "Resume Qazwsxed",
    "collab_scope": "Omfang Tgbyhnuj",
    "justification": "Begrundelse Ikolpmnb",
    "answer": "Svar Yhnujmik",
}


def full_citizen(world, secrets=SECRETS):
    """A citizen of world.a with one row of every kind that can refer to a citizen, and two
    closed cases, so an erasure and an access report have everything to deal with."""
    SECRETS = secrets  # noqa: N806 (the same names, this test's values)
    from models.referral import CaseNote
    from plugins.collaboration.models import CollaborationNote, GpFeedback
    from plugins.end_criteria.models import AgreedCriterion, ClosureCheck, ClosureReview, EndCriterion
    from plugins.intake.models import IntakeAnswer, IntakeSubmission

    a = world.a
    citizen = factories.make_citizen(
        a.org,
        name=SECRETS["name"],
        initials=SECRETS["initials"],
        birth_year=1941,
        gender="male",
        phone=SECRETS["phone"],
        email=SECRETS["email"],
        address=SECRETS["address"],
        gp_practice=SECRETS["gp_practice"],
        consent_scope=SECRETS["consent_scope"],
        lives_alone=True,
    )
    cases = []
    for received in (datetime.date(2023, 2, 1), datetime.date(2024, 3, 1)):
        case = factories.make_referral(
            a.org,
            citizen=citizen,
            received_on=received,
            referrer_name=SECRETS["referrer_name"],
            referrer_phone=SECRETS["referrer_phone"],
            note=SECRETS["case_note"],
            assigned_to=a.users["bridge_builder"],
            first_contact_on=received + datetime.timedelta(days=3),
        )
        ReferralReasonLink.create(referral=case, reason=a.reason)
        CaseAssignment.create(referral=case, assigned_to=a.users["bridge_builder"])
        WaitingListEntry.create(organisation=a.org, activity=a.other_activity, referral=case)
        factories.make_contact(case, note=SECRETS["contact_note"], minutes=45, date=received)
        factories.make_match(case, a.activity, status="joined", started_on=received)
        StatusChange.create(referral=case, from_status="received", to_status="contacted", note="reopened")
        reason = ClosureReason.select().where(ClosureReason.organisation == a.org).first()
        closure = CaseClosure.create(
            organisation=a.org,
            referral=case,
            closed_on=received + datetime.timedelta(days=100),
            reason=reason,
            note=SECRETS["closing_note"],
        )
        Referral.update(status="closed").where(Referral.id == case.id).execute()
        instrument = Instrument.select().where(Instrument.organisation == a.org).first()
        from models import Measurement

        Measurement.create(
            organisation=a.org,
            referral=case,
            instrument=instrument,
            phase="intake",
            taken_on=received,
            answers=json.dumps([1] * len(instrument.item_list)),
            score=float(len(instrument.item_list)),
        )
        service = factories.make_partner(a.org, name=f"Socialpsykiatrien {case.id}")
        CollaborationNote.create(
            organisation=a.org,
            referral=case,
            service=service,
            date=received,
            consent_on=received,
            consent_scope=SECRETS["collab_scope"],
            summary=SECRETS["collab_summary"],
        )
        CaseNote.create(organisation=a.org, referral=case, date=received, text=SECRETS["collab_summary"] + " (note)")
        GpFeedback.create(organisation=a.org, referral=case, form="print")
        criterion = EndCriterion.create(organisation=a.org, name=f"Kriterium {case.id}", required=True)
        AgreedCriterion.create(referral=case, criterion=criterion, agreed_on=received)
        ClosureCheck.create(closure=closure, criterion=criterion, met=False)
        ClosureReview.create(closure=closure, unmet_required=1, justification=SECRETS["justification"])
        IntakeSubmission.create(
            organisation=a.org, token=f"tok-{case.id}", reference=f"REF-{case.id}", referral=case, source="staff_intake"
        )
        IntakeAnswer.create(
            organisation=a.org,
            referral=case,
            question_label="Hvad ønsker du?",
            kind="long_text",
            value=json.dumps(SECRETS["answer"]),
        )
        IntakeAnswer.create(organisation=a.org, referral=case, question_label="Bor alene?", kind="yes_no", value="true")
        cases.append(case)
    factories.make_attendance(a.other_session, citizen)
    return Citizen.get_by_id(citizen.id), cases


# -- tags and introspection ------------------------------------------------------------------
def test_every_field_of_every_model_referring_to_a_citizen_is_tagged(app):
    tables = {m._meta.table_name for m, _fks in processing.citizen_models()}
    # Core and plugin models, found through their foreign keys (a closing's review through the closing).
    assert {"citizen", "referral", "contact", "match", "attendance", "measurement", "case_closure"} <= tables
    assert {"collab_note", "collab_gp_feedback", "intake_answer", "ec_closure_review", "ec_closure_check"} <= tables
    assert processing.untagged_fields() == []


def test_a_new_model_referring_to_a_citizen_is_found_and_must_be_tagged(app):
    class Diary(BaseModel):  # a model someone adds later, two steps away from the citizen
        contact = ForeignKeyField(factories.Contact, backref="+")
        mood = IntegerField(null=True)

        class Meta:
            table_name = "test_diary"

    try:
        models = [*processing.all_models(), Diary]
        assert Diary in dict(processing.citizen_models(models))
        assert processing.untagged_fields(models) == ["test_diary.contact", "test_diary.mood"]
        assert Diary not in processing.all_models()  # test models never leak into the app's inventory
    finally:  # the foreign key registered itself on Contact: unregister it (delete checks walk it)
        Diary._meta.remove_ref(Diary.contact)


# -- art. 15: the access report --------------------------------------------------------------
def test_access_report_covers_every_model_and_the_access_log(app, world, login):
    from privacy.access_report import collect

    citizen, cases = full_citizen(world)
    admin = world.a.users["admin"]
    c = login(admin)
    assert c.get(f"/admin/citizen/details/?id={citizen.id}").status_code == 200  # logged as a view
    with app.test_request_context():
        report = collect(citizen, producer=admin.name)
    by_table = {s["table"]: s for s in report["sections"]}
    # Completeness: every model that refers to the citizen has a section, and each has rows here.
    assert set(by_table) == {m._meta.table_name for m, _fks in processing.citizen_models()}
    empty = [table for table, section in by_table.items() if not section["rows"]]
    assert empty == [], f"add rows of these models to full_citizen(): {empty}"
    assert by_table["citizen"]["rows"][0]["name"] == SECRETS["name"]
    assert len(by_table["referral"]["rows"]) == 2
    assert {r["note"] for r in by_table["contact"]["rows"]} == {SECRETS["contact_note"]}
    # The access log: who (name and role) did what to which record, when.
    views = [e for e in report["access_log"] if e["action"] == "view" and e["record_type"] == "Citizen"]
    assert views and views[-1]["user"] == admin.name and views[-1]["role"] == "Administrator"
    json.dumps(report)  # machine-readable as it is


def test_access_report_pdf_and_zip_are_produced_and_audited(app, world, login):
    citizen, _cases = full_citizen(world)
    coordinator = world.a.users["coordinator"]
    c = login(coordinator)
    page = c.get(f"/admin/citizen/details/?id={citizen.id}")
    assert b"access-report-pdf" in page.data and b"who-saw-citizen" not in page.data  # who-saw: admins only
    response = c.get(f"/admin/privacy/report.pdf?id={citizen.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Indsigt" in text and SECRETS["name"] in text and "Adgangslog" in text and coordinator.name in text
    response = c.get(f"/admin/privacy/report.zip?id={citizen.id}")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == [f"indsigt-{citizen.id}.json", f"indsigt-{citizen.id}.pdf"]
    data = json.loads(archive.read(f"indsigt-{citizen.id}.json"))
    assert data["citizen_number"] == citizen.id
    assert any(e["action"] == "access_report" for e in data["access_log"])  # the PDF before it is logged
    produced = AuditLog.select().where(
        (AuditLog.action == "access_report") & (AuditLog.record_id == citizen.id) & (AuditLog.user == coordinator.id)
    )
    assert produced.count() == 2


@pytest.mark.parametrize("role", ["bridge_builder", "partner", "evaluator"])
def test_access_report_is_for_admins_and_coordinators_only(world, login, role):
    c = login(world.a.users[role])
    for url in ("report.pdf", "report.zip", "log/", "erase/"):
        assert c.get(f"/admin/privacy/{url}?id={world.a.citizen.id}").status_code == 403


def test_another_organisations_citizen_is_not_found(world, login):
    c = login(world.a.users["admin"])
    for url in ("report.pdf", "report.zip", "log/", "erase/"):
        assert c.get(f"/admin/privacy/{url}?id={world.b.citizen.id}").status_code == 404
    assert (
        c.post(f"/admin/privacy/erase/?id={world.b.citizen.id}", data={"reason": "request", "confirm": "y"}).status_code
        == 404
    )
    assert Citizen.get_by_id(world.b.citizen.id).erased_at is None


def test_who_saw_a_citizen_for_admins(world, login):
    a = world.a
    login(a.users["bridge_builder"]).get(f"/admin/referral/details/?id={a.referral.id}")
    login(a.users["coordinator"]).get(f"/admin/citizen/details/?id={a.citizen.id}")
    admin = login(a.users["admin"])
    page = admin.get(f"/admin/privacy/log/?id={a.citizen.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert a.users["bridge_builder"].name in text and a.users["coordinator"].name in text
    assert "Brobygger" in text and "Koordinator" in text
    assert login(a.users["coordinator"]).get(f"/admin/privacy/log/?id={a.citizen.id}").status_code == 403


# -- art. 17: erasure --------------------------------------------------------------------------
PERIOD = (datetime.date(2020, 1, 1), datetime.date.today())


def _plain(value):
    """Figures as plain data (lazy strings as text, rows as dicts) so before/after compare."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__data__"):
        return _plain(dict(value.__data__))
    if isinstance(value, int | float | str | bool | datetime.date) or value is None:
        return value
    return str(value)


def _call_report(function, user):
    """Call a report function with what it asks for: the user, and a period if it takes one."""
    params = list(inspect.signature(function).parameters)
    if len(params) >= 3:
        return function(user, *PERIOD)
    return function(user)


def report_functions():
    """Every report of the organisation, by name → function(user[, start, end]).

    The built-in ones below, plus every public function of a `reports` module if there is one
    (its REPORTS dict when it has one): a new report is covered without editing this test."""
    from admin.overview import figures_for
    from models import Referral
    from plugins.end_criteria.service import summary

    found = {
        "overview": figures_for,
        "closures": summary,
        "caseload (team)": lambda user: sorted(r.id for r in Referral.open_for(user, team=True)),
        "caseload (own)": lambda user: sorted(r.id for r in Referral.open_for(user)),
    }
    import importlib

    for name in ("reports", "models.reports"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        registry = getattr(module, "REPORTS", None)
        if registry is None:
            registry = {
                n: f
                for n, f in inspect.getmembers(module, inspect.isfunction)
                if not n.startswith("_")
                and f.__module__ == module.__name__
                and list(inspect.signature(f).parameters)[:1] == ["user"]
            }
        found.update({f"{name}.{n}": f for n, f in registry.items()})
    return found


def all_figures(world):
    users = [world.a.users[r] for r in ("admin", "coordinator", "bridge_builder", "evaluator")]
    return {
        (name, user.role): _plain(_call_report(function, user))
        for name, function in report_functions().items()
        for user in users
    }


def erase_via_page(login, admin, citizen, **data):
    return login(admin).post(
        f"/admin/privacy/erase/?id={citizen.id}", data={"reason": "request", "confirm": "y", **data}
    )


def test_every_report_gives_the_same_figures_after_an_erasure(app, world, login):
    citizen, cases = full_citizen(world)
    for status in ("received", "active", "closed", "declined"):  # company: other citizens and cases
        factories.make_referral(world.a.org, citizen=factories.make_citizen(world.a.org, gender="male"), status=status)
    with app.test_request_context():
        before = all_figures(world)
    response = erase_via_page(login, world.a.users["admin"], citizen)
    assert response.status_code == 302
    erased = Citizen.get_by_id(citizen.id)
    assert erased.erased_at is not None and erased.name is None and erased.initials == f"#{citizen.id}"
    assert erased.birth_year is None and erased.gender == "male"
    assert [Referral.get_by_id(c.id).age_band for c in cases] == ["80-89", "80-89"]  # 1941: 82 and 83 at referral
    with app.test_request_context():
        after = all_figures(world)
    assert set(after) == set(before)
    for key in before:
        assert after[key] == before[key], key


def test_erasure_leaves_a_pseudonymous_tombstone_and_no_name_in_the_audit(app, world, login):
    citizen, cases = full_citizen(world)
    admin = world.a.users["admin"]
    before = AuditLog.select().count()
    assert erase_via_page(login, admin, citizen, reason="consent_withdrawn").status_code == 302
    tombstone = Erasure.get(Erasure.citizen_number == citizen.id)
    assert (tombstone.by_id, tombstone.reason, tombstone.cases) == (admin.id, "consent_withdrawn", 2)
    entry = AuditLog.select().where(AuditLog.action == "erase").get()
    assert (entry.model, entry.record_id, entry.user_id) == ("Citizen", citizen.id, admin.id)
    assert AuditLog.select().count() > before  # nothing of the log was removed
    page = login(admin).get(f"/admin/citizen/details/?id={citizen.id}").get_data(as_text=True)
    assert SECRETS["name"] not in page and f"#{citizen.id}" in page


def test_erasing_twice_or_with_an_open_case_is_refused_and_changes_nothing(app, world, login):
    admin = world.a.users["admin"]
    open_citizen = world.a.citizen  # world.a.referral is open
    response = erase_via_page(login, admin, open_citizen)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"#{world.a.referral.id}" in text and "åben" in text
    assert Citizen.get_by_id(open_citizen.id).name == open_citizen.name and Erasure.select().count() == 0

    citizen, _cases = full_citizen(world)
    unconfirmed = erase_via_page(login, admin, citizen, confirm="")
    assert unconfirmed.status_code == 200 and Citizen.get_by_id(citizen.id).erased_at is None
    assert erase_via_page(login, admin, citizen).status_code == 302
    again = erase_via_page(login, admin, citizen)
    assert again.status_code == 200 and "allerede anonymiseret" in again.get_data(as_text=True)
    assert Erasure.select().count() == 1 and AuditLog.select().where(AuditLog.action == "erase").count() == 1


def test_an_erasure_that_fails_half_way_leaves_everything_as_it_was(app, world, monkeypatch):
    from privacy import erasure

    citizen, cases = full_citizen(world)
    original = erasure._derived

    def fail_on_referral(model, ids, citizen_id):
        if model is Referral:
            raise RuntimeError("disk full")
        return original(model, ids, citizen_id)

    monkeypatch.setattr(erasure, "_derived", fail_on_referral)
    with app.app_context(), pytest.raises(RuntimeError):
        erasure.erase(citizen, world.a.users["admin"])
    kept = Citizen.get_by_id(citizen.id)
    assert (kept.name, kept.erased_at, kept.birth_year) == (SECRETS["name"], None, 1941)
    assert Referral.get_by_id(cases[0].id).referrer_name == SECRETS["referrer_name"]
    assert Erasure.select().count() == 0


def _scan_postgres(database, secrets):
    """Every text column of every table, searched for each secret (case-insensitively)."""
    columns = database.execute_sql(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
    ).fetchall()
    found = []
    for table, column in columns:
        for secret in secrets.values():
            hit = database.execute_sql(
                # Identifiers come from information_schema, the value is a parameter.
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',  # noqa: S608
                (f"%{secret}%",),
            ).fetchone()
            if hit:
                found.append((table, column, secret))
    return found


def _scan_sqlite_file(path, secrets):
    data = b"".join(Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal") if Path(f"{path}{suffix}").exists())
    data = data.lower()
    return [secret for secret in secrets.values() if secret.lower().encode() in data]


def test_no_string_of_an_erased_citizen_is_left_in_the_database(app, world, login, database_url):
    from extensions import db

    # Strings of this test alone: earlier tests' rows were emptied without secure_delete.
    suffix = uuid.uuid4().hex[:8]
    secrets = {key: f"{value} {suffix}" for key, value in SECRETS.items()}
    citizen, _cases = full_citizen(world, secrets)
    is_sqlite = database_url.startswith("sqlite")
    path = database_url.split("sqlite:///", 1)[1] if is_sqlite else None
    if is_sqlite:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert len(_scan_sqlite_file(path, secrets)) == len(secrets)  # the scan finds them while they are there
        assert db.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1
    else:
        assert len({s for _t, _c, s in _scan_postgres(db.obj, secrets)}) == len(secrets)
    assert erase_via_page(login, world.a.users["admin"], citizen).status_code == 302
    if is_sqlite:
        db.close()
        assert _scan_sqlite_file(path, secrets) == []
    else:
        assert _scan_postgres(db.obj, secrets) == []


# -- the audit log is append-only --------------------------------------------------------------
def test_the_audit_log_refuses_update_and_delete_in_the_database(app, world, login):
    from peewee import DatabaseError

    from extensions import db

    login(world.a.users["admin"]).get(f"/admin/citizen/details/?id={world.a.citizen.id}")
    entry = AuditLog.select().order_by(AuditLog.id.desc()).first()
    for statement in (
        AuditLog.update(record_id=entry.record_id + 1000).where(AuditLog.id == entry.id),
        AuditLog.delete().where(AuditLog.id == entry.id),
    ):
        with pytest.raises(DatabaseError, match="append-only"), db.atomic():
            statement.execute()
    assert AuditLog.get_by_id(entry.id).record_id == entry.record_id
    # The one change allowed: a page fills in how many rows it showed, once.
    fresh = AuditLog.create(organisation=world.a.org, action="list", model="Citizen")
    AuditLog.update(rows=3).where(AuditLog.id == fresh.id).execute()
    with pytest.raises(DatabaseError, match="append-only"), db.atomic():
        AuditLog.update(rows=4).where(AuditLog.id == fresh.id).execute()
    with pytest.raises(DatabaseError, match="append-only"), db.atomic():
        AuditLog.update(rows=None, action="view").where(AuditLog.id == fresh.id).execute()
    assert (AuditLog.get_by_id(fresh.id).rows, AuditLog.get_by_id(fresh.id).action) == (3, "list")


# -- retention -------------------------------------------------------------------------------
def _ended_case(org, closed_on=None, declined_on=None, **citizen):
    """A citizen with one case that was closed on `closed_on` or declined on `declined_on`."""
    person = factories.make_citizen(org, **citizen)
    case = factories.make_referral(
        org, citizen=person, received_on=(closed_on or declined_on) - datetime.timedelta(days=30)
    )
    if closed_on:
        reason = ClosureReason.select().where(ClosureReason.organisation == org).first()
        CaseClosure.create(organisation=org, referral=case, closed_on=closed_on, reason=reason)
        Referral.update(status="closed").where(Referral.id == case.id).execute()
    else:
        at = datetime.datetime.combine(declined_on, datetime.time(12))
        StatusChange.create(referral=case, from_status="received", to_status="declined", at=at)
        Referral.update(status="declined").where(Referral.id == case.id).execute()
    return person, case


def test_retention_dry_run_changes_nothing_and_the_run_is_idempotent(app, world, runner):
    org = world.a.org  # defaults: closed cases 24 months, declined referrals 6 months
    today = datetime.date(2026, 6, 1)
    old_closed, _ = _ended_case(org, closed_on=datetime.date(2024, 5, 1), name="Gammel Lukket")
    young_closed, _ = _ended_case(org, closed_on=datetime.date(2025, 1, 1), name="Ung Lukket")
    old_declined, _ = _ended_case(org, declined_on=datetime.date(2025, 11, 1), name="Gammel Afvist")
    young_declined, _ = _ended_case(org, declined_on=datetime.date(2026, 3, 1), name="Ung Afvist")
    reopened, case = _ended_case(org, closed_on=datetime.date(2023, 1, 1), name="Genåbnet")
    factories.make_referral(org, citizen=reopened)  # a new, open case: never due
    due = {old_closed.id, old_declined.id}

    result = runner.invoke(args=["retention", "run", "--dry-run", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert {f"would anonymise citizen #{n}" in result.output for n in due} == {True}
    assert "2 citizen(s) would be anonymised; nothing was changed" in result.output
    assert Citizen.select().where(Citizen.erased_at.is_null(False)).count() == 0 and Erasure.select().count() == 0

    result = runner.invoke(args=["retention", "run", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "2 citizen(s) anonymised" in result.output
    erased = {c.id for c in Citizen.select().where(Citizen.erased_at.is_null(False))}
    assert erased == due
    assert {e.reason for e in Erasure.select()} == {"retention"} and Erasure.select().count() == 2
    assert Citizen.get_by_id(old_closed.id).name is None and Citizen.get_by_id(young_closed.id).name == "Ung Lukket"

    again = runner.invoke(args=["retention", "run", "--today", today.isoformat()])
    assert again.exit_code == 0 and "Nothing is due." in again.output and Erasure.select().count() == 2
    assert {young_declined.id, reopened.id}.isdisjoint(erased)


def test_an_interrupted_dry_run_leaves_nothing_behind(app, world):
    from privacy import retention

    org = world.a.org
    for n in range(3):
        _ended_case(org, closed_on=datetime.date(2020, 1, 1 + n))
    seen = []

    def interrupt(line):
        seen.append(line)
        raise KeyboardInterrupt  # Ctrl-C after the first line

    with app.app_context(), pytest.raises(KeyboardInterrupt):
        retention.run(dry_run=True, echo=interrupt)
    assert len(seen) == 1
    assert Citizen.select().where(Citizen.erased_at.is_null(False)).count() == 0 and Erasure.select().count() == 0


def test_coordinators_see_upcoming_anonymisations(world, login):
    org = world.a.org
    soon, _ = _ended_case(org, closed_on=datetime.date.today() - datetime.timedelta(days=24 * 30 + 5), name="Snart")
    later, _ = _ended_case(org, closed_on=datetime.date.today() - datetime.timedelta(days=30), name="Senere")
    text = login(world.a.users["coordinator"]).get("/admin/privacy/").get_data(as_text=True)
    assert "Kommende anonymiseringer" in text and "Snart" in text and "Senere" not in text
    assert login(world.b.users["coordinator"]).get("/admin/privacy/").get_data(as_text=True).count("Snart") == 0


@pytest.mark.parametrize(
    ("closed", "declined", "ok"),
    [("0", "6", False), ("1200", "6", False), ("24", "0", False), ("24", "61", False), ("12", "3", True)],
)
def test_retention_settings_are_validated(world, login, closed, declined, ok):
    org = world.a.org
    data = {
        "name": org.name,
        "slug": org.slug,
        "max_case_days": "365",
        "retention_closed_months": closed,
        "retention_declined_months": declined,
    }
    response = login(world.a.users["admin"]).post(f"/admin/organisation/edit/?id={org.id}", data=data)
    kept = Organisation.get_by_id(org.id)
    if ok:
        assert response.status_code == 302 and (kept.retention_closed_months, kept.retention_declined_months) == (12, 3)
    else:
        assert response.status_code == 200 and "opbevaringsperioden skal være mellem" in response.get_data(as_text=True)
        assert (kept.retention_closed_months, kept.retention_declined_months) == (24, 6)


def test_the_readme_gives_the_retention_command():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "flask --app app retention run" in readme and "## Privacy" in readme


# -- art. 30: the record of processing ----------------------------------------------------------
def test_record_of_processing_page_and_markdown(world, login):
    admin = login(world.a.users["admin"])
    page = admin.get("/admin/privacy/processing/").get_data(as_text=True)
    assert "Fortegnelse over behandlingsaktiviteter" in page and "Kontaktoplysninger" in page
    markdown = admin.get("/admin/privacy/processing.md")
    assert markdown.status_code == 200 and markdown.mimetype == "text/markdown"
    text = markdown.get_data(as_text=True)
    assert text.startswith("# Fortegnelse over behandlingsaktiviteter — Alfa")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == len(processing.record_of_processing())
    assert any("| Borger | Telefon | Kontaktoplysninger |" in row for row in rows)
    assert login(world.a.users["coordinator"]).get("/admin/privacy/processing.md").status_code == 403


# -- consents as data ------------------------------------------------------------------------------
def test_consents_are_recorded_each_with_date_and_how(world, login):
    a = world.a
    client = login(a.users["coordinator"])
    base = {"initials": "KB", "name": "Karen Bruun", "gender": "female", "version": str(a.citizen.version)}
    refused = client.post(
        f"/admin/citizen/edit/?id={a.citizen.id}",
        data={**base, "gp_consent_on": "2025-02-01", "gp_consent_how": "__None"},
    )  # a date without how it was given
    assert refused.status_code == 200 and "Angiv, hvordan hvert samtykke er givet" in refused.get_data(as_text=True)
    saved = client.post(
        f"/admin/citizen/edit/?id={a.citizen.id}",
        data={
            **base,
            "consent_on": "2025-01-05",
            "consent_how": "oral",
            "gp_consent_on": "2025-02-01",
            "gp_consent_how": "written",
        },
    )
    assert saved.status_code == 302
    citizen = Citizen.get_by_id(a.citizen.id)
    assert (citizen.consent_how, citizen.gp_consent_on, citizen.gp_consent_how) == (
        "oral",
        datetime.date(2025, 2, 1),
        "written",
    )
    assert citizen.partner_consent_on == datetime.date(2025, 1, 1)  # untouched: each consent on its own


def test_gp_feedback_needs_the_gp_consent_not_the_contact_consent(world, login):
    a = world.a
    citizen = factories.make_citizen(a.org, gp_consent_on=None, gp_consent_how=None)  # contact consent only
    case = factories.make_referral(a.org, citizen=citizen, assigned_to=a.users["bridge_builder"])
    client = login(a.users["bridge_builder"])
    assert client.post("/admin/gp-feedback/", data={"id": case.id}).status_code == 302
    Citizen.update(gp_consent_on=datetime.date(2025, 3, 1), gp_consent_how="written").where(
        Citizen.id == citizen.id
    ).execute()
    assert client.post("/admin/gp-feedback/", data={"id": case.id}).status_code == 200


# -- issue 9.12 / DESIGN §6: what partners see of participants --------------------------------------
@pytest.mark.parametrize(
    ("match_status", "case_status", "partner_consent", "shown"),
    [
        ("suggested", "active", True, True),  # a first-time visitor can be ticked
        ("tried", "contacted", True, True),
        ("joined", "waiting", True, True),
        ("stopped", "active", True, False),
        ("joined", "closed", True, False),
        ("joined", "active", False, False),  # contact consent alone is not enough
    ],
)
def test_partners_see_only_consenting_participants_matched_on_an_open_case(
    world, login, match_status, case_status, partner_consent, shown
):
    a = world.a
    citizen = factories.make_citizen(
        a.org,
        name="Vibeke Deltager",
        initials="VD",
        partner_consent_on=datetime.date(2025, 1, 1) if partner_consent else None,
        partner_consent_how="written" if partner_consent else None,
    )
    case = factories.make_referral(a.org, citizen=citizen, status=case_status)
    factories.make_match(case, a.activity, status=match_status)
    factories.make_attendance(a.session, citizen)
    partner = login(a.users["partner"])
    lookup = partner.get("/admin/attendance/ajax/lookup/?name=citizen&query=vib").get_json()
    listed = "Vibeke" in partner.get("/admin/attendance/").get_data(as_text=True)
    assert (any(label == "Vibeke" for _id, label in lookup), listed) == (shown, shown)
    other = factories.make_match(factories.make_referral(a.org, citizen=citizen), a.other_activity, status="joined")
    assert other  # a match to another partner's activity never shows the citizen to this partner
    if not shown:
        assert "Vibeke" not in partner.get("/admin/attendance/").get_data(as_text=True)


def test_deleting_a_citizen_with_history_points_to_anonymisation(world, login):
    a = world.a
    response = login(a.users["admin"]).post("/admin/citizen/delete/", data={"id": a.citizen.id}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "vælg Anonymisér på borgerens side" in text and "arkivér" not in text
    assert Citizen.get_by_id(a.citizen.id).name == a.citizen.name
