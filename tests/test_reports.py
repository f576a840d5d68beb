"""The report page (Rapporter), its exports, the cases behind a figure, the network report and
the overview's counter — through the client, on both databases."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import AuditLog, Network, NetworkEvaluator, NetworkMember, Referral, StatusChange
from reports.report import report_data
from tests import factories
from tests.access_policy import FORBIDDEN, MATRIX, OK, ROLES
from tests.access_probes import app_endpoints, build_probes, observe

D = datetime.date
PERIOD = "start=2024-01-01&end=2024-12-31&on=2024-06-30"


def history(case, *steps):
    for on, status in steps:
        StatusChange.create(referral=case.id, to_status=status, effective_on=on)
    Referral.update(status=steps[-1][1]).where(Referral.id == case.id).execute()


@pytest.fixture
def data(app, world):
    """world.a: 7 women and 2 men in active collaboration on 30.06.2024, one man only received."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        a = world.a
        builder = a.users["bridge_builder"]
        cases = []
        for gender in ["female"] * 7 + ["male"] * 2:
            citizen = factories.make_citizen(a.org, gender=gender)
            case = factories.make_referral(a.org, citizen=citizen, received_on=D(2024, 2, 1), assigned_to=builder)
            history(case, (D(2024, 2, 3), "contacted"), (D(2024, 3, 1), "active"))
            cases.append(case)
        waiting = factories.make_citizen(a.org, gender="male")
        factories.make_referral(a.org, citizen=waiting, received_on=D(2024, 5, 1))
        db.close()
    return cases


def test_coordinators_see_every_figure_with_its_rule_and_links_to_its_cases(login, world, data):
    page = login(world.a.users["coordinator"]).get(f"/admin/reports/?{PERIOD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for rule in ("Aktivt samarbejde = ", "Nye borgere = ", "Henvisninger = ", "Afslutninger = ", "Sagsstamme = "):
        assert rule in html
    assert 'href="/admin/reports/cases/?figure=active' in html
    report = html.split('class="report-table"', 1)[1].rsplit("</section>", 1)[0]
    assert "<svg" in report and "<script" not in report and "style=" not in report  # strict-CSP safe
    # The men: two, the not yet contacted one not among them.
    client = login(world.a.users["coordinator"])
    listed = client.get(f"/admin/reports/cases/?figure=active&key=male&{PERIOD}")
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert body.count('href="/admin/referral/details/?id=') == 2


def test_evaluators_see_suppressed_counts_no_names_and_no_links(login, world, data):
    evaluator = login(world.a.users["evaluator"])
    html = evaluator.get(f"/admin/reports/?{PERIOD}").get_data(as_text=True)
    assert "&lt;5" in html  # the two men
    assert "/admin/reports/cases/" not in html and "/admin/referral/" not in html
    assert world.a.users["bridge_builder"].name not in html
    assert "Brobygger A" in html
    assert evaluator.get(f"/admin/reports/cases/?figure=active&{PERIOD}").status_code == 403


def test_bad_dates_get_a_danish_message_and_the_default_period(login, world):
    client = login(world.a.users["coordinator"])
    for query in ("start=2024-13-01", "start=2024-05-01&end=2024-01-01", "start=x&end=y", "start=1000-01-01"):
        page = client.get(f"/admin/reports/?{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Skriv datoerne som datoer" in html or "må ikke være efter" in html or "højst" in html
    export = client.get("/admin/reports/export/pdf/?start=2024-05-01&end=2024-01-01")
    assert export.status_code == 302


def test_exports_carry_organisation_period_reference_date_and_rules(login, world, data):
    client = login(world.a.users["coordinator"])
    csv_text = client.get(f"/admin/reports/export/csv/?{PERIOD}").get_data(as_text=True)
    assert world.a.org.name in csv_text and "2024-01-01 – 2024-12-31" in csv_text and "2024-06-30" in csv_text
    assert "Aktivt samarbejde = " in csv_text
    book = load_workbook(io.BytesIO(client.get(f"/admin/reports/export/xlsx/?{PERIOD}").data), read_only=True)
    assert len(book.sheetnames) > 10  # one sheet per table, after the front sheet
    front = [v for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v]
    assert world.a.org.name in front and "Aktivt samarbejde" in " ".join(map(str, front))
    pdf = client.get(f"/admin/reports/export/pdf/?{PERIOD}")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert world.a.org.name in text and "30.06.2024" in text and "Aktivt samarbejde" in text
    assert AuditLog.select().where((AuditLog.action == "export") & (AuditLog.model == "Report")).count() == 3


def test_export_cells_never_become_formulas(app, login, world):
    with app.app_context():
        db.connect(reuse_if_open=True)
        from models import ReferralChannel

        channel = ReferralChannel.create(organisation=world.a.org, name='=HYPERLINK("http://x")')
        factories.make_referral(world.a.org, channel=channel, received_on=D(2024, 3, 3))
        db.close()
    client = login(world.a.users["coordinator"])
    csv_text = client.get(f"/admin/reports/export/csv/?{PERIOD}").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text
    book = load_workbook(io.BytesIO(client.get(f"/admin/reports/export/xlsx/?{PERIOD}").data))
    values = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert not [c for c in values if c.data_type == "f"]


def test_the_report_takes_a_constant_number_of_queries(app, login, world, data):
    client = login(world.a.users["coordinator"])
    database = app.extensions["database"]

    def count():
        queries = []
        original = database.execute_sql

        def counting(sql, params=None, *args, **kwargs):
            queries.append(sql)
            return original(sql, params, *args, **kwargs)

        database.execute_sql = counting
        try:
            assert client.get(f"/admin/reports/?{PERIOD}").status_code == 200
        finally:
            database.execute_sql = original
        return len(queries)

    before = count()
    with app.app_context():
        db.connect(reuse_if_open=True)
        for _i in range(15):
            case = factories.make_referral(world.a.org, received_on=D(2024, 4, 1))
            history(case, (D(2024, 4, 2), "contacted"))
        db.close()
    assert count() == before
    assert before < 60


def test_report_data_is_plain_data(app, world, data):
    with app.app_context():
        db.connect(reuse_if_open=True)
        figures = report_data((world.a.org.id,), D(2024, 1, 1), D(2024, 12, 31), D(2024, 6, 30))
        db.close()
    assert figures["active"]["total"] == 9
    assert figures["active"]["groups"]["male"]["n"] == 2
    assert figures["new"]["total"] == 10
    import json

    json.dumps(figures, default=str)  # nothing but dicts, lists, numbers, strings and dates


def test_a_network_evaluator_sees_only_the_member_organisations_suppressed(app, login, world, data):
    with app.app_context():
        db.connect(reuse_if_open=True)
        network = Network.create(name="Region Syd", slug="region-syd")
        NetworkMember.create(network=network, organisation=world.a.org)
        outside = factories.make_org(name="Udenfor Frivilligcenter")
        factories.make_referral(outside, received_on=D(2024, 3, 1))
        evaluator = factories.make_user(outside, "network_evaluator", name="Nina Netværk")
        NetworkEvaluator.create(network=network, user=evaluator)
        lonely = factories.make_user(outside, "network_evaluator", name="Uden Netværk")
        db.close()
    client = login(evaluator)
    html = client.get(f"/admin/network-report/?{PERIOD}").get_data(as_text=True)
    assert (
        world.a.org.name in html and "Udenfor Frivilligcenter" not in html.split('id="report-organisations"')[1][:200]
    )
    assert world.b.org.name not in html
    assert "&lt;5" in html and "/admin/referral/" not in html
    assert client.get(f"/admin/network-report/export/pdf/?{PERIOD}").mimetype == "application/pdf"
    assert client.get(f"/admin/reports/?{PERIOD}").status_code == 403
    assert client.get("/admin/referral/").status_code == 403
    nobody = login(lonely)
    assert "ikke evaluator for noget netværk" in nobody.get("/admin/network-report/").get_data(as_text=True)
    assert nobody.get("/admin/network-report/export/csv/").status_code == 404
    assert login(world.a.users["evaluator"]).get("/admin/network-report/").status_code == 403


def test_the_overview_counts_only_men_in_active_collaboration(login, world, data):
    html = login(world.a.users["coordinator"]).get("/admin/").get_data(as_text=True)
    # 2 men active today (from the history); the man only received and world.a's case are not.
    assert '>2</div><div class="text-muted">Mænd i aktivt samarbejde' in html.replace("\n", "").replace("  ", "")


def test_a_network_evaluator_reaches_nothing_but_the_overview_and_the_network_report(app, world, login):
    """The access matrix's evaluator column, for the network evaluator role (not a column there)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        network = Network.create(name="Landsnetværk", slug="land")
        NetworkMember.create(network=network, organisation=world.a.org)
        user = factories.make_user(world.a.org, "network_evaluator", name="Nora Netværk")
        NetworkEvaluator.create(network=network, user=user)
        db.close()
    client = login(user)
    evaluator = ROLES.index("evaluator")
    expected = {endpoint: row[evaluator] for endpoint, row in MATRIX.items()}
    expected.update({"reports.index": FORBIDDEN, "reports.export": FORBIDDEN})
    expected.update({"network_report.index": OK, "network_report.export": OK})
    mismatches = []
    for probe in build_probes(app, world, sorted(app_endpoints(app) & MATRIX.keys())):
        actual, problems = observe(client, probe)
        if actual != expected[probe.endpoint] or problems:
            mismatches.append((probe.endpoint, expected[probe.endpoint], actual, problems))
    assert not mismatches


def test_the_operator_builds_a_network_from_the_command_line(app, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["network", "create", "syd", "Region Syd"]).exit_code == 0
    assert runner.invoke(args=["network", "add-organisation", "syd", world.a.org.slug]).exit_code == 0
    refused = runner.invoke(args=["network", "add-evaluator", "syd", world.a.users["evaluator"].email])
    assert refused.exit_code != 0 and "network_evaluator" in refused.output
    with app.app_context():
        db.connect(reuse_if_open=True)
        user = factories.make_user(world.a.org, "network_evaluator")
        db.close()
    assert runner.invoke(args=["network", "add-evaluator", "syd", user.email]).exit_code == 0
    with app.app_context():
        db.connect(reuse_if_open=True)
        network = Network.get(Network.slug == "syd")
        assert network.organisation_ids == [world.a.org.id]
        assert NetworkEvaluator.select().where(NetworkEvaluator.network == network).count() == 1
        db.close()
