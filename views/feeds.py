"""What the public directory gives other systems: iCalendar feeds (RFC 5545, built with icalendar)
and the Open Referral HSDS 3.0 export (JSON and a CSV data package). Both are built only from
published activities' public fields: no citizen, session or case data is ever read here."""

import csv
import datetime
import io
import json
import uuid
import zipfile

from icalendar import Calendar, Event, vRecur

from models.schedule import TZ

PRODID = "-//Brobygger//Aktivitetskalender//DA"
HSDS_VERSION = "3.0"
# Stable HSDS identifiers: UUID 5 of "<organisation slug>/<kind>/<id>" in this namespace.
NAMESPACE = uuid.UUID("6f1c2a7e-3b1d-5c55-9a0e-2b4b9f7d1c13")
PRICE_TEXT = {"free": "Gratis", "self_payment": "Egenbetaling", "pooled": "Puljefinansieret"}


# -- iCalendar ---------------------------------------------------------------------------------


def _local(day, time):
    return datetime.datetime.combine(day, time or datetime.time(0, 0), tzinfo=TZ)


def activity_event(activity, url, host):
    """The VEVENT of a repeating activity: RRULE from its rule, EXDATE for cancelled and moved
    dates, RDATE for the dates moved to; None for activities without a rule ("now and then")."""
    schedule = activity.schedule
    first = schedule.first_rule_date()
    if first is None:
        return None
    start_time = schedule.start_time
    end_time = schedule.end_time or (
        (datetime.datetime.combine(first, start_time) + datetime.timedelta(hours=2)).time() if start_time else None
    )
    event = Event()
    event.add("uid", f"activity-{activity.id}@{host}")
    event.add("dtstamp", datetime.datetime.now(datetime.UTC).replace(microsecond=0))
    event.add("summary", activity.name)
    event.add("dtstart", _local(first, start_time))
    event.add("dtend", _local(first, end_time))
    recur = vRecur.from_ical(schedule.rule.to_rrule())
    if schedule.active_until:
        # With a TZID start, UNTIL is given in UTC (RFC 5545 3.3.10).
        until = _local(schedule.active_until, datetime.time(23, 59, 59)).astimezone(datetime.UTC)
        recur["UNTIL"] = [until]
    event.add("rrule", recur)
    skipped = sorted(set(schedule.cancelled) | set(schedule.moves))
    if skipped:
        event.add("exdate", [_local(day, start_time) for day in skipped])
    moved = sorted(day for day in schedule.moves.values() if schedule.in_period(day))
    if moved:
        event.add("rdate", [_local(day, start_time) for day in moved])
    if activity.place:
        event.add("location", ", ".join(p for p in (activity.place, activity.postal_code, activity.city) if p))
    if activity.description:
        event.add("description", activity.description)
    event.add("url", url)
    return event


def calendar(name, activities, url_for_activity, host):
    """A VCALENDAR of the activities, with the Europe/Copenhagen VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    for activity in activities:
        event = activity_event(activity, url_for_activity(activity), host)
        if event is not None:
            cal.add_component(event)
    cal.add_missing_timezones(first_date=datetime.date(2000, 1, 1), last_date=datetime.date(2040, 1, 1))
    return cal.to_ical()


# -- Open Referral HSDS 3.0 -------------------------------------------------------------------


def hsds_id(org, kind, key):
    return str(uuid.uuid5(NAMESPACE, f"{org.slug}/{kind}/{key}"))


def _clean(record):
    """HSDS leaves unknown values out rather than null."""
    return {k: v for k, v in record.items() if v not in (None, "", [])}


def hsds_organization(org, public_url):
    return _clean(
        {
            "id": hsds_id(org, "organization", org.id),
            "name": org.name,
            "description": f"Aktiviteter og fællesskaber formidlet af {org.name}.",
            "website": public_url,
        }
    )


def hsds_schedule(org, activity, service_id):
    """One HSDS schedule (the RRULE's parts as fields) for a repeating activity, else None."""
    schedule = activity.schedule
    text = schedule.rule.to_rrule()
    if text is None:
        return None
    parts = dict(part.split("=", 1) for part in text.split(";"))
    first = schedule.first_rule_date()
    return _clean(
        {
            "id": hsds_id(org, "schedule", activity.id),
            "service_id": service_id,
            "valid_from": schedule.active_from.isoformat() if schedule.active_from else None,
            "valid_to": schedule.active_until.isoformat() if schedule.active_until else None,
            "dtstart": first.isoformat() if first else None,
            "until": schedule.active_until.isoformat() if schedule.active_until else None,
            "freq": parts["FREQ"],
            "interval": int(parts.get("INTERVAL", "1")),
            "byday": parts.get("BYDAY"),
            "opens_at": schedule.start_time.strftime("%H:%M") if schedule.start_time else None,
            "closes_at": schedule.end_time.strftime("%H:%M") if schedule.end_time else None,
            "description": schedule.describe(),
            "attending_type": "in_person",
        }
    )


def hsds_location(org, activity):
    location_id = hsds_id(org, "location", activity.id)
    access = [
        label
        for flag, label in (
            (activity.step_free, "Niveaufri adgang"),
            (activity.accessible_toilet, "Handicaptoilet"),
            (activity.hearing_loop, "Teleslynge"),
        )
        if flag
    ]
    addresses = []
    if activity.place and activity.postal_code and activity.city:
        addresses.append(
            {
                "id": hsds_id(org, "address", activity.id),
                "location_id": location_id,
                "address_1": activity.place,
                "city": activity.city,
                "state_province": "Danmark",
                "postal_code": activity.postal_code,
                "country": "DK",
                "address_type": "physical",
            }
        )
    accessibility = []
    if access or activity.accessibility_note:
        accessibility.append(
            _clean(
                {
                    "id": hsds_id(org, "accessibility", activity.id),
                    "location_id": location_id,
                    "description": ", ".join(access) or None,
                    "details": activity.accessibility_note,
                }
            )
        )
    return _clean(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": hsds_id(org, "organization", org.id),
            "name": activity.place,
            "addresses": addresses,
            "accessibility": accessibility,
        }
    )


def hsds_service(org, activity, public_url, activity_url):
    """One published activity as an HSDS service with its organization, schedule, location and cost."""
    service_id = hsds_id(org, "service", activity.id)
    schedule = hsds_schedule(org, activity, service_id)
    location = hsds_location(org, activity) if activity.place else None
    ages = ""
    if activity.age_min is not None or activity.age_max is not None:
        ages = f"Alder {activity.age_min or 0}–{activity.age_max}" if activity.age_max else f"Alder {activity.age_min}+"
    service = {
        "id": service_id,
        "organization_id": hsds_id(org, "organization", org.id),
        "name": activity.name,
        "description": activity.description,
        "url": activity_url,
        "status": "active",
        "application_process": activity.how_to_join,
        "fees_description": PRICE_TEXT.get(activity.price),
        "eligibility_description": "; ".join(x for x in (activity.target_group, ages) if x) or None,
        "minimum_age": activity.age_min,
        "maximum_age": activity.age_max,
        "last_modified": activity.updated_at.replace(microsecond=0).isoformat() + "Z" if activity.updated_at else None,
        "organization": hsds_organization(org, public_url),
        "schedules": [schedule] if schedule else [],
        "cost_options": [
            {
                "id": hsds_id(org, "cost_option", activity.id),
                "service_id": service_id,
                "option": PRICE_TEXT.get(activity.price, activity.price),
                "currency": "DKK",
            }
        ],
    }
    if location:
        service["service_at_locations"] = [
            {
                "id": hsds_id(org, "service_at_location", activity.id),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        ]
    if activity.contact_info:
        service["contacts"] = [
            {"id": hsds_id(org, "contact", activity.id), "service_id": service_id, "name": activity.contact_info}
        ]
    return _clean(service)


def hsds_page(services):
    """HSDS's paginated list: the whole directory on one page (a directory is small)."""
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
    }


# The data package: one CSV per HSDS table, described by datapackage.json.
TABLES = {
    "organizations": ("id", "name", "description", "website"),
    "services": (
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "status",
        "application_process",
        "fees_description",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "last_modified",
    ),
    "locations": ("id", "location_type", "organization_id", "name"),
    "addresses": (
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "accessibility": ("id", "location_id", "description", "details"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "schedules": (
        "id",
        "service_id",
        "valid_from",
        "valid_to",
        "dtstart",
        "until",
        "freq",
        "interval",
        "byday",
        "opens_at",
        "closes_at",
        "description",
        "attending_type",
    ),
    "cost_options": ("id", "service_id", "option", "currency"),
    "contacts": ("id", "service_id", "name"),
}


def hsds_tables(services):
    """The nested services flattened into HSDS's tables (rows as dicts)."""
    tables = {name: {} for name in TABLES}
    for service in services:
        org = service["organization"]
        tables["organizations"][org["id"]] = org
        tables["services"][service["id"]] = service
        for item in service.get("schedules", []):
            tables["schedules"][item["id"]] = item
        for item in service.get("cost_options", []):
            tables["cost_options"][item["id"]] = item
        for item in service.get("contacts", []):
            tables["contacts"][item["id"]] = item
        for sal in service.get("service_at_locations", []):
            tables["service_at_locations"][sal["id"]] = sal
            location = sal["location"]
            tables["locations"][location["id"]] = location
            for item in location.get("addresses", []):
                tables["addresses"][item["id"]] = item
            for item in location.get("accessibility", []):
                tables["accessibility"][item["id"]] = item
    return {name: list(rows.values()) for name, rows in tables.items()}


def _csv_safe(value):
    """No spreadsheet formulas from listing text (a cell starting with = + - @ is quoted)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def hsds_package(services, name, title):
    """A zip: datapackage.json plus one CSV per table."""
    tables = hsds_tables(services)
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns in TABLES.items():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            for row in tables[table]:
                writer.writerow([_csv_safe(row.get(c)) for c in columns])
            path = f"{table}.csv"
            archive.writestr(path, out.getvalue())
            resources.append(
                {
                    "name": table,
                    "path": path,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "profile": "tabular-data-resource",
                    "schema": {"fields": [{"name": c, "type": "string"} for c in columns]},
                }
            )
        descriptor = {
            "name": name,
            "title": title,
            "profile": "tabular-data-package",
            "hsds_version": HSDS_VERSION,
            "resources": resources,
        }
        archive.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))
    return buffer.getvalue()
