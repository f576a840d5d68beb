"""The complete audit trail (issue 9, item 10): reads, lists, searches, refusals, failed logins,
public submissions — who, role, when to the second, which records; never content."""

import re

import pytest

from models import AuditLog, AuditLogItem
from tests import factories
from tests.plugin_data import public_data


def _last(action):
    return AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id.desc()).first()


def _table(page):
    """The rows of a list page (not the filter options above them)."""
    return page[page.index("model-list") : page.rindex("</table>")]


def _items(entry):
    return {(i.model, i.record_id) for i in AuditLogItem.select().where(AuditLogItem.audit == entry.id)}


def test_case_page_logs_the_contacts_matches_notes_and_answers_it_showed(login, world, client, forms):
    a = world.a
    assert client.post(f"/henvis/{a.org.slug}/laege", data=public_data(client, world, forms)).status_code == 303
    from models import Referral
    from plugins.collaboration.models import CollaborationNote
    from plugins.intake.models import IntakeAnswer

    public = Referral.select().order_by(Referral.id.desc()).first()
    answers = list(IntakeAnswer.select().where(IntakeAnswer.referral == public.id))
    assert answers
    staff = login(a.users["bridge_builder"])
    assert staff.get(f"/admin/referral/details/?id={public.id}").status_code == 200
    entry = _last("view")
    assert (entry.model, entry.record_id, entry.role) == ("Referral", public.id, "bridge_builder")
    assert {("IntakeAnswer", x.id) for x in answers} <= _items(entry)

    note = CollaborationNote.create(
        organisation=a.org, referral=a.referral, service=a.partner, date="2025-01-01", direction="out", channel="phone"
    )
    assert staff.get(f"/admin/referral/details/?id={a.referral.id}").status_code == 200
    shown = _items(_last("view"))
    assert {("Contact", a.contact.id), ("Match", a.match.id), ("CollaborationNote", note.id)} <= shown


@pytest.mark.parametrize("view, model", [("contact", "Contact"), ("match", "Match"), ("collab_note", None)])
def test_details_of_contacts_matches_and_notes_are_logged(login, world, view, model):
    a = world.a
    if model is None:
        from plugins.collaboration.models import CollaborationNote

        record = CollaborationNote.create(
            organisation=a.org,
            referral=a.referral,
            service=a.partner,
            date="2025-01-01",
            direction="out",
            channel="phone",
        )
        model = "CollaborationNote"
    else:
        record = getattr(a, view)
    assert login(a.users["coordinator"]).get(f"/admin/{view}/details/?id={record.id}").status_code == 200
    entry = _last("view")
    assert (entry.model, entry.record_id, entry.user_id) == (model, record.id, a.users["coordinator"].id)


def test_lists_log_the_ids_shown_and_searches_a_hash_of_the_term(login, world):
    a = world.a
    client = login(a.users["coordinator"])
    assert client.get("/admin/referral/").status_code == 200
    entry = _last("list")
    assert entry.model == "Referral" and entry.rows >= 1
    assert {("Referral", a.referral.id), ("Citizen", a.citizen.id)} <= _items(entry)
    term = a.citizen.name.split()[0]
    assert client.get(f"/admin/citizen/?search={term}").status_code == 200
    entry = _last("search")
    assert entry.model == "Citizen" and entry.rows == 1 and ("Citizen", a.citizen.id) in _items(entry)
    assert entry.detail.startswith("hmac:") and term.lower() not in entry.detail.lower()


def test_failed_logins_are_logged_without_the_password(client, world):
    user = world.a.users["coordinator"]
    assert client.post("/login", data={"email": user.email, "password": "forkert-kodeord"}).status_code == 200
    entry = _last("login_failed")
    assert (entry.model, entry.record_id, entry.organisation_id, entry.user_id) == (
        "User",
        user.id,
        world.a.org.id,
        None,
    )
    assert "forkert" not in (entry.detail or "")
    client.post("/login", data={"email": "ingen@example.dk", "password": "x" * 12})
    entry = _last("login_failed")
    assert entry.record_id is None and entry.detail == "unknown account"


def test_403_csrf_failures_and_rate_limit_hits_are_logged(make_app, world, login):
    a = world.a
    bridge_builder = login(a.users["bridge_builder"])
    assert bridge_builder.get("/admin/user/").status_code == 403
    entry = _last("forbidden")
    assert (entry.user_id, entry.role, entry.model) == (
        a.users["bridge_builder"].id,
        "bridge_builder",
        "user.index_view",
    )

    strict = make_app(WTF_CSRF_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = strict.test_client()
    assert client.post("/login", data={"email": a.users["admin"].email, "password": "x"}).status_code == 400
    assert _last("csrf_failed").model == "auth.login"
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    codes = [
        client.post("/login", data={"email": a.users["admin"].email, "password": "x", "csrf_token": token}).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429
    assert _last("rate_limited").model == "auth.login"


def test_public_form_submissions_are_logged_for_the_organisation(client, world, forms):
    a = world.a
    assert client.post(f"/henvis/{a.org.slug}/laege", data=public_data(client, world, forms)).status_code == 303
    entry = _last("submit")
    assert entry.model == "Referral" and entry.organisation_id == a.org.id and entry.user_id is None
    assert any(model == "Citizen" for model, _id in _items(entry))


def test_audit_list_shows_seconds_and_filters_by_user_and_by_record(app, login, world):
    a = world.a
    login(a.users["coordinator"]).get(f"/admin/citizen/details/?id={a.citizen.id}")
    login(a.users["bridge_builder"]).get("/admin/citizen/")
    other = factories.make_citizen(a.org, name="Anden Borger")
    login(a.users["bridge_builder"]).get(f"/admin/citizen/details/?id={other.id}")
    admin = login(a.users["admin"])
    page = admin.get(f"/admin/citizen/details/?id={a.citizen.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="who-saw"', page).group(1).replace("&amp;", "&")
    listing = admin.get(link)
    assert listing.status_code == 200
    text = _table(listing.get_data(as_text=True))
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", text)  # to the second, not only the date
    users = set(re.findall(r"(Coordinator \d+|Bridge_Builder \d+|Admin \d+)", text))
    assert {a.users["coordinator"].name, a.users["bridge_builder"].name} <= users  # the view and the list
    # Only entries about this citizen: the other citizen's details view by the bridge builder is not there.
    rows = AuditLog.select().where((AuditLog.model == "Citizen") & (AuditLog.record_id == other.id)).count()
    assert rows == 1 and f">{other.id}<" not in text
    # By user: only that user's entries.
    view = next(v for v in app.extensions["brobygger_admin"]._views if getattr(v, "endpoint", None) == "audit_log")
    index = next(i for i, f in enumerate(view._filters) if getattr(f, "column", None) is AuditLog.user)
    coordinator = a.users["coordinator"]
    text = _table(admin.get(f"/admin/audit_log/?flt0_{index}={coordinator.id}").get_data(as_text=True))
    assert coordinator.name in text and a.users["bridge_builder"].name not in text
    assert login(a.users["bridge_builder"]).get(link).status_code == 403


def test_read_entries_do_not_wait_for_the_disk_and_change_nothing_else(login, world):
    """The entry of a list, search or case page commits without a flush to the disk (SQLite:
    synchronous=NORMAL for that commit, PostgreSQL: synchronous_commit off for that transaction);
    the connection's own setting is back afterwards, and an entry inside a larger transaction is
    part of that transaction."""
    from extensions import db
    from models.base import relaxed_transaction

    a = world.a
    sqlite = db.obj.__class__.__name__.startswith("Sqlite")
    before = db.execute_sql("PRAGMA synchronous").fetchone()[0] if sqlite else None
    seen = []
    original = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = spy
    try:
        client = login(a.users["admin"])
        seen.clear()
        assert client.get("/admin/citizen/").status_code == 200
    finally:
        db.obj.execute_sql = original
    assert _last("list").rows >= 1
    relaxed = [s for s in seen if "synchronous" in s]
    assert relaxed == (
        ["PRAGMA synchronous = NORMAL", f"PRAGMA synchronous = {db.obj.configured_synchronous}"]
        if sqlite
        else ["SET LOCAL synchronous_commit TO OFF"]
    )
    if sqlite:
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == before
    with pytest.raises(RuntimeError), db.atomic():  # inside a transaction: rolled back with it
        with relaxed_transaction():
            AuditLog.record("list", "Citizen", None, user=a.users["admin"], read=True, detail="rolled back")
        raise RuntimeError
    assert not AuditLog.select().where(AuditLog.detail == "rolled back").exists()
