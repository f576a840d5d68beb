"""Exports (exports.py): formula-safe cells, storable characters, streaming, audit with row counts."""

import csv
import datetime
import io
import time

import pytest
from openpyxl import load_workbook

import exports
from models import AuditLog, Citizen, Referral
from tests import factories
from tests.plugin_data import public_data

EVIL = '=HYPERLINK("http://evil.example/x","Klik her")'


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+45 12 34", "'+45 12 34"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x01=1", "'=1"),  # the unstorable character goes first, then the formula is caught
        ("Søren\x00 Ærø\x0b", "Søren Ærø"),
        ("a=b", "a=b"),
        (None, ""),
        (-5, "'-5"),
        (42, "42"),
        ("", ""),
    ],
)
def test_safe_cell(value, expected):
    assert exports.safe_cell(value) == expected


def _csv(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == exports.XLSX_MIMETYPE
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return list(sheet.iter_rows())


def test_public_form_formula_reaches_the_exports_as_text(client, world, forms, login):
    data = public_data(client, world, forms, name=EVIL, referrer_name="+cmd|' /C calc'!A0", gp_practice="@SUM(1)")
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data=data).status_code == 303
    coordinator = login(world.a.users["coordinator"])
    rows = _csv(coordinator.get("/admin/citizen/export/csv/"))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL in cells
    assert EVIL not in cells
    for url in ("/admin/citizen/export/xlsx/", "/admin/referral/export/xlsx/"):
        for row in _xlsx(coordinator.get(url)):
            for cell in row:
                if cell.value is None:
                    continue  # an empty cell is not written at all
                assert cell.data_type in ("s", "inlineStr"), (url, cell.data_type, cell.value)
                assert not str(cell.value or "").startswith(("=", "+", "-", "@")), (url, cell.value)
    cells = [c.value for row in _xlsx(coordinator.get("/admin/citizen/export/xlsx/")) for c in row]
    assert "'" + EVIL in cells
    referral_cells = [c.value for row in _xlsx(coordinator.get("/admin/referral/export/xlsx/")) for c in row]
    assert any(EVIL in str(v) for v in referral_cells), referral_cells  # the citizen column


def test_a_control_character_in_stored_data_does_not_break_the_exports(client, world, login):
    # Stored before the input filter existed (or by another system): the exports still answer.
    citizen = factories.make_citizen(world.a.org, name="Borger\x0b med\x01 styretegn")
    factories.make_referral(world.a.org, citizen=citizen, referrer_name="Læge\x1f Holm", note="note\x08")
    coordinator = login(world.a.users["coordinator"])
    for model in ("citizen", "referral"):
        cells = [c.value for row in _xlsx(coordinator.get(f"/admin/{model}/export/xlsx/")) for c in row]
        assert any("Borger med styretegn" in str(v) for v in cells), model
        csv_cells = [c for row in _csv(coordinator.get(f"/admin/{model}/export/csv/")) for c in row]
        assert any("Borger med styretegn" in c for c in csv_cells), model


def test_exports_are_audited_with_their_row_counts(world, login):
    coordinator = login(world.a.users["coordinator"])
    visible = Citizen.visible_to(world.a.users["coordinator"]).count()
    assert visible > 0
    for fmt in ("csv", "xlsx"):
        response = coordinator.get(f"/admin/citizen/export/{fmt}/")
        assert response.status_code == 200
        response.get_data()  # the CSV is streamed: its audit entry is written when it ends
        entry = AuditLog.select().where(AuditLog.action == "export").order_by(AuditLog.id.desc()).first()
        assert (entry.model, entry.rows, entry.detail) == ("Citizen", visible, fmt)
        assert entry.user_id == world.a.users["coordinator"].id and entry.role == "coordinator"


def test_export_keeps_scope_search_and_filters(world, login):
    coordinator = login(world.a.users["coordinator"])
    factories.make_citizen(world.a.org, name="Unikanavn Export")
    rows = _csv(coordinator.get("/admin/citizen/export/csv/?search=unikanavn"))
    assert len(rows) == 2 and "Unikanavn Export" in rows[1]
    other = _csv(login(world.b.users["coordinator"]).get("/admin/citizen/export/csv/"))
    assert not any("Unikanavn Export" in row for row in other)


def test_export_row_limit_and_who_may_pass_it(app, world, login):
    app.config["EXPORT_ROW_LIMIT"] = 3
    for _ in range(5):
        factories.make_citizen(world.a.org)
    total = Citizen.visible_to(world.a.users["coordinator"]).count()
    coordinator = login(world.a.users["coordinator"])
    # A coordinator who confirmed the password within REAUTH_MINUTES may export every row ...
    assert len(_csv(coordinator.get("/admin/citizen/export/csv/"))) == 1 + total
    # ... one who did not is asked to confirm it first, and then gets every row again.
    with coordinator.session_transaction() as session:
        session["reauth_at"] = int(time.time()) - 3600
    assert coordinator.get("/admin/citizen/export/csv/").headers["Location"].startswith("/reauth")
    with app.test_request_context():
        assert exports.row_limit(world.a.users["coordinator"]) == 3  # no recent confirmation: the limit
        assert exports.row_limit(world.a.users["bridge_builder"]) == 3


def test_closures_export_is_safe_and_audited(world, login):
    from plugins.end_criteria.service import closure_rows  # noqa: F401 - the plugin is loaded

    coordinator = login(world.a.users["coordinator"])
    for fmt in ("csv", "xlsx"):
        response = coordinator.get(f"/admin/closures/export/{fmt}/")
        assert response.status_code == 200, response.data[:200]
        response.get_data()
        entry = AuditLog.select().where(AuditLog.action == "export").order_by(AuditLog.id.desc()).first()
        assert (entry.model, entry.detail) == ("CaseClosure", fmt)
        assert entry.rows is not None


def test_csv_export_streams(world, login):
    coordinator = login(world.a.users["coordinator"])
    response = coordinator.get("/admin/referral/export/csv/")
    assert response.is_streamed
    assert Referral.select().count() > 0


def test_labels_read_from_label_fields_are_the_full_rows_labels(world):
    """Exports read only a related row's `label_fields` (exports._labels): the label must be
    what str() of the whole row gives, for every model that names its label fields."""
    from models import Activity, ContactKind, Partner, ReferralChannel, User

    org = world.a.org
    named = factories.make_citizen(org, name="Åse Ørbæk", initials="ÅØ")
    anonymous = factories.make_citizen(org, name=None, initials="XY", anonymous=True)
    referral = factories.make_referral(org, citizen=named, received_on=datetime.date(2025, 3, 4))
    activity = factories.make_activity(org)
    cases = [
        (Citizen, named.id),
        (Citizen, anonymous.id),
        (Referral, referral.id),
        (User, world.a.users["coordinator"].id),
        (ReferralChannel, referral.channel_id),
        (ContactKind, ContactKind.select().where(ContactKind.organisation == org.id).first().id),
        (Activity, activity.id),
        (Partner, activity.partner_id),
    ]
    for model, pk in cases:
        assert exports._labels(model, [pk]) == {pk: str(model.get_by_id(pk))}, model.__name__


@pytest.mark.parametrize("view", ["referral", "contact", "match", "citizen", "activity", "attendance", "partner"])
def test_fast_export_rows_are_the_model_rows(app, world, login, view):
    """The tuple path (no model objects) exports exactly what the model path does."""
    a = world.a
    factories.make_match(factories.make_referral(a.org, assigned_to=a.users["bridge_builder"]), a.activity)
    factories.make_contact(a.referral, minutes=15, by=a.users["bridge_builder"])
    coordinator = login(a.users["coordinator"])
    fast = _csv(coordinator.get(f"/admin/{view}/export/csv/"))
    admin_view = next(v for v in app.extensions["brobygger_admin"]._views if getattr(v, "endpoint", None) == view)
    fast_xlsx = _xlsx_values(coordinator.get(f"/admin/{view}/export/xlsx/"))
    original = exports._tuple_rows
    exports._tuple_rows = lambda query, fields, values, known=(): exports._model_rows(admin_view, query, values)
    try:
        slow = _csv(coordinator.get(f"/admin/{view}/export/csv/"))
        slow_xlsx = _xlsx_values(coordinator.get(f"/admin/{view}/export/xlsx/"))
    finally:
        exports._tuple_rows = original
    assert len(fast) > 1 or view == "attendance"
    assert fast == slow
    assert fast_xlsx == slow_xlsx
    assert fast_xlsx == [[cell or None for cell in row] for row in fast]  # the same cells as the CSV


def _xlsx_values(response):
    return [[cell.value for cell in row] for row in _xlsx(response)]


def test_labels_are_read_once_per_export_not_once_per_chunk(app, world, login, monkeypatch):
    """A related row met in several chunks has its label read once (exports._tuple_rows)."""
    a = world.a
    for _ in range(5):
        factories.make_contact(a.referral, minutes=15, by=a.users["bridge_builder"])
    monkeypatch.setattr(exports, "CHUNK", 2)
    asked = []
    original = exports._labels
    monkeypatch.setattr(
        exports, "_labels", lambda model, ids: asked.extend((model, pk) for pk in ids) or original(model, ids)
    )
    coordinator = login(a.users["coordinator"])
    rows = _csv(coordinator.get("/admin/contact/export/csv/"))
    assert len(rows) > 3
    assert len(asked) == len(set(asked)) and (Referral, a.referral.id) in asked, asked


def test_a_label_that_needs_the_model_object_falls_back_to_it(world, monkeypatch):
    """exports._labels calls the model's __str__ on a plain object of the label's values; a
    __str__ that reads more (here the model's _meta) is labelled through model objects."""
    citizen = factories.make_citizen(world.a.org, name="Åse Ørbæk", initials="ÅØ")
    monkeypatch.setattr(Citizen, "__str__", lambda self: f"{self.name} i {self._meta.table_name}")
    monkeypatch.setattr(exports, "_PLAIN_CLASSES", {})
    monkeypatch.setattr(exports, "_LABELLED_AS_MODELS", set())
    assert exports._labels(Citizen, [citizen.id]) == {citizen.id: "Åse Ørbæk i citizen"}
    assert Citizen in exports._LABELLED_AS_MODELS
