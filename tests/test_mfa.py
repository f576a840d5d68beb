"""Two-factor login (TOTP): enrolment with a QR code, codes used once, recovery codes, the
admin's reset, the organisation's setting, and limits. Apps here use production's rule that
admins and coordinators must use a second factor (the suite's TEST_CONFIG leaves it off)."""

import re
import time

import pyotp
import pytest

from models import Organisation, User
from models.base import utcnow
from tests import factories

REQUIRED = ("admin", "coordinator")


@pytest.fixture
def mfa_app(make_app):
    return make_app(MFA_REQUIRED_ROLES=REQUIRED)


def enrol(user):
    """Give `user` a working second factor; returns its TOTP."""
    secret = pyotp.random_base32()
    User.update(totp_secret=secret, totp_enabled_at=utcnow(), totp_last_step=None).where(User.id == user.id).execute()
    return pyotp.TOTP(secret)


def _password(client, user, password=factories.PASSWORD, next=None):
    return client.post(
        "/login", query_string={"next": next} if next else None, data={"email": user.email, "password": password}
    )


def test_production_requires_a_second_factor_for_admins_and_coordinators():
    from config import Config

    assert set(Config.MFA_REQUIRED_ROLES) == {"admin", "coordinator"}


def test_an_admin_must_enrol_at_the_first_login(mfa_app, world):
    admin = world.a.users["admin"]
    client = mfa_app.test_client()
    response = _password(client, admin, next="/admin/referral/")
    assert response.headers["Location"] == "/login/2fa/setup"
    # The password alone is not a login.
    assert client.get("/admin/referral/").status_code == 302
    page = client.get("/login/2fa/setup").get_data(as_text=True)
    assert "<svg" in page and "<img" not in page  # the QR code is SVG markup (fits the CSP)
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', page).group(1)
    assert User.get_by_id(admin.id).totp_enabled_at is None  # not in force before a code confirms it
    wrong = client.post("/login/2fa/setup", data={"code": "000000"})
    assert wrong.status_code == 200 and "Koden passer ikke" in wrong.get_data(as_text=True)
    done = client.post("/login/2fa/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = User.get_by_id(admin.id)
    assert stored.totp_enabled_at is not None
    assert not any(code in (stored.recovery_codes or "") for code in codes)  # only digests are kept
    assert 'href="/admin/referral/"' in done.get_data(as_text=True)
    assert client.get("/admin/referral/").status_code == 200


def test_an_enrolled_user_logs_in_with_a_code_used_once(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    totp = enrol(coordinator)
    client = mfa_app.test_client()
    assert _password(client, coordinator).headers["Location"] == "/login/2fa"
    assert client.get("/admin/referral/").status_code == 302
    code = totp.now()
    assert client.post("/login/2fa", data={"code": "123456" if code != "123456" else "654321"}).status_code == 200
    response = client.post("/login/2fa", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/referral/").status_code == 200
    # The same code again (a replay from a shoulder-surfer) is refused.
    other = mfa_app.test_client()
    _password(other, coordinator)
    replay = other.post("/login/2fa", data={"code": code})
    assert replay.status_code == 200 and "allerede brugt" in replay.get_data(as_text=True)


def test_a_wrong_password_never_reaches_the_second_step(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    enrol(coordinator)
    client = mfa_app.test_client()
    assert _password(client, coordinator, password="forkert-kodeord").status_code == 200
    assert client.get("/login/2fa").headers["Location"] == "/login"


def test_recovery_codes_work_once(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    enrol(coordinator)
    codes = User.get_by_id(coordinator.id).new_recovery_codes()
    client = mfa_app.test_client()
    _password(client, coordinator)
    assert client.post("/login/2fa", data={"code": codes[0].upper()}).status_code == 302
    assert User.get_by_id(coordinator.id).recovery_codes_left == 9
    again = mfa_app.test_client()
    _password(again, coordinator)
    assert again.post("/login/2fa", data={"code": codes[0]}).status_code == 200


def test_second_factor_attempts_are_limited_per_account(make_app, world):
    app = make_app(MFA_REQUIRED_ROLES=REQUIRED, LOGIN_ACCOUNT_LIMIT="3 per 15 minutes")
    coordinator = world.a.users["coordinator"]
    totp = enrol(coordinator)
    client = app.test_client()
    _password(client, coordinator)
    codes = [client.post("/login/2fa", data={"code": "000000"}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    locked = client.post("/login/2fa", data={"code": totp.now()})
    assert locked.status_code == 429
    assert "For mange mislykkede forsøg" in locked.get_data(as_text=True)


def test_the_pending_login_expires(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    totp = enrol(coordinator)
    client = mfa_app.test_client()
    _password(client, coordinator)
    with client.session_transaction() as sess:
        sess["mfa_pending"] = {**sess["mfa_pending"], "at": int(time.time()) - 600}
    assert client.post("/login/2fa", data={"code": totp.now()}).headers["Location"] == "/login"


def test_an_admin_resets_a_lost_phone(mfa_app, world, login):
    admin = world.a.users["admin"]
    admin_totp = enrol(admin)
    coordinator = world.a.users["coordinator"]
    enrol(coordinator)
    victim = mfa_app.test_client()
    _password(victim, coordinator)
    victim.post("/login/2fa", data={"code": pyotp.TOTP(User.get_by_id(coordinator.id).totp_secret).now()})
    assert victim.get("/admin/referral/").status_code == 200
    client = mfa_app.test_client()
    _password(client, admin)
    client.post("/login/2fa", data={"code": admin_totp.now()})
    response = client.post("/admin/user/action/", data={"action": "reset_two_factor", "rowid": [coordinator.id]})
    assert response.status_code == 302
    stored = User.get_by_id(coordinator.id)
    assert stored.totp_secret is None and stored.totp_enabled_at is None and not stored.recovery_codes
    assert victim.get("/admin/referral/").status_code == 302  # the phone's thief is logged out too
    # At the next login the coordinator enrols again.
    assert _password(mfa_app.test_client(), coordinator).headers["Location"] == "/login/2fa/setup"
    # Another organisation's users cannot be reset.
    other = world.b.users["coordinator"]
    enrol(other)
    client.post("/admin/user/action/", data={"action": "reset_two_factor", "rowid": [other.id]})
    assert User.get_by_id(other.id).totp_secret is not None


def test_the_organisation_can_require_it_for_every_role(mfa_app, world):
    builder = world.a.users["bridge_builder"]
    assert _password(mfa_app.test_client(), builder).headers["Location"] == "/admin/"
    Organisation.update(mfa_required=True).where(Organisation.id == world.a.org.id).execute()
    assert _password(mfa_app.test_client(), builder).headers["Location"] == "/login/2fa/setup"
    # Only that organisation.
    assert _password(mfa_app.test_client(), world.b.users["bridge_builder"]).headers["Location"] == "/admin/"


def test_the_admin_turns_the_organisation_setting_on(login, world):
    client = login(world.a.users["admin"])
    org = world.a.org
    response = client.post(
        f"/admin/organisation/edit/?id={org.id}",
        data={"name": org.name, "slug": org.slug, "max_case_days": "365", "mfa_required": "y"},
    )
    assert response.status_code == 302
    assert Organisation.get_by_id(org.id).mfa_required is True


def test_reauthentication_asks_for_the_second_factor_too(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    totp = enrol(coordinator)
    client = mfa_app.test_client()
    _password(client, coordinator)
    client.post("/login/2fa", data={"code": totp.now()})
    with client.session_transaction() as sess:
        sess["reauth_at"] = int(time.time()) - 3600
    target = client.get("/admin/citizen/export/csv/").headers["Location"]
    assert target.startswith("/reauth")
    assert 'name="code"' in client.get(target).get_data(as_text=True)
    response = client.post(target, data={"password": factories.PASSWORD, "code": ""})
    assert response.status_code == 200
    later = totp.at(time.time() + totp.interval)  # the next step's code (the current one is used)
    response = client.post(target, data={"password": factories.PASSWORD, "code": later})
    assert response.headers["Location"] == "/admin/citizen/export/csv/"


def _logged_in(app, user):
    client = app.test_client()
    assert _password(client, user).status_code == 302
    return client


def test_a_user_turns_two_factor_login_on_by_choice(app, world):
    builder = world.a.users["bridge_builder"]
    client = _logged_in(app, builder)
    other_device = _logged_in(app, builder)
    assert 'id="mfa-on"' in client.get("/account").get_data(as_text=True)
    page = client.get("/account/2fa").get_data(as_text=True)
    assert "<svg" in page and "Fremover logger du ind med en kode" in page
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/account/2fa", data={"code": "000000"})
    assert "Koden passer ikke" in wrong.get_data(as_text=True)
    assert not User.get_by_id(builder.id).mfa_enrolled
    done = client.post("/account/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert len(re.findall(r"<li><code>[0-9a-f]{5}-[0-9a-f]{5}</code></li>", done.get_data(as_text=True))) == 10
    assert User.get_by_id(builder.id).mfa_enrolled
    assert client.get("/admin/referral/").status_code == 200  # this session goes on ...
    assert other_device.get("/admin/referral/").status_code == 302  # ... the other one has ended
    # The next login asks for the code.
    assert _password(app.test_client(), builder).headers["Location"] == "/login/2fa"


def test_turning_it_on_asks_for_the_password_first(app, world):
    client = _logged_in(app, world.a.users["bridge_builder"])
    with client.session_transaction() as sess:
        sess["reauth_at"] = int(time.time()) - 3600
    assert client.get("/account/2fa").headers["Location"].startswith("/reauth")


def test_a_user_turns_it_off_where_nothing_requires_it(app, world):
    builder = world.a.users["bridge_builder"]
    enrol(builder)
    client = app.test_client()
    _password(client, builder)
    totp = pyotp.TOTP(User.get_by_id(builder.id).totp_secret)
    assert client.post("/login/2fa", data={"code": totp.now()}).status_code == 302
    assert 'id="mfa-off-form"' in client.get("/account").get_data(as_text=True)
    response = client.post("/account/2fa/off", follow_redirects=True)
    assert "Totrinslogin er slået fra" in response.get_data(as_text=True)
    stored = User.get_by_id(builder.id)
    assert not stored.mfa_enrolled and not stored.recovery_codes
    assert _password(app.test_client(), builder).headers["Location"] == "/admin/"


def test_it_cannot_be_turned_off_where_the_role_requires_it(mfa_app, world):
    coordinator = world.a.users["coordinator"]
    totp = enrol(coordinator)
    client = mfa_app.test_client()
    _password(client, coordinator)
    client.post("/login/2fa", data={"code": totp.now()})
    assert 'id="mfa-off-form"' not in client.get("/account").get_data(as_text=True)
    response = client.post("/account/2fa/off", follow_redirects=True)
    assert "kan ikke slås fra" in response.get_data(as_text=True)
    assert User.get_by_id(coordinator.id).mfa_enrolled


def test_requiring_it_for_the_organisation_ends_sessions_without_a_second_factor(app, world, login):
    org = world.a.org
    builder, coordinator = world.a.users["bridge_builder"], world.a.users["coordinator"]
    enrol(coordinator)
    builder_session = login(builder)
    other_org = login(world.b.users["bridge_builder"])
    admin = login(world.a.users["admin"])
    response = admin.post(
        f"/admin/organisation/edit/?id={org.id}",
        data={"name": org.name, "slug": org.slug, "max_case_days": "365", "mfa_required": "y"},
        follow_redirects=True,
    )
    assert "Totrinslogin er nu et krav" in response.get_data(as_text=True)
    assert builder_session.get("/admin/referral/").status_code == 302  # logged out; enrols at the next login
    assert _password(app.test_client(), builder).headers["Location"] == "/login/2fa/setup"
    assert other_org.get("/admin/referral/").status_code == 200  # another organisation is not touched
    assert admin.get("/admin/referral/").status_code == 200  # nor the admin who turned it on
    # Saving the organisation again with the setting already on ends nobody's session.
    epoch = User.get_by_id(builder.id).session_epoch
    admin.post(
        f"/admin/organisation/edit/?id={org.id}",
        data={"name": org.name, "slug": org.slug, "max_case_days": "365", "mfa_required": "y"},
    )
    assert User.get_by_id(builder.id).session_epoch == epoch
