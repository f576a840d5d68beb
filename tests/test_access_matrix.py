"""The access matrix: every URL rule of the app × every role → the expected outcome.

The policy is the table in tests/access_policy.py (MATRIX, and OPERATOR_ACCESS for the operator);
the requests that probe it are in tests/access_probes.py. A new URL rule without a row fails
`test_every_url_rule_is_in_the_matrix`, so nobody adds a page without deciding who may reach it.
"""

from urllib.parse import urlsplit

import pytest
from flask import url_for

from models import User
from tests import factories
from tests.access_policy import EXCLUDED_ENDPOINTS, FORBIDDEN, LOGIN, MATRIX, OPERATOR_ACCESS, ROLES
from tests.access_probes import app_endpoints, build_probes, observe


def test_every_url_rule_is_in_the_matrix(app):
    endpoints = app_endpoints(app)
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"URL rules without a row in MATRIX (decide who may reach them): {missing}"
    assert not stale, f"MATRIX rows for endpoints that no longer exist: {stale}"


def test_matrix_rows_are_complete_and_send_anonymous_users_to_login(app):
    for endpoint, row in MATRIX.items():
        assert len(row) == len(ROLES), endpoint
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and rule.endpoint in MATRIX:
            assert MATRIX[rule.endpoint][0] == LOGIN, f"{rule.endpoint}: anonymous users must be sent to /login"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, login, role):
    client = app.test_client() if role == "anonymous" else login(world.a.users[role])
    column = ROLES.index(role)
    endpoints = sorted(app_endpoints(app) & MATRIX.keys())
    mismatches = []
    for probe in build_probes(app, world, endpoints):
        expected = MATRIX[probe.endpoint][column]
        actual, problems = observe(client, probe)
        if actual != expected:
            problems.insert(0, f"expected {expected}, got {actual}")
        for problem in problems:
            mismatches.append(f"{probe.method} {probe.url or probe.endpoint} [{probe.endpoint}]: {problem}")
    assert not mismatches, f"{len(mismatches)} access mismatch(es) for {role}:\n" + "\n".join(mismatches)


def test_operator_access_matrix(app, world, login):
    """The operator: their own pages, the public ones, and 403 on every other URL of the app —
    no organisation's citizens, cases, notes, lists, exports or reports."""
    assert not OPERATOR_ACCESS.keys() - MATRIX.keys()
    operator = factories.make_user(None, "operator")
    client = login(operator)
    endpoints = sorted(app_endpoints(app) & MATRIX.keys())
    mismatches = []
    for probe in build_probes(app, world, endpoints):
        expected = OPERATOR_ACCESS.get(probe.endpoint, FORBIDDEN)
        actual, problems = observe(client, probe)
        if actual != expected:
            problems.insert(0, f"expected {expected}, got {actual}")
        for problem in problems:
            mismatches.append(f"{probe.method} {probe.url or probe.endpoint} [{probe.endpoint}]: {problem}")
    assert not mismatches, f"{len(mismatches)} access mismatch(es) for the operator:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("role", ("anonymous", "admin"))
def test_post_only_rules_refuse_get(app, world, login, role):
    client = app.test_client() if role == "anonymous" else login(world.a.users[role])
    wrong = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods or rule.endpoint in EXCLUDED_ENDPOINTS:
                continue
            url = url_for(rule.endpoint, **{arg: "da" if arg == "code" else "1" for arg in rule.arguments})
            response = client.get(url)
            if response.status_code != 405:
                wrong.append(f"GET {url}: {response.status_code}")
    assert not wrong, "POST-only rules must answer GET with 405:\n" + "\n".join(wrong)


def test_rights_follow_the_user_record_at_once(app, world, login):
    """A role change or deactivation applies on the user's next request, not at their next login."""
    bridge_builder = world.a.users["bridge_builder"]
    client = login(bridge_builder)
    assert client.get("/admin/referral/").status_code == 200
    User.update(role="evaluator").where(User.id == bridge_builder.id).execute()
    assert client.get("/admin/referral/").status_code == 403
    User.update(role="bridge_builder", active=False).where(User.id == bridge_builder.id).execute()
    response = client.get("/admin/referral/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
