"""models/case_rows.py rows_in_one_query: several SELECTs in one statement give exactly the rows,
values and joined objects each query gives alone (dates, UTC datetimes, booleans, NULLs, floats,
Danish letters, LEFT JOINs with no match, limits and order), on SQLite and PostgreSQL."""

import datetime

from playhouse.test_utils import count_queries

from models import Measurement
from models.case_rows import (
    case_closures,
    case_contacts,
    case_matches,
    case_measurements,
    case_notes,
    case_status_changes,
    rows_in_one_query,
)
from models.referral import Contact
from tests import factories


def _same(rows, expected):
    assert [r.__data__ for r in rows] == [r.__data__ for r in expected]


def test_rows_in_one_query_are_the_rows_of_each_query(app, world):
    a = world.a
    factories.build_rich_case(a, 4)
    factories.make_contact(a.referral, date=datetime.date(2025, 12, 31), note="Æblegrød på Ærø — “citat”")
    rid = a.referral.id
    queries = {
        "contacts": case_contacts(rid),
        "matches": case_matches(rid),
        "history": case_status_changes(rid),
        "closures": case_closures(rid),
        "notes": case_notes(rid),
        "measurements": case_measurements(rid),
        "few": case_contacts(rid, limit=2),
        "none": Contact.select().where(Contact.referral == -1),
    }
    with count_queries() as counter:
        rows = rows_in_one_query(**queries)
    assert counter.count == 1
    for name, query in queries.items():
        _same(rows[name], list(query.clone()))
    assert rows["none"] == [] and len(rows["few"]) == 2
    contact = next(c for c in rows["contacts"] if c.note and c.note.startswith("Æble"))
    assert contact.date == datetime.date(2025, 12, 31) and contact.kind_id is None
    with_kind = next(c for c in rows["contacts"] if c.kind_id)
    assert with_kind.kind.name  # the joined kind, without a query of its own
    match = rows["matches"][-1]
    assert match.activity.is_practice is True and match.activity.leads_to.name == "Spisefællesskab"
    closure = rows["closures"][0]
    assert isinstance(closure.reopened_at, datetime.datetime) and isinstance(closure.created_at, datetime.datetime)
    assert all(isinstance(m.score, float) for m in rows["measurements"])
    assert isinstance(rows["measurements"][0], Measurement)
    with count_queries() as counter:
        [c.kind.name for c in rows["contacts"] if c.kind_id]
        [n.by.name for n in rows["notes"] if n.by_id]
    assert counter.count == 0
