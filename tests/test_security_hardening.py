"""Issue 9: redirects that stay on the site, sessions that end, re-authentication, passwords,
per-account login limits, proxies, and the deployment headers (CSP, HSTS, cookies, hosts, logs)."""

import logging
import re
import time
from urllib.parse import urlsplit

import pytest

from models import User
from models.user import password_problem
from tests import factories

# Targets that must never leave the site (each refused by safe_local_path, and so by every
# redirect that reads one): scheme-relative, backslashes, tab/CR/LF tricks, encoded ones.
PAYLOADS = [
    "http:evil.tld/x",
    "https:/evil.tld",
    "http:///evil.tld",
    "//evil.tld",
    "///evil.tld",
    "/\\evil.tld",
    "\\\\evil.tld",
    "/\t/evil.tld",
    "/\r\n/evil.tld",
    "/%09/evil.tld",
    "/%2F/evil.tld",
    "/%5Cevil.tld",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "https://evil.tld/admin/",
    "evil.tld",
    "data:text/html,x",
]


def _refused_or_home(response):
    """A payload with control characters is refused by the input filter (400) before any view;
    every other one is followed only as far as a page of ours."""
    if any(ch in response.request.url for ch in ("%09", "%0D", "%0A")) and response.status_code == 400:
        return True
    return response.status_code == 302 and _stays_home(response)


def _stays_home(response, app_host="localhost"):
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
        and "\t" not in location
        and parts.netloc in ("", app_host)
        and "evil" not in location
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_local_path_refuses_every_payload(payload):
    from security import safe_local_path

    assert safe_local_path(payload) is None
    assert safe_local_path(payload, "/admin/") == "/admin/"


def test_safe_local_path_keeps_real_paths():
    from security import safe_local_path

    for path in ("/admin/", "/admin/referral/?page=2&sort=1", "/admin/caf%C3%A9/", "/henvis/org-1/laege"):
        assert safe_local_path(path) == path
    assert safe_local_path("/admin/\treferral/") == "/admin/referral/"  # tab dropped, as a browser does


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_next_never_leaves_the_site(client, world, payload):
    user = world.a.users["bridge_builder"]
    response = client.post(
        "/login", query_string={"next": payload}, data={"email": user.email, "password": factories.PASSWORD}
    )
    assert _refused_or_home(response), (response.status_code, response.headers.get("Location"))


def test_login_next_to_a_page_of_ours_is_followed(client, world):
    user = world.a.users["bridge_builder"]
    response = client.post(
        "/login",
        query_string={"next": "/admin/referral/?page=1"},
        data={"email": user.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/admin/referral/?page=1"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_language_switch_never_leaves_the_site(client, payload):
    response = client.post("/language/en", data={"next": payload})
    assert _refused_or_home(response), (response.status_code, response.headers.get("Location"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_flask_admin_url_parameter_never_leaves_the_site(login, world, payload):
    client = login(world.a.users["admin"])
    partner = world.a.partner
    # Edit form saved: Flask-Admin redirects to url=.
    response = client.post(
        "/admin/partner/edit/",
        query_string={"id": partner.id, "url": payload},
        data={"name": partner.name, "version": str(partner.version)},
    )
    assert _refused_or_home(response), (response.status_code, response.headers.get("Location"))
    # A GET of a record that does not exist: back to url=.
    response = client.get("/admin/partner/edit/", query_string={"id": "999999", "url": payload})
    assert _refused_or_home(response), (response.status_code, response.headers.get("Location"))
    # The cancel link on the form never points away either (the payload may only appear inside
    # a query string of one of our own paths, e.g. the language switch's return address).
    page = client.get("/admin/partner/edit/", query_string={"id": partner.id, "url": payload}).get_data(as_text=True)
    for target in re.findall(r'(?:href|value)="([^"]*)"', page):
        if "evil" in target:
            assert target.startswith("/admin/partner/edit/?"), target


def test_followup_done_next_never_leaves_the_site(login, world):
    from models import Partner, PartnerKind
    from plugins.collaboration.models import CollaborationNote

    a = world.a
    kind = PartnerKind.create(organisation=a.org, name="Kommunal tjeneste", service=True)
    service = Partner.create(organisation=a.org, name="Jobcenter", kind=kind)
    client = login(a.users["bridge_builder"])
    for payload in ("http:evil.tld/x", "/\t/evil.tld", "//evil.tld"):
        import datetime

        note = CollaborationNote.create(
            organisation=a.org,
            referral=a.referral,
            service=service,
            date=datetime.date(2025, 3, 3),
            followup_on=datetime.date(2025, 3, 10),
            followup_owner=a.users["bridge_builder"],
        )
        response = client.post("/admin/followups/done/", data={"note": note.id, "next": payload})
        assert response.status_code == 302
        assert _stays_home(response), response.headers["Location"]


# -- sessions -------------------------------------------------------------------------------


def _cookie_client(app, source):
    """A second client holding a copy of `source`'s session cookie (a captured cookie)."""
    stolen = app.test_client()
    cookie = source.get_cookie("session")
    stolen.set_cookie("session", cookie.value)
    return stolen


def test_a_captured_cookie_dies_with_logout(app, login, world):
    client = login(world.a.users["bridge_builder"])
    stolen = _cookie_client(app, client)
    assert stolen.get("/admin/referral/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert stolen.get("/admin/referral/").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda u: u.set_password("ein-ganz-anderes-kennwort"),
        lambda u: setattr(u, "role", "evaluator"),
        lambda u: setattr(u, "active", False),
    ],
    ids=["password reset", "role change", "deactivation"],
)
def test_admin_changes_end_every_session_of_the_user(app, login, world, change):
    user = User.get_by_id(world.a.users["bridge_builder"].id)
    client = login(user)
    assert client.get("/admin/referral/").status_code == 200
    change(user)
    user.save()
    assert client.get("/admin/referral/").status_code == 302


def test_an_admins_password_reset_in_the_user_form_ends_the_users_sessions(app, login, world):
    target = world.a.users["bridge_builder"]
    victim = login(target)
    admin = login(world.a.users["admin"])
    response = admin.post(
        f"/admin/user/edit/?id={target.id}",
        data={
            "name": target.name,
            "email": target.email,
            "role": target.role,
            "active": "y",
            "new_password": "ny-adgang-til-kaffeklubben",
            "version": str(User.get_by_id(target.id).version),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert victim.get("/admin/referral/").status_code == 302


def test_sessions_end_after_idle_time_and_at_the_absolute_limit(app, login, world):
    client = login(world.a.users["bridge_builder"])
    assert client.get("/admin/referral/").status_code == 200
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60
    assert client.get("/admin/referral/").status_code == 302

    client = login(world.a.users["bridge_builder"])
    with client.session_transaction() as sess:
        sess["auth_at"] = int(time.time()) - 12 * 3600 - 60
    assert client.get("/admin/referral/").status_code == 302


def test_timeouts_are_configurable(make_app, world):
    app = make_app(SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    user = world.a.users["bridge_builder"]
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 6 * 60
    assert client.get("/admin/referral/").status_code == 302


def test_login_starts_a_new_session(client, world):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["sid"] = "fixed"
    user = world.a.users["bridge_builder"]
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["sid"] != "fixed" and len(sess["sid"]) > 20
        first = sess["sid"]
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    with client.session_transaction() as sess:
        assert sess["sid"] != first


def test_the_session_cookie_is_not_a_31_day_cookie(client, world):
    user = world.a.users["bridge_builder"]
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = re.search(r"Max-Age=(\d+)", cookie)
    assert expires is None or int(expires.group(1)) <= 12 * 3600


def test_own_password_change_needs_the_old_one_and_ends_other_sessions(app, login, world):
    user = world.a.users["bridge_builder"]
    other_device = login(user)
    client = login(user)
    new = "seks-heste-paa-en-graa-bro"
    response = client.post("/account", data={"old_password": "forkert", "new_password": new, "confirm": new})
    assert response.status_code == 200
    assert "Den nuværende adgangskode er forkert" in response.get_data(as_text=True)
    assert User.get_by_id(user.id).check_password(factories.PASSWORD)
    response = client.post("/account", data={"old_password": factories.PASSWORD, "new_password": new, "confirm": new})
    assert response.status_code == 302
    assert User.get_by_id(user.id).check_password(new)
    assert client.get("/admin/referral/").status_code == 200  # this session goes on
    assert other_device.get("/admin/referral/").status_code == 302  # every other one ended


# -- re-authentication ----------------------------------------------------------------------


def _age_auth(client, minutes=11):
    with client.session_transaction() as sess:
        sess["reauth_at"] = int(time.time()) - minutes * 60


def test_export_needs_a_recent_password(login, world):
    client = login(world.a.users["coordinator"])
    assert client.get("/admin/citizen/export/csv/").status_code == 200  # just logged in
    _age_auth(client)
    response = client.get("/admin/citizen/export/csv/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauth?next=")
    confirm = client.post(response.headers["Location"], data={"password": "forkert"})
    assert confirm.status_code == 200
    confirm = client.post(response.headers["Location"], data={"password": factories.PASSWORD})
    assert confirm.headers["Location"] == "/admin/citizen/export/csv/"
    assert client.get("/admin/citizen/export/csv/").status_code == 200


def test_the_closures_export_needs_a_recent_password(login, world):
    client = login(world.a.users["coordinator"])
    assert client.get("/admin/closures/export/csv/").status_code == 200
    _age_auth(client)
    assert client.get("/admin/closures/export/csv/").headers["Location"].startswith("/reauth?next=")


def test_delete_and_bulk_delete_need_a_recent_password(login, world):
    client = login(world.a.users["admin"])
    partner = factories.make_partner(world.a.org)
    other = factories.make_partner(world.a.org)
    _age_auth(client)
    response = client.post("/admin/partner/delete/", data={"id": partner.id})
    assert response.headers["Location"].startswith("/reauth")
    response = client.post("/admin/partner/action/", data={"action": "delete", "rowid": [other.id]})
    assert response.headers["Location"].startswith("/reauth")
    from models import Partner

    assert Partner.select().where(Partner.id.in_([partner.id, other.id])).count() == 2


def test_user_admin_needs_a_recent_password(login, world):
    client = login(world.a.users["admin"])
    assert client.get("/admin/user/").status_code == 200  # the list is only a read
    _age_auth(client)
    assert client.get("/admin/user/").status_code == 200
    target = world.a.users["bridge_builder"]
    for url in ("/admin/user/new/", f"/admin/user/edit/?id={target.id}"):
        assert client.get(url).headers["Location"].startswith("/reauth")


def test_require_recent_auth_decorator_protects_a_plain_view(make_app, world):
    from flask_login import login_required

    from security import require_recent_auth

    app = make_app()

    @app.route("/_sensitive")
    @login_required
    @require_recent_auth
    def sensitive():
        return "done"

    client = app.test_client()
    user = world.a.users["bridge_builder"]
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert client.get("/_sensitive").get_data(as_text=True) == "done"
    _age_auth(client)
    assert client.get("/_sensitive").headers["Location"] == "/reauth?next=/_sensitive"


# -- passwords ------------------------------------------------------------------------------

WEAK = [
    "password12",
    "Sommer2026",
    "brobygger1",
    "1234567890",
    "password1234",
    "Sommer2026!!",
    "brobygger123",
    "qwertyuiop12",
]


@pytest.mark.parametrize("password", WEAK)
def test_the_password_rule_refuses_common_passwords(password):
    assert password_problem(password) is not None


def test_the_password_rule_accepts_a_passphrase_and_refuses_the_users_own_name():
    assert password_problem("seks-heste-paa-en-graa-bro") is None
    assert password_problem("annahansen2026", email="anna.hansen@x.dk", name="Anna Hansen") is not None


@pytest.mark.parametrize("password", ["password12", "Sommer2026", "brobygger1", "1234567890", "password1234"])
def test_weak_passwords_are_refused_in_the_admin_form_the_cli_and_self_service(login, runner, world, password):
    admin = login(world.a.users["admin"])
    response = admin.post(
        "/admin/user/new/",
        data={"name": "Ny Bruger", "email": "ny@example.dk", "role": "bridge_builder", "new_password": password},
    )
    assert response.status_code == 200
    assert User.get_or_none(User.email == "ny@example.dk") is None
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "cli@example.dk",
            "--name",
            "Cli",
            "--role",
            "bridge_builder",
            "--organisation",
            world.a.org.slug,
            "--password",
            password,
        ]
    )
    assert result.exit_code != 0
    assert User.get_or_none(User.email == "cli@example.dk") is None
    user = world.a.users["bridge_builder"]
    client = login(user)
    response = client.post(
        "/account", data={"old_password": factories.PASSWORD, "new_password": password, "confirm": password}
    )
    assert response.status_code == 200
    assert User.get_by_id(user.id).check_password(factories.PASSWORD)


def test_unknown_and_deactivated_accounts_cost_one_password_verification(app, world, monkeypatch):
    import models.user as user_module

    calls = []
    real = user_module._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, hash_, password):
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(user_module, "_hasher", Counting())
    with app.app_context():
        assert User.authenticate("nobody@example.dk", "whatever-it-is") is None
        assert len(calls) == 1
        user = world.a.users["admin"]
        User.update(active=False).where(User.id == user.id).execute()
        assert User.authenticate(user.email, factories.PASSWORD) is None
        assert len(calls) == 2
        assert User.authenticate(world.a.users["coordinator"].email, "wrong-password-here") is None
        assert len(calls) == 3


# -- failed logins per account and per address ----------------------------------------------


def test_failed_logins_are_limited_per_account_from_any_address(make_app, world):
    app = make_app(LOGIN_ACCOUNT_LIMIT="5 per 15 minutes")
    user = world.a.users["admin"]
    codes = []
    for n in range(6):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        codes.append(client.post("/login", data={"email": user.email, "password": "forkert"}).status_code)
    assert codes == [200] * 5 + [429]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 429  # even the right password waits: the account is locked
    assert "For mange mislykkede forsøg for denne konto" in response.get_data(as_text=True)
    # Another account is not affected.
    other = world.a.users["coordinator"]
    assert client.post("/login", data={"email": other.email, "password": factories.PASSWORD}).status_code == 302


@pytest.mark.parametrize(("hops", "shared"), [(0, True), (1, False)])
def test_client_address_comes_from_proxy_fix(make_app, world, hops, shared):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute", PROXY_FIX_X_FOR=hops)
    codes = []
    for n in range(3):
        client = app.test_client()
        headers = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        codes.append(
            client.post("/login", headers=headers, data={"email": f"x{n}@y.dk", "password": "nope"}).status_code
        )
    # No proxy configured: every client behind it is the proxy's one address. With one hop: each its own.
    assert codes == ([200, 200, 429] if shared else [200, 200, 200])


# -- deployment headers, cookies, hosts, logs -----------------------------------------------


def test_csp_with_a_nonce_on_every_script(login, world):
    client = login(world.a.users["admin"])
    for url in ("/login", "/admin/", "/admin/referral/", f"/admin/referral/details/?id={world.a.referral.id}"):
        response = (client if url != "/login" else client.application.test_client()).get(url)
        csp = response.headers["Content-Security-Policy"]
        nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp).group(1)
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert f'nonce="{nonce}"' in tag, (url, tag)


def test_hsts_and_host_cookie_with_secure_cookies(make_app, world):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    user = world.a.users["bridge_builder"]
    response = client.post(
        "/login", base_url="https://localhost", data={"email": user.email, "password": factories.PASSWORD}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "session=" in c)
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_no_hsts_without_secure_cookies(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_trusted_hosts(make_app):
    app = make_app(TRUSTED_HOSTS=["brobygger.example.dk"])
    client = app.test_client()
    assert client.get("/login", base_url="http://brobygger.example.dk").status_code == 200
    assert client.get("/login", base_url="http://evil.example").status_code == 400


def test_logged_exceptions_carry_no_personal_data(app, caplog):
    from security import install_log_scrubbing

    install_log_scrubbing()
    log = logging.getLogger("brobygger.test")
    secret = "Kirsten Holm, 12345678"
    try:
        raise ValueError(f"duplicate key: {secret}")
    except ValueError as exc:
        with caplog.at_level(logging.WARNING):
            log.warning("Integrity error in %s: %s", "citizen", exc)
            log.exception("Failed")
    text = "\n".join(handler_format(r) for r in caplog.records)
    assert secret not in text
    assert "ValueError" in text and "test_security_hardening.py" in text


def handler_format(record):
    return logging.Formatter("%(message)s").format(record)


def test_the_public_form_has_an_hourly_ceiling_with_a_notice(make_app, world, login):
    from plugins.intake.models import IntakeSubmission

    app = make_app(INTAKE_HOURLY_CEILING=2)
    org = world.a.org
    for n in range(2):
        IntakeSubmission.create(organisation=org, token=f"n{n}", reference=f"BRO-AAAA-AAA{n + 2}", source="public_form")
    client = app.test_client()
    response = client.post(f"/henvis/{org.slug}/laege", data={"token": "x", "name": "Søren"})
    assert response.status_code == 429
    assert "tager ikke imod flere henvisninger lige nu" in response.get_data(as_text=True)
    assert IntakeSubmission.select().count() == 2
    coordinator = app.test_client()
    coordinator.post("/login", data={"email": world.a.users["coordinator"].email, "password": factories.PASSWORD})
    assert "modtog 2 henvisninger den seneste time" in coordinator.get("/admin/").get_data(as_text=True)
    builder = app.test_client()
    builder.post("/login", data={"email": world.a.users["bridge_builder"].email, "password": factories.PASSWORD})
    assert "seneste time" not in builder.get("/admin/").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"email": world.b.users["coordinator"].email, "password": factories.PASSWORD})
    assert "seneste time" not in other.get("/admin/").get_data(as_text=True)


def test_the_public_forms_body_limit_holds_for_chunked_bodies(client, world):
    import io

    body = b"name=" + b"x" * (200 * 1024)
    response = client.post(
        f"/henvis/{world.a.org.slug}/laege",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
