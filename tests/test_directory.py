"""The public activity directory, its iCal feeds and the HSDS 3.0 export: only published activities
of active partners, filters that survive tampering, feeds whose expanded dates equal the app's own,
HSDS that validates against our HSDS 3.0 schema, nothing personal anywhere, rate limits."""

import csv
import datetime
import io
import json
import zipfile
from pathlib import Path

import icalendar
import jsonschema
import pytest
import recurring_ical_events
from referencing import Registry, Resource

from extensions import db
from models import Activity, ActivityCategory
from tests import factories

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "hsds3.schema.json").read_text())
D = datetime.date
T = datetime.time


@pytest.fixture
def town(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        org = factories.make_org(name="Frivilligcenter Sydhavn")
        partner = factories.make_partner(org, name="Ældre Sagen Sydhavn", contact_phone="11223344")
        walking = ActivityCategory.get((ActivityCategory.organisation == org.id) & (ActivityCategory.name == "Gåtur"))
        cafe = factories.make_activity(
            org,
            partner=partner,
            name="Netværkscafé",
            public=True,
            place="Kulturhuset, Enghavevej 80",
            postal_code="2450",
            city="København SV",
            start_time=T(14),
            end_time=T(16),
            active_from=D(2026, 1, 7),
            price="free",
            step_free=True,
            description="Kaffe og snak hver anden uge.",
            how_to_join="Mød bare op.",
        )
        cafe.recurrence = "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
        cafe.cancelled_dates = "2026-01-21"
        cafe.moved_dates = "2026-02-04>2026-02-05"
        cafe.save()
        walk = factories.make_activity(
            org,
            partner=partner,
            name="Skovtur",
            public=True,
            category=walking,
            place="Sydhavn Station",
            postal_code="2450",
            city="København SV",
            start_time=T(10),
            price="self_payment",
            age_min=60,
        )
        walk.recurrence = "FREQ=MONTHLY;BYDAY=1MO"
        walk.save()
        hidden = factories.make_activity(org, partner=partner, name="Skjult gruppe", public=False)
        inactive_partner = factories.make_partner(org, name="Nedlagt forening", active=False)
        gone = factories.make_activity(org, partner=inactive_partner, name="Nedlagt café", public=True)
        ended = factories.make_activity(
            org, partner=partner, name="Sluttet kor", public=True, active_until=D(2020, 1, 1)
        )
        other_org = factories.make_org(name="Andet center")
        foreign = factories.make_activity(other_org, name="Fremmed café", public=True)
        # A referred citizen matched to the café: never in anything public.
        citizen = factories.make_citizen(org, name="Hanne Hemmelig", phone="99887766", email="hanne@example.dk")
        factories.make_match(factories.make_referral(org, citizen=citizen), cafe, status="joined")
        factories.make_session(cafe, date=D(2026, 1, 7), head_count=9, notes="Privat note")
        return type("Town", (), locals())


def text(response):
    return response.get_data(as_text=True)


def test_directory_lists_only_published_activities_of_active_partners(client, town):
    page = text(client.get(f"/aktiviteter/{town.org.slug}/"))
    assert "Netværkscafé" in page and "Skovtur" in page
    for name in ("Skjult gruppe", "Nedlagt café", "Sluttet kor", "Fremmed café", "Hanne", "99887766"):
        assert name not in page
    assert "Hver anden onsdag kl. 14–16" in page
    for activity in (town.hidden, town.gone, town.ended):
        assert client.get(f"/aktiviteter/{town.org.slug}/{activity.id}").status_code == 404
    assert client.get(f"/aktiviteter/{town.org.slug}/{town.foreign.id}").status_code == 404
    assert client.get("/aktiviteter/findes-ikke/").status_code == 404


@pytest.mark.parametrize(
    "query, shown, not_shown",
    [
        ("q=skov", {"Skovtur"}, {"Netværkscafé"}),
        ("ugedag=2", {"Netværkscafé"}, {"Skovtur"}),
        ("ugedag=0", {"Skovtur"}, {"Netværkscafé"}),
        ("pris=self_payment", {"Skovtur"}, {"Netværkscafé"}),
        ("alder=40", {"Netværkscafé"}, {"Skovtur"}),
        ("adgang=step_free", {"Netværkscafé"}, {"Skovtur"}),
        ("postnummer=24", {"Netværkscafé", "Skovtur"}, set()),
        ("postnummer=8000", set(), {"Netværkscafé", "Skovtur"}),
    ],
)
def test_filters(client, town, query, shown, not_shown):
    page = text(client.get(f"/aktiviteter/{town.org.slug}/?{query}"))
    for name in shown:
        assert name in page, query
    for name in not_shown:
        assert name not in page, query


def test_category_filter(client, town):
    page = text(client.get(f"/aktiviteter/{town.org.slug}/?kategori={town.walking.id}"))
    assert "Skovtur" in page and "Netværkscafé" not in page


@pytest.mark.parametrize(
    "query",
    [
        "ugedag=9",
        "ugedag=abc",
        "kategori=999999",
        "kategori=1%27%20OR%201=1",
        "alder=-5",
        "alder=1e9",
        "pris=gratis%00",
        "postnummer=%3Cscript%3E",
        "adgang=elevator",
        "q=" + "x" * 5000,
        "ugedag=2&ugedag=3",
    ],
)
def test_tampered_filters_never_500(client, town, query):
    response = client.get(f"/aktiviteter/{town.org.slug}/?{query}")
    assert response.status_code in (200, 400), query
    assert "<script>" not in text(response)


def test_activity_page_shows_next_dates_place_and_how_to_join(client, town):
    page = text(client.get(f"/aktiviteter/{town.org.slug}/{town.cafe.id}"))
    assert "Kulturhuset, Enghavevej 80" in page and "Mød bare op." in page and "Niveaufri adgang" in page
    assert "Hver anden onsdag kl. 14–16" in page
    assert "Hanne" not in page and "Privat note" not in page


def test_public_referral_pages_link_the_directory(client, town):
    directory = f"/aktiviteter/{town.org.slug}/"
    assert directory in text(client.get(f"/henvis/{town.org.slug}/"))
    assert directory in text(client.get(f"/henvis/{town.org.slug}/laege"))
    assert directory in text(client.get(f"/henvis/{town.org.slug}/selv"))


def _expanded(feed, start, end):
    calendar = icalendar.Calendar.from_ical(feed)
    return calendar, recurring_ical_events.of(calendar).between(start, end)


def test_activity_feed_is_valid_rfc5545_and_expands_to_the_apps_dates(app, client, town):
    response = client.get(f"/aktiviteter/{town.org.slug}/{town.cafe.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    feed = response.get_data()
    calendar, events = _expanded(feed, D(2026, 1, 1), D(2026, 7, 1))
    assert [c.name for c in calendar.walk("VTIMEZONE")] == ["VTIMEZONE"]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    event = calendar.walk("VEVENT")[0]
    assert str(event["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert b"EXDATE;TZID=Europe/Copenhagen:20260121T140000,20260204T140000" in feed.replace(b"\r\n ", b"")
    assert b"RDATE;TZID=Europe/Copenhagen:20260205T140000" in feed.replace(b"\r\n ", b"")
    with app.app_context():
        ours = [o.starts_at for o in Activity.get_by_id(town.cafe.id).schedule.between(D(2026, 1, 1), D(2026, 6, 30))]
    theirs = sorted(e["DTSTART"].dt for e in events)
    assert theirs == ours
    assert all(
        t.utcoffset() == datetime.timedelta(hours=2 if 4 <= t.month <= 9 else 1) for t in theirs[:4] + theirs[-2:]
    )
    assert b"Hanne" not in feed and b"Privat" not in feed


def test_organisation_and_partner_feeds(app, client, town):
    for url in (
        f"/aktiviteter/{town.org.slug}/kalender.ics",
        f"/aktiviteter/{town.org.slug}/partner/{town.partner.id}.ics",
    ):
        feed = client.get(url).get_data()
        calendar, events = _expanded(feed, D(2026, 1, 1), D(2026, 12, 31))
        assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"Netværkscafé", "Skovtur"}, url
        with app.app_context():
            ours = sorted(
                o.starts_at
                for a in (town.cafe, town.walk)
                for o in Activity.get_by_id(a.id).schedule.between(D(2026, 1, 1), D(2026, 12, 31))
            )
        assert sorted(e["DTSTART"].dt for e in events) == ours
    assert client.get(f"/aktiviteter/{town.org.slug}/partner/{town.inactive_partner.id}.ics").status_code == 404


def _validator(definition):
    registry = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
    schema = {"$ref": f"{SCHEMA['$id']}#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


def test_hsds_services_validate_against_hsds3(client, town):
    response = client.get(f"/aktiviteter/{town.org.slug}/hsds/services")
    assert response.mimetype == "application/json"
    page = response.get_json()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator("page").iter_errors(page)]
    assert not errors, errors
    services = {s["name"]: s for s in page["contents"]}
    assert set(services) == {"Netværkscafé", "Skovtur"}
    cafe = services["Netværkscafé"]
    assert cafe["schedules"][0]["freq"] == "WEEKLY" and cafe["schedules"][0]["interval"] == 2
    assert cafe["schedules"][0]["byday"] == "WE" and cafe["schedules"][0]["opens_at"] == "14:00"
    address = cafe["service_at_locations"][0]["location"]["addresses"][0]
    assert address["postal_code"] == "2450" and address["country"] == "DK"
    assert services["Skovtur"]["schedules"][0]["byday"] == "1MO"
    body = response.get_data(as_text=True)
    for personal in ("Hanne", "99887766", "hanne@example.dk", "Privat note"):
        assert personal not in body
    # The schema is not a rubber stamp: a wrong status or a missing name fails.
    broken = json.loads(body)
    broken["contents"][0]["status"] = "open"
    del broken["contents"][1]["name"]
    assert len(list(_validator("page").iter_errors(broken))) == 2


def test_hsds_data_package_tables_validate(client, town):
    response = client.get(f"/aktiviteter/{town.org.slug}/hsds.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    descriptor = json.loads(archive.read("datapackage.json"))
    objects = {
        "organizations": "organization",
        "services": "service",
        "locations": "location",
        "addresses": "address",
        "accessibility": "accessibility",
        "service_at_locations": "service_at_location",
        "schedules": "schedule",
        "cost_options": "cost_option",
        "contacts": "contact",
    }
    assert {r["path"] for r in descriptor["resources"]} == {f"{n}.csv" for n in objects}
    numbers = {"interval", "minimum_age", "maximum_age"}
    counts = {}
    for table, definition in objects.items():
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{table}.csv").decode())))
        counts[table] = len(rows)
        validator = _validator(definition)
        for row in rows:
            record = {k: (float(v) if k in numbers else v) for k, v in row.items() if v != ""}
            errors = [e.message for e in validator.iter_errors(record)]
            assert not errors, (table, errors)
    assert counts["services"] == 2 and counts["schedules"] == 2 and counts["organizations"] == 1
    whole = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Hanne" not in whole and b"99887766" not in whole


def test_directory_and_feeds_are_rate_limited(make_app, town):
    app = make_app(DIRECTORY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    slug = town.org.slug
    statuses = [
        client.get(url).status_code for url in [f"/aktiviteter/{slug}/", f"/aktiviteter/{slug}/kalender.ics"] * 2
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    assert "For mange" in client.get(f"/aktiviteter/{slug}/hsds/services").get_data(as_text=True)
