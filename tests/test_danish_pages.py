"""The main pages speak Danish, with no raw values: no English message left untranslated, no
`None`, no seconds, no ISO dates where a person reads them (issue 14).

Each page is rendered in Danish for the role that uses it, on a world with a case that has
everything on it (contacts, activities, a measurement, a note, a closing...). What a person reads
is the page's text outside <script>/<style> and the attributes a screen reader or tooltip shows;
form values (a native date input holds an ISO date) are not read.

An English string leaks when a message of our catalogues or Flask-Admin's, whose Danish differs,
appears in that text: a whole text node equal to it, or for a message of three words or more,
anywhere in the text.
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from models import CaseNote, ClosureReason, Instrument, Measurement
from models.workflow import close_case, move_match, suggest_activity
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "translations" / "da" / "LC_MESSAGES" / "messages.po",
    ROOT / "translations" / "da" / "LC_MESSAGES" / "admin.po",
]
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# English words that are also Danish (or names): a node equal to one of them is no leak.
SAME_IN_DANISH = {"Status", "Filter", "Administration", "Partner", "Brobygger", "E-mail", "OK", "Admin"}


# Words no Danish sentence has: English text that never went through a catalogue.
ENGLISH_ONLY_WORDS = {"the", "and", "with", "this", "that", "yet", "please", "your", "you", "been", "Nothing", "Add"}


def english_messages():
    """English msgids whose Danish translation is different, from our catalogues."""
    found = set()
    for path in CATALOGUES:
        with open(path, "rb") as f:
            for message in read_po(f):
                msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
                string = message.string[0] if isinstance(message.string, tuple | list) else message.string
                if not msgid or not string or string.strip() == msgid.strip() or "%(" in msgid:
                    continue
                found.add(msgid.strip())
    return found - SAME_IN_DANISH


class ReadText(HTMLParser):
    """Text nodes and read attributes of a page, outside <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.nodes.append(value.strip())
        if tag == "input" and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self.nodes.append(dict(attrs)["value"].strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def leaks(body, english):
    parser = ReadText()
    parser.feed(body)
    text = " \n ".join(parser.nodes)
    found = []
    for node in parser.nodes:
        if node in english:
            found.append(f"English: {node!r}")
    for msgid in english:
        if len(msgid.split()) >= 3 and msgid in text:
            found.append(f"English: {msgid!r}")
    words = set(re.findall(r"[A-Za-z]+", text))
    stray = words & ENGLISH_ONLY_WORDS
    if stray:
        found.append(f"English words not from a catalogue: {sorted(stray)}")
    for pattern, what in (
        (r"\bNone\b", "raw None"),
        (r"\b\d{1,2}:\d{2}:\d{2}\b", "a time with seconds"),
        (r"\b\d{4}-\d{2}-\d{2}\b", "an ISO date"),
    ):
        for match in re.finditer(pattern, text):
            context = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            found.append(f"{what}: …{context}…")
    return sorted(set(found))


@pytest.fixture
def rich_world(app, world):
    """world.a with a case that has one of everything on its page."""
    a = world.a
    builder = a.users["bridge_builder"]
    today = datetime.date.today()
    citizen = factories.make_citizen(
        a.org, name="Kirsten Holm", initials="KH", birth_year=1933, phone="12345678", lives_alone=True
    )
    citizen.gp_practice = "Lægehuset Enghave"
    citizen.save()
    case = factories.make_referral(
        a.org,
        citizen=citizen,
        assigned_to=builder,
        received_on=today - datetime.timedelta(days=40),
        review_on=today - datetime.timedelta(days=1),
        referrer_name="Læge Jens",
    )
    factories.make_contact(case, date=today - datetime.timedelta(days=30), minutes=45)
    lasting = factories.make_activity(a.org, partner=a.partner, name="Spisegruppe", weekday=1)
    practice = factories.make_activity(
        a.org, partner=a.partner, name="Netværkscafé", is_practice=True, leads_to=lasting, weekday=2
    )
    for activity in (practice, lasting):
        move_match(suggest_activity(case, activity, builder), "joined", builder)
    ucla = Instrument.get((Instrument.organisation == a.org.id) & (Instrument.code == "ucla3"))
    Measurement.create(
        organisation=a.org, referral=case, instrument=ucla, phase="intake", taken_on=today, answers="[3,3,2]", score=8
    )
    CaseNote.create(organisation=a.org, referral=case, date=today, text="Ringede tilbage", by=builder)
    closed = factories.make_referral(a.org, citizen=citizen, assigned_to=builder, status="active")
    reason = ClosureReason.get((ClosureReason.organisation == a.org.id) & (ClosureReason.code == "bridged"))
    with app.app_context():  # closing asks the plugins
        close_case(closed, builder, reason, today)
    # An unassigned new referral without a channel or age: the queue's empty cells.
    factories.make_referral(a.org, citizen=factories.make_citizen(a.org, name=None, initials="AB", birth_year=None))
    return world, case, closed


def main_pages(world, case, closed):
    a = world.a
    by_builder = [
        "/admin/",
        "/admin/caseload/?show=due",
        "/admin/caseload/?show=new",
        "/admin/caseload/?show=open",
        f"/admin/referral/details/?id={case.id}",
        f"/admin/referral/details/?id={closed.id}",
        f"/admin/referral/suggest/?id={case.id}",
        f"/admin/referral/measure/?id={case.id}",
        f"/admin/referral/close/?id={case.id}",
        "/admin/referral/",
        "/admin/citizen/",
        f"/admin/citizen/details/?id={case.citizen_id}",
        "/admin/citizen/new/",
        "/admin/contact/",
        "/admin/activity/",
        "/admin/followups/",
    ]
    by_coordinator = ["/admin/", "/admin/caseload/?show=due", "/admin/closures/"]
    public = [f"/henvis/{a.org.slug}/", "/login"]
    return (
        [("bridge_builder", url) for url in by_builder]
        + [("coordinator", url) for url in by_coordinator]
        + [(None, url) for url in public]
    )


def test_the_main_pages_have_no_english_and_no_raw_values(app, login, rich_world):
    world, case, closed = rich_world
    english = english_messages()
    clients = {role: login(world.a.users[role]) for role in ("bridge_builder", "coordinator")}
    clients[None] = app.test_client()
    problems = []
    for role, url in main_pages(world, case, closed):
        response = clients[role].get(url)
        assert response.status_code == 200, f"{url} as {role}: {response.status_code}"
        problems += [f"{url} ({role}): {leak}" for leak in leaks(response.get_data(as_text=True), english)]
    assert not problems, "\n".join(problems)


def test_the_leak_check_finds_what_it_looks_for():
    """The checker itself: each kind of leak in a small page is found, and Danish is not."""
    english = {"Record contact", "Save", "No activities suggested yet"}
    page = (
        "<p>Gem</p><button>Save</button><p>Kommentar: None</p><p>kl. 13:00:00</p><p>2025-03-01</p>"
        "<p>Nothing: No activities suggested yet here</p>"
        '<input type="date" value="2025-03-01"><script>var x = "None 2025-01-01";</script>'
        '<span title="Record contact"></span>'
    )
    found = " | ".join(leaks(page, english))
    for expected in ("'Save'", "'Record contact'", "No activities suggested yet", "raw None", "seconds", "ISO date"):
        assert expected in found, f"{expected} not found in {found}"
    assert leaks("<p>Gem</p><p>01.03.2025 13:00</p>", english) == []


def test_flask_admin_catalogue_is_read_too():
    """Flask-Admin's own English (List, Create...) is checked through our admin catalogue."""
    assert "Save and Add Another" in english_messages()


def test_the_danish_date_range_filter_reads_danish_and_iso():
    from admin.filters import DanishDateBetweenFilter
    from models import Referral

    flt = DanishDateBetweenFilter(Referral.received_on, "Modtaget")
    assert flt.clean("01.03.2025 til 31.03.2025") == [datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)]
    assert flt.clean("2025-03-01 to 2025-03-31") == [datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)]
    assert flt.validate("1.3.2025 til 31.3.2025")
    assert not flt.validate("31.03.2025 til 01.03.2025")  # backwards
    assert not flt.validate("i går til i dag")
    assert flt.data_type == "daterange-da"


def test_every_date_filter_of_every_list_is_danish(app):
    """No list falls back to Flask-Admin's English date pickers: every date and datetime filter of
    every admin list (core and plugins; declared by class or by column name) is a Danish range."""
    from flask_admin.model import filters as fa_filters

    from admin.filters import DanishDateBetweenFilter, DanishDateTimeBetweenFilter, danish_dates
    from models import AuditLog, Match

    english = (
        fa_filters.BaseDateFilter,
        fa_filters.BaseDateBetweenFilter,
        fa_filters.BaseDateTimeFilter,
        fa_filters.BaseDateTimeBetweenFilter,
    )
    dated = {}
    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            if not hasattr(view, "get_filters"):
                continue
            for flt in view.get_filters() or ():
                if isinstance(flt, english):
                    assert isinstance(flt, DanishDateBetweenFilter), (view.endpoint, flt.name, type(flt))
                    assert flt.data_type == "daterange-da", (view.endpoint, flt.name)
                    dated.setdefault(view.endpoint, []).append(str(flt.name))
                    if view.endpoint == "audit_log":  # a datetime column: whole days
                        assert isinstance(flt, DanishDateTimeBetweenFilter), type(flt)
    # The lists with date filters, the ones that had the English picker included.
    assert {"referral", "contact", "match", "activity_session", "audit_log", "collaboration_notes"} <= set(dated), dated
    # A column named in column_filters gets Flask-Admin's six date filters: one Danish range instead.
    from flask_admin.contrib.peewee.filters import FilterConverter

    scaffolded = FilterConverter().convert("DateTimeField", AuditLog.at, "Hvornår")
    converted = danish_dates(scaffolded)
    assert [type(f) for f in converted if isinstance(f, english)] == [DanishDateTimeBetweenFilter]
    assert len(danish_dates(FilterConverter().convert("DateField", Match.started_on, "Startet"))) == 2  # + empty


def test_the_danish_datetime_filter_takes_whole_days():
    from admin.filters import DanishDateTimeBetweenFilter
    from models import AuditLog

    flt = DanishDateTimeBetweenFilter(AuditLog.at, "Hvornår")
    start, end = flt.clean("01.03.2025 til 02.03.2025")
    sql, params = flt.apply(AuditLog.select(), [start, end]).sql()
    assert params[-2:] == [datetime.datetime(2025, 3, 1), datetime.datetime(2025, 3, 3)], (sql, params)


# -- exports a person reads ---------------------------------------------------------------------
# The import round-trip export (Administration → Import → export, issue 10) is the machine export
# chosen explicitly: ISO dates and raw codes, so that it imports back unchanged (tests/test_imports.py).


def cell_leaks(value, english):
    """What a person should not read in one exported cell (header or value)."""
    text = "" if value is None else str(value)
    found = []
    if text in english:
        found.append(f"English {text!r}")
    for pattern, what in (
        (r"^(None|True|False|null)$", "a raw value"),
        (r"\b\d{1,2}:\d{2}:\d{2}\b", "a time with seconds"),
        (r"\b\d{4}-\d{2}-\d{2}\b", "an ISO date"),
    ):
        if re.search(pattern, text):
            found.append(f"{what}: {text!r}")
    return found


def _export_urls(app, role):
    """Every list export `role` may download (csv and xlsx), core and plugins."""
    from models.roles import ADMIN

    urls = []
    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            access = getattr(view, "access", {}).get(role or ADMIN, "")
            if getattr(view, "model", None) is not None and "x" in access and view.export_types:
                urls += [f"{view.url}/export/{fmt}/" for fmt in view.export_types]
    return urls


def _rows(response, url):
    import csv
    import io

    if url.rstrip("/").endswith("csv") or "/csv" in url:
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def test_exports_a_person_reads_have_danish_headers_and_no_raw_values(app, login, rich_world):
    """Every list export (CSV and Excel, core and plugins) and the closures summary: Danish headers,
    dd.mm.åååå dates, no None, no seconds, yes/no in Danish (issue 14)."""
    from plugins.collaboration.models import CollaborationNote

    world, case, closed = rich_world
    a = world.a
    gp = factories.make_partner(a.org, name="Lægehuset Enghave")
    CollaborationNote.create(
        organisation=a.org, referral=case, service=gp, date=datetime.date.today(), followup_on=datetime.date.today()
    )
    from plugins.intake.models import IntakeAnswer

    for kind, value in (("yes_no", "true"), ("date", '"2025-03-01"'), ("short_text", '"Gerne om tirsdagen"')):
        IntakeAnswer.create(
            organisation=a.org, referral=case, question_label=f"Spørgsmål {kind}", kind=kind, value=value
        )
    english = english_messages()
    client = login(a.users["admin"])
    today = datetime.date.today()
    urls = _export_urls(app, "admin")
    assert "/admin/referral/export/csv/" in urls and "/admin/collab_note/export/xlsx/" in urls, urls
    urls += [
        f"/admin/closures/export/{fmt}/?start={today - datetime.timedelta(days=30)}&end={today}"
        for fmt in ("csv", "xlsx")
    ]
    problems, exported = [], 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.location)
        rows = _rows(response, url.split("?")[0])
        assert rows and rows[0], url
        exported += len(rows) > 1
        header = [str(h) for h in rows[0]]
        for row in rows:
            for column, value in zip(header, row, strict=False):
                for leak in cell_leaks(value, english):
                    # Exceptions, on purpose: a list's stable codes (e.g. "moved") are identifiers
                    # the import reads, not words; the audit trail keeps its times to the second.
                    if column == "Kode" and leak.startswith("English"):
                        continue
                    if url.startswith("/admin/audit_log/") and column == "Tidspunkt" and "seconds" in leak:
                        continue
                    problems.append(f"{url}: {column}: {leak}")
    assert exported >= 10, exported  # the check read rows, not only headers
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_machine_export_keeps_iso_dates(app, login, rich_world):
    """The import round-trip export is chosen explicitly and stays ISO (it imports back unchanged)."""
    world, case, _closed = rich_world
    for fmt in ("csv", "xlsx"):
        response = login(world.a.users["admin"]).get(f"/admin/import/export/referrals.{fmt}")
        assert response.status_code == 200, response.status_code
    response = login(world.a.users["admin"]).get("/admin/import/export/referrals.csv")
    assert case.received_on.isoformat() in response.get_data(as_text=True)
