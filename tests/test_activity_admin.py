"""The activity and session forms in the admin: the schedule fields become an RRULE, bad schedules
and bad session dates get a Danish message with nothing stored, a date logged twice points to the
session already there, and a partner's edit of a published listing waits for approval."""

import datetime

import pytest

from models import Activity, ActivitySession, ListingChange
from tests import factories

TODAY = datetime.date.today()


def _activity_form(world, **overrides):
    data = {
        "name": "Torsdagscafé",
        "partner": str(world.a.partner.id),
        "focus": "social",
        "price": "free",
        "repeats": "monthly",
        "weekdays": ["0"],
        "month_weeks": ["1"],
        "start_time": "10:00",
        "end_time": "12:00",
        "cancelled": "",
        "moves": "",
    }
    data.update(overrides)
    return data


def test_admin_stores_the_schedule_as_a_rule_and_shows_it_in_danish(app, world, login):
    client = login(world.a.users["coordinator"])
    response = client.post("/admin/activity/new/", data=_activity_form(world, cancelled="07.12.2026"))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    activity = Activity.get(Activity.name == "Torsdagscafé")
    assert activity.recurrence == "FREQ=MONTHLY;BYDAY=1MO"
    assert activity.cancelled_dates == "2026-12-07"
    assert (activity.frequency, activity.weekday) == ("monthly", 0)
    listing = client.get("/admin/activity/").get_data(as_text=True)
    assert "den første mandag i måneden kl. 10–12" in listing
    edit = client.get(f"/admin/activity/edit/?id={activity.id}").get_data(as_text=True)
    assert "07.12.2026" in edit


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"end_time": "09:00"}, "Sluttidspunktet skal ligge efter starttidspunktet"),
        ({"active_from": "2026-05-01", "active_until": "2026-04-01"}, "Slutdatoen"),
        (
            {"repeats": "weekly", "weekdays": ["0"], "active_from": "2026-03-03", "active_until": "2026-03-05"},
            "ingen datoer",
        ),
        (
            {
                "cancelled": "\n".join(
                    f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=n):%d.%m.%Y}" for n in range(10_000)
                )
            },
            "12000",
        ),
        (
            {
                "cancelled": "\n".join(
                    f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=n):%d.%m.%Y}" for n in range(450)
                )
            },
            "Højst 400",
        ),
        ({"cancelled": "i morgen"}, "er ikke en dato"),
    ],
)
def test_bad_schedules_in_the_admin_form(app, world, login, overrides, fragment):
    client = login(world.a.users["coordinator"])
    before = Activity.select().count()
    response = client.post("/admin/activity/new/", data=_activity_form(world, **overrides))
    assert response.status_code == 200
    assert fragment in response.get_data(as_text=True)
    assert Activity.select().count() == before


def test_a_five_megabyte_description_is_refused(app, world, login):
    client = login(world.a.users["coordinator"])
    before = Activity.select().count()
    response = client.post("/admin/activity/new/", data=_activity_form(world, description="x" * 5_000_000))
    assert response.status_code == 413 and "for stor" in response.get_data(as_text=True).lower()
    assert Activity.select().count() == before


def test_session_form_refuses_future_dates_and_points_to_an_existing_session(app, world, login):
    a = world.a
    client = login(a.users["coordinator"])
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post("/admin/activity_session/new/", data={"activity": a.activity.id, "date": tomorrow})
    assert response.status_code == 200 and "i fremtiden" in response.get_data(as_text=True)
    # world.a.session is the café on 3 March 2025.
    response = client.post("/admin/activity_session/new/", data={"activity": a.activity.id, "date": "2025-03-03"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "er allerede registreret" in text and f"#{a.session.id}" in text
    assert ActivitySession.select().where(ActivitySession.activity == a.activity.id).count() == 1


def test_a_partners_admin_edit_of_a_published_activity_waits_for_approval(app, world, login):
    a = world.a
    Activity.update(public=True).where(Activity.id == a.activity.id).execute()
    activity = Activity.get_by_id(a.activity.id)
    client = login(a.users["partner"])
    data = _activity_form(world, name=activity.name, place="Nyt sted", version=str(activity.version))
    data.pop("partner")
    data["partner"] = str(a.partner.id)
    response = client.post(f"/admin/activity/edit/?id={activity.id}", data=data)
    assert response.status_code == 302
    stored = Activity.get_by_id(activity.id)
    assert stored.place is None and stored.public
    change = ListingChange.get(ListingChange.activity == activity.id)
    assert change.values()["place"] == "Nyt sted" and change.values()["recurrence"] == "FREQ=MONTHLY;BYDAY=1MO"
    # A partner's new activity is not published until the organisation publishes it.
    response = client.post("/admin/activity/new/", data={**_activity_form(world, name="Partnerens nye"), "public": "y"})
    assert response.status_code == 302
    assert Activity.get(Activity.name == "Partnerens nye").public is False


def test_bridge_builders_see_the_partners_label(app, world, login):
    citizen = factories.make_citizen(world.a.org, name="Hanne Jensen")
    page = login(world.a.users["coordinator"]).get(f"/admin/citizen/details/?id={citizen.id}").get_data(as_text=True)
    assert "Hanne J." in page
