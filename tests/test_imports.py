"""Spreadsheet import (issue 10): preview, row errors in Danish, all or nothing, idempotent
re-import, the export round trip, the workflow rules for cases, and bad files."""

import csv
import datetime
import io

import openpyxl
import pytest

from models import AuditLog, CaseClosure, Citizen, Partner, Referral, ReferralChannel, catalogue
from models.imports import ImportBatch, ImportFailed, commit_import, preview_import
from models.workflow import StatusChange
from tests import factories
from tests.import_data import CITIZEN_HEADER, REFERRAL_HEADER, citizens, to_csv


def to_xlsx(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, kind, filename, data):
    # The body built in memory (the test client would spool a big one to an unclosed temp file).
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    fields = MultiDict([("kind", kind), ("file", FileStorage(io.BytesIO(data), filename=filename))])
    boundary, body = encode_multipart(fields)
    return client.post(
        "/admin/import/",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )


def test_preview_says_per_row_what_happens_and_writes_nothing(login, world):
    client = login(world.a.users["admin"])
    before = Citizen.select().count()
    response = upload(client, "citizens", "borgere.csv", to_csv(CITIZEN_HEADER, citizens(3)))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 rækker: 3 nye" in body
    assert body.count("table-success") == 3
    assert Citizen.select().count() == before
    batch = ImportBatch.get(ImportBatch.organisation == world.a.org.id)
    assert batch.status == "previewed"
    # Commit: now they exist, in the importer's organisation only, audited.
    response = client.post("/admin/import/commit", data={"batch": batch.id})
    assert response.status_code == 302
    assert (
        Citizen.select().where((Citizen.organisation == world.a.org.id) & Citizen.external_id.startswith("B-")).count()
        == 3
    )
    assert (
        not Citizen.select()
        .where((Citizen.organisation == world.b.org.id) & Citizen.external_id.is_null(False))
        .exists()
    )
    batch = ImportBatch.get_by_id(batch.id)
    assert (batch.status, batch.created, batch.content) == ("committed", 3, None)
    assert AuditLog.select().where((AuditLog.action == "import") & (AuditLog.record_id == batch.id)).exists()
    assert AuditLog.select().where((AuditLog.action == "create") & (AuditLog.model == "Citizen")).count() == 3
    # A batch is committed once.
    assert client.post("/admin/import/commit", data={"batch": batch.id}).status_code == 404


def test_an_abandoned_preview_does_not_keep_its_file(login, world):
    client = login(world.a.users["admin"])
    upload(client, "citizens", "første.csv", to_csv(CITIZEN_HEADER, citizens(2)))
    first = ImportBatch.get(ImportBatch.filename == "første.csv")
    assert first.content is not None
    upload(client, "citizens", "anden.csv", to_csv(CITIZEN_HEADER, citizens(2)))
    first = ImportBatch.get_by_id(first.id)
    assert (first.status, first.content) == ("cancelled", None)
    assert client.post("/admin/import/commit", data={"batch": first.id}).status_code == 404
    # Another admin's batch is not this admin's to commit.
    other_admin = factories.make_user(world.a.org, "admin")
    second = ImportBatch.get(ImportBatch.filename == "anden.csv")
    assert login(other_admin).post("/admin/import/commit", data={"batch": second.id}).status_code == 404
    assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()


def test_row_errors_are_reported_per_row_and_column_in_danish(login, world):
    client = login(world.a.users["admin"])
    rows = citizens(20)
    rows[15][3] = 1820  # spreadsheet row 17 (the header is row 1)
    rows[3][4] = "hest"
    response = upload(client, "citizens", "borgere.xlsx", to_xlsx(CITIZEN_HEADER, rows))
    body = response.get_data(as_text=True)
    assert "række 17: fødselsår 1820 er ikke muligt" in body
    assert "række 5: køn “hest” er ikke en af:" in body
    rows[15][4] = "hest"  # two problems in one row: both are reported
    body = upload(client, "citizens", "borgere.xlsx", to_xlsx(CITIZEN_HEADER, rows)).get_data(as_text=True)
    assert "række 17: fødselsår 1820 er ikke muligt" in body and "række 17: køn “hest”" in body
    assert "Intet kan importeres" in body
    assert 'id="commit"' not in body  # no commit button with errors
    assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()


def test_lists_are_matched_by_code_or_name_and_unknown_values_are_never_created(app, world):
    admin = world.a.users["admin"]
    with app.test_request_context():
        commit_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, citizens(3)))
        channels = ReferralChannel.select().count()
        rows = [
            ["H-1", "B-1", "2024-01-02", "PRAKTISERENDE LAEGE", "social isolation", "modtaget", "", "", "", ""],
            ["H-2", "B-2", "2024-01-02", "gp", "bereavement; Andet", "Received", "", "", "", ""],
            ["H-3", "B-3", "2024-01-02", "Naboen", "", "modtaget", "", "", "", ""],
        ]
        result = preview_import(admin, "referrals", "h.csv", to_csv(REFERRAL_HEADER, rows))
        assert [r.action for r in result.rows] == ["create", "create", "error"]
        assert "kanal “Naboen”" in result.problems[0] or "Naboen" in result.problems[0]
        assert result.rows[0].values["channel"].code == catalogue.GP
        assert result.rows[1].values["channel"].code == catalogue.GP
        assert len(result.rows[1].values["reasons"]) == 2
        assert ReferralChannel.select().count() == channels


def test_a_failed_import_leaves_nothing_behind(app, world, monkeypatch):
    admin = world.a.users["admin"]
    with app.test_request_context():
        rows = citizens(5)
        rows[4][3] = "nitten hundrede"
        with pytest.raises(ImportFailed):
            commit_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, rows))
        assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()

        # A failure after the rows are written (the audit log refuses) undoes the rows too.
        def refuse(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(AuditLog, "record", refuse)
        with pytest.raises(RuntimeError):
            commit_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, citizens(450)))
        assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()
        assert not ImportBatch.select().exists()
        assert not AuditLog.select().where(AuditLog.action == "import").exists()


def test_importing_the_same_file_again_changes_nothing(app, world):
    admin = world.a.users["admin"]
    builder = world.a.users["bridge_builder"]
    citizen_file = to_csv(CITIZEN_HEADER, citizens(4))
    referral_file = to_xlsx(
        REFERRAL_HEADER,
        [
            [
                "H-1",
                "B-1",
                datetime.date(2024, 1, 2),
                "gp",
                "social_isolation",
                "aktiv",
                datetime.date(2024, 1, 5),
                builder.email,
                None,
                None,
            ],
            ["H-2", "B-2", "02.01.2024", "Hjemmepleje", "", "lukket", "2024-01-03", "", "2024-06-30", "Død"],
        ],
    )
    with app.test_request_context():
        commit_import(admin, "citizens", "b.csv", citizen_file)
        commit_import(admin, "referrals", "h.xlsx", referral_file)
        counts = (
            Citizen.select().count(),
            Referral.select().count(),
            StatusChange.select().count(),
            CaseClosure.select().count(),
        )
        again_citizens = commit_import(admin, "citizens", "b.csv", citizen_file)
        again_referrals = commit_import(admin, "referrals", "h.xlsx", referral_file)
        assert again_citizens["unchanged"] == 4 and again_citizens["create"] == again_citizens["update"] == 0
        assert again_referrals["unchanged"] == 2 and again_referrals["create"] == 0
        after = (
            Citizen.select().count(),
            Referral.select().count(),
            StatusChange.select().count(),
            CaseClosure.select().count(),
        )
        assert after == counts
        # A changed citizen is updated; a changed case is left alone (the workflow owns it).
        changed = citizens(4)
        changed[0][1] = "Borger Omdøbt"
        result = preview_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, changed))
        assert [r.action for r in result.rows] == ["update", "unchanged", "unchanged", "unchanged"]
        assert result.rows[0].changes == ["navn"]


def test_imported_cases_keep_the_workflow(app, world):
    admin = world.a.users["admin"]
    builder = world.a.users["bridge_builder"]
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    with app.test_request_context():
        commit_import(admin, "citizens", "b.csv", to_csv(CITIZEN_HEADER, citizens(2)))
        bad = [
            ["H-1", "B-1", "2024-01-02", "gp", "", "lukket", "2024-01-05", "", "", ""],
            ["H-2", "B-2", "2024-01-02", "gp", "", "aktiv", future, "", "", ""],
            ["H-3", "B-9", "2024-01-02", "gp", "", "modtaget", "", world.b.users["bridge_builder"].email, "", ""],
            ["H-4", "B-1", "2024-03-02", "gp", "", "modtaget", "2024-01-05", "", "", ""],
        ]
        result = preview_import(admin, "referrals", "h.csv", to_csv(REFERRAL_HEADER, bad))
        text = " ".join(result.problems)
        assert "række 2: et afsluttet forløb skal have lukket." in text
        assert "række 2: et afsluttet forløb skal have lukkeårsag." in text
        assert "række 3: første_kontakt kan ikke ligge i fremtiden" in text
        assert "række 4: der er ingen borger B-9" in text and "er ikke en aktiv brobygger" in text
        assert "række 5: første_kontakt kan ikke være før henvisningen blev modtaget" in text
        good = [["H-1", "B-1", "2024-01-02", "gp", "", "lukket", "2024-01-05", builder.email, "2024-05-01", "bridged"]]
        commit_import(admin, "referrals", "h.csv", to_csv(REFERRAL_HEADER, good))
        case = Referral.get(Referral.external_id == "H-1")
        assert case.status == "closed" and case.assigned_to_id == builder.id
        closure = CaseClosure.get(CaseClosure.referral == case.id)
        assert closure.closed_on == datetime.date(2024, 5, 1) and closure.reason.code == "bridged"
        steps = [
            (s.from_status, s.to_status)
            for s in StatusChange.select()
            .where(StatusChange.referral == case.id)
            .order_by(StatusChange.at, StatusChange.id)
        ]
        assert steps == [(None, "received"), ("received", "contacted"), ("contacted", "active"), ("active", "closed")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(login, world, fmt):
    a = world.a
    factories.make_citizen(a.org, name="Åse Østergaard", birth_year=1931, anonymous=False, lives_alone=True)
    other = factories.make_referral(
        a.org,
        assigned_to=a.users["bridge_builder"],
        first_contact_on=datetime.date(2025, 1, 10),
        status="active",
        received_on=datetime.date(2025, 1, 2),
    )
    del other
    client = login(a.users["admin"])
    for kind in ("partners", "activities", "citizens", "referrals"):
        response = client.get(f"/admin/import/export/{kind}.{fmt}")
        assert response.status_code == 200
        data = response.data
        if fmt == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            header = next(workbook.worksheets[0].iter_rows(values_only=True))
            workbook.close()
        else:
            header = next(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        template = client.get(f"/admin/import/template/{kind}.{fmt}")
        assert template.status_code == 200
        with client.application.test_request_context():
            result = preview_import(a.users["admin"], kind, f"x.{fmt}", data)
        assert result.ok, result.problems
        assert {r.action for r in result.rows} == {"unchanged"}, [(r.number, r.action, r.changes) for r in result.rows]
        assert len(header) == len(set(header))
    assert AuditLog.select().where(AuditLog.action == "export").count() == 4


def test_bad_files_get_a_clear_message(login, world):
    client = login(world.a.users["admin"])

    def message(filename, data, kind="citizens"):
        response = upload(client, kind, filename, data)
        assert response.status_code in (400, 413), response.status_code
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        start = body.index('id="import-error"')
        return body[start : start + 400]

    assert "Kun XLSX- og CSV-filer" in message("borgere.pdf", b"%PDF-1.4")
    assert "kunne ikke læses som XLSX" in message("borgere.xlsx", b"PK\x03\x04 not really a zip")
    assert "kunne ikke læses som XLSX" in message("borgere.xlsx", b"just text")
    assert "tom" in message("borgere.csv", b"")
    assert "ingen rækker" in message("borgere.csv", to_csv(CITIZEN_HEADER, []))
    assert "Ukendte kolonner" in message("borgere.csv", to_csv(["ekstern_id", "skostørrelse"], [["1", "42"]]))
    assert "kunne ikke læses som CSV" in message("borgere.csv", b"\x00\x01\x02binary")
    formula = to_xlsx(CITIZEN_HEADER, [["B-1", '=HYPERLINK("http://x")', "BN", 1950, "kvinde", "2450", "ja"]])
    body = upload(client, "citizens", "f.xlsx", formula).get_data(as_text=True)
    assert "række 2: navn indeholder en formel" in body
    assert "20000 kolonner" in message("bred.csv", to_csv([f"kolonne{i}" for i in range(20000)], [["x"] * 20000]))
    wide = to_xlsx([f"kolonne{i}" for i in range(16384)], [])  # the most columns an XLSX sheet can have
    assert "16384 kolonner" in message("bred.xlsx", wide)
    huge = b"ekstern_id;navn\n" + b"x" * (50 * 1024 * 1024)
    response = upload(client, "citizens", "stor.csv", huge)
    assert response.status_code == 413 and "større end 5 MB" in response.get_data(as_text=True)
    # Between the app's 2 MB request limit and the import's 5 MB: read and checked.
    three_mb = to_csv(CITIZEN_HEADER, citizens(2)) + b"\n" * (3 * 1024 * 1024)
    response = upload(client, "citizens", "tre.csv", three_mb)
    assert response.status_code == 200 and "2 rækker: 2 nye" in response.get_data(as_text=True)
    assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()


def test_too_many_rows_for_the_browser(make_app, world):
    app = make_app(IMPORT_MAX_ROWS=10)
    client = app.test_client()
    client.post("/login", data={"email": world.a.users["admin"].email, "password": factories.PASSWORD})
    response = upload(client, "citizens", "b.csv", to_csv(CITIZEN_HEADER, citizens(11)))
    assert response.status_code == 400
    assert "flask import-data" in response.get_data(as_text=True)


def test_import_never_reaches_another_organisation(app, world):
    admin = world.a.users["admin"]
    b_citizen = world.b.citizen
    with app.test_request_context():
        result = preview_import(
            admin,
            "citizens",
            "b.csv",
            to_csv(CITIZEN_HEADER, [[f"#{b_citizen.id}", "Kapret", "KA", 1950, "kvinde", "2450", "ja"]]),
        )
        assert result.rows[0].action == "error"
        rows = [["H-1", f"#{b_citizen.id}", "2024-01-02", "gp", "", "modtaget", "", "", "", ""]]
        result = preview_import(admin, "referrals", "h.csv", to_csv(REFERRAL_HEADER, rows))
        assert result.rows[0].action == "error"
        result = preview_import(
            admin,
            "activities",
            "a.csv",
            to_csv(["ekstern_id", "navn", "partner"], [["A-1", "Café", f"#{world.b.partner.id}"]]),
        )
        assert result.rows[0].action == "error"
    assert Citizen.get_by_id(b_citizen.id).name == b_citizen.name


def test_the_cli_imports_big_files_with_the_same_checks(app, runner, world, tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_bytes(to_csv(CITIZEN_HEADER, citizens(30)))
    args = [
        "import-data",
        str(path),
        "--kind",
        "citizens",
        "--organisation",
        world.a.org.slug,
        "--as",
        world.a.users["admin"].email,
    ]
    preview = runner.invoke(args=args)
    assert preview.exit_code == 0, preview.output
    assert not Citizen.select().where(Citizen.external_id.is_null(False)).exists()
    done = runner.invoke(args=[*args, "--commit"])
    assert done.exit_code == 0, done.output
    assert Citizen.select().where(Citizen.external_id.is_null(False)).count() == 30
    coordinator = runner.invoke(args=[*args[:-1], world.a.users["coordinator"].email])
    assert coordinator.exit_code != 0


def test_partners_and_activities(app, world):
    admin = world.a.users["admin"]
    with app.test_request_context():
        commit_import(
            admin,
            "partners",
            "p.csv",
            to_csv(
                ["ekstern_id", "navn", "type", "kontakt_email"],
                [["P-1", "Ældre Sagen Nord", "forening", "nord@example.dk"]],
            ),
        )
        partner = Partner.get(Partner.external_id == "P-1")
        assert partner.kind.code == "association"
        result = commit_import(
            admin,
            "activities",
            "a.csv",
            to_csv(
                ["ekstern_id", "navn", "partner", "kategori", "ugedag", "tidspunkt", "hyppighed", "øvefællesskab"],
                [
                    ["A-1", "Gåtur", "P-1", "walking", "mandag", "10:30", "ugentlig", "nej"],
                    ["A-2", "Strik", "ældre sagen nord", "kreativt", "", "", "", ""],
                ],
            ),
        )
        assert result["create"] == 2
        from models import Activity

        walk = Activity.get(Activity.external_id == "A-1")
        assert (walk.partner_id, walk.weekday, walk.start_time, walk.category.code) == (
            partner.id,
            0,
            datetime.time(10, 30),
            "walking",
        )
