"""Login, logout, password hashing and the login rate limit."""

from models import AuditLog, User
from tests import factories


def test_login_page_is_danish_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log ind" in response.get_data(as_text=True)


def test_login_with_right_password_redirects_to_admin(client, world):
    user = world.a.users["bridge_builder"]
    response = client.post("/login", data={"email": user.email.upper(), "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert AuditLog.select().where((AuditLog.action == "login") & (AuditLog.user == user.id)).count() == 1


def test_login_with_wrong_password_is_refused(client, world):
    user = world.a.users["admin"]
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Forkert e-mail eller adgangskode" in response.get_data(as_text=True)
    assert client.get("/admin/referral/").status_code == 302


def test_inactive_user_cannot_log_in(client, world):
    user = world.a.users["admin"]
    User.update(active=False).where(User.id == user.id).execute()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 200


def test_passwords_are_argon2_hashed(app, world):
    user = User.get_by_id(world.a.users["admin"].id)
    assert user.password_hash.startswith("$argon2")
    assert factories.PASSWORD not in user.password_hash


def test_logout_needs_post_and_ends_session(login, world):
    client = login(world.a.users["admin"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/referral/").status_code == 302


def test_open_redirect_after_login_is_ignored(client, world):
    user = world.a.users["admin"]
    response = client.post(
        "/login?next=https://evil.example/x", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.headers["Location"].endswith("/admin/")


def test_login_is_rate_limited(make_app, world):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/login", data={"email": "x@y.dk", "password": "nope"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
