"""The operator's network pages (reports/network_admin.py): create a network, add and remove
member organisations, give and take network evaluators' access — audited, CSRF-protected, and
for the operator only; the network evaluator then sees the suppressed report of the members."""

import re

from extensions import db
from models import AuditLog, Network, NetworkEvaluator, NetworkMember
from tests import factories

PERIOD = "start=2024-01-01&end=2024-12-31&on=2024-12-31"


def test_the_operator_builds_a_network_and_its_evaluator_sees_only_its_members(app, world, login):
    with app.app_context():
        db.connect(reuse_if_open=True)
        operator = factories.make_user(None, "operator")
        nina = factories.make_user(world.b.org, "network_evaluator", name="Nina Netværk", email="nina@example.dk")
        db.close()
    client = login(operator)
    bad = client.post("/admin/networks/", data={"name": "Region Syd", "slug": "Region Syd"})
    assert bad.status_code == 200 and "Kortnavnet må kun" in bad.get_data(as_text=True)
    created = client.post("/admin/networks/", data={"name": "Region Syd", "slug": "region-syd"})
    network = Network.get(Network.slug == "region-syd")
    assert created.headers["Location"].endswith(f"/admin/networks/{network.id}")
    again = client.post("/admin/networks/", data={"name": "Igen", "slug": "region-syd"}, follow_redirects=True)
    assert "er allerede taget" in again.get_data(as_text=True)

    url = f"/admin/networks/{network.id}"
    client.post(f"{url}/members", data={"organisation": world.a.org.id})
    assert network.organisation_ids == [world.a.org.id]
    unknown = client.post(f"{url}/evaluators", data={"email": "ukendt@example.dk"}, follow_redirects=True)
    assert "Ingen netværksevaluator har den e-mail" in unknown.get_data(as_text=True)
    not_that_role = client.post(f"{url}/evaluators", data={"email": world.a.users["evaluator"].email})
    assert not_that_role.status_code == 302 and not NetworkEvaluator.select().exists()
    client.post(f"{url}/evaluators", data={"email": "NINA@example.dk"})
    page = client.get(url).get_data(as_text=True)
    assert world.a.org.name in page and "Nina Netværk" in page and "nina@example.dk" in page
    assert "Region Syd" in client.get("/admin/networks/").get_data(as_text=True)

    # Nina sees the members' report, suppressed, and no other organisation's.
    report = login(nina).get(f"/admin/network-report/?{PERIOD}").get_data(as_text=True)
    assert world.a.org.name in report and world.b.org.name not in report.split('id="report-organisations"')[1][:300]
    assert "/admin/referral/" not in report

    # Taken away again: the member, then Nina's access.
    client.post(f"{url}/members/{world.a.org.id}/remove")
    assert network.organisation_ids == []
    client.post(f"{url}/evaluators/{nina.id}/remove")
    assert not NetworkEvaluator.select().where(NetworkEvaluator.network == network.id).exists()
    assert "ikke evaluator for noget netværk" in login(nina).get("/admin/network-report/").get_data(as_text=True)

    # Every change is in the audit log, with the operator and the organisation it concerns.
    rows = [
        (a.action, a.model, a.organisation_id)
        for a in AuditLog.select().where(AuditLog.model.startswith("Network")).order_by(AuditLog.id)
    ]
    assert rows == [
        ("create", "Network", None),
        ("create", "NetworkMember", world.a.org.id),
        ("create", "NetworkEvaluator", world.b.org.id),
        ("delete", "NetworkMember", world.a.org.id),
        ("delete", "NetworkEvaluator", world.b.org.id),
    ]
    assert {a.user_id for a in AuditLog.select().where(AuditLog.model.startswith("Network"))} == {operator.id}


def test_only_the_operator_manages_networks(app, world, login):
    with app.app_context():
        db.connect(reuse_if_open=True)
        network = Network.create(name="Land", slug="land")
        NetworkMember.create(network=network, organisation=world.a.org)
        nora = factories.make_user(world.a.org, "network_evaluator")
        NetworkEvaluator.create(network=network, user=nora)
        db.close()
    for user in [*world.a.users.values(), nora]:
        client = login(user)
        assert client.get("/admin/networks/").status_code == 403
        assert client.post(f"/admin/networks/{network.id}/members/{world.a.org.id}/remove").status_code == 403
        assert client.post("/admin/networks/", data={"name": "X", "slug": "x"}).status_code == 403
    assert network.organisation_ids == [world.a.org.id] and Network.select().count() == 1
    assert app.test_client().get("/admin/networks/").headers["Location"].startswith("/login")


def test_network_changes_need_the_csrf_token(make_app, world):
    with make_app().app_context():
        db.connect(reuse_if_open=True)
        operator = factories.make_user(None, "operator")
        db.close()
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    data = {"email": operator.email, "password": factories.PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data).status_code == 302
    assert client.post("/admin/networks/", data={"name": "Uden token", "slug": "uden"}).status_code == 400
    assert not Network.select().exists()
    page = client.get("/admin/networks/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/admin/networks/", data={"name": "Med", "slug": "med", "csrf_token": token}).status_code == 302
    assert Network.select().count() == 1
