"""The partner's phone page: today's and this week's occurrences, the session register (who a
partner may see, saving once, a date logged twice, bad input), listing proposals and approval,
capacity and waiting lists."""

import datetime
import re

import pytest

from extensions import db
from models import Activity, ActivitySession, Attendance, Citizen, ListingChange, Organisation, WaitingListEntry
from models.schedule import BYDAY
from tests import factories

TODAY = datetime.date.today()


@pytest.fixture
def club(app):
    """A partner with an activity every weekday (so today has an occurrence) and referred citizens
    in every situation the visibility rule tells apart."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        org = factories.make_org()
        partner = factories.make_partner(org, name="Ældre Sagen")
        user = factories.make_user(org, "partner", partner=partner)
        cafe = factories.make_activity(
            org, partner=partner, name="Netværkscafé", start_time=datetime.time(14), public=True, capacity=3
        )
        cafe.recurrence = "FREQ=WEEKLY;BYDAY=" + ",".join(BYDAY)
        cafe.save()
        other = factories.make_activity(org, partner=factories.make_partner(org), name="Anden forenings tur")

        def referred(name, status="joined", case_status="active", activity=cafe, **kw):
            citizen = factories.make_citizen(org, name=name, **kw)
            referral = factories.make_referral(org, citizen=citizen, status=case_status)
            factories.make_match(referral, activity, status=status)
            return citizen

        people = {
            "hanne_j": referred("Hanne Jensen", birth_year=1948),
            "hanne_m": referred("Hanne Mørk", status="suggested"),
            "ole": referred("Ole", status="tried", birth_year=1950),
            "stopped": referred("Stine Stoppet", status="stopped"),
            "closed": referred("Carl Lukket", case_status="closed"),
            "no_consent": referred("Nina Nej", consent_on=None, partner_consent_on=None, partner_consent_how=None),
            "elsewhere": referred("Erik Andetsteds", activity=other),
        }
        staff = factories.make_user(org, "bridge_builder")
        return type(
            "Club",
            (),
            {
                "org": org,
                "partner": partner,
                "user": user,
                "cafe": cafe,
                "other": other,
                "people": people,
                "staff": staff,
            },
        )


def test_visibility_rule_follows_design_6(app, club):
    with app.app_context():
        visible = {c.id for c in Citizen.visible_to_partner(club.partner.id)}
        p = club.people
        assert visible == {p["hanne_j"].id, p["hanne_m"].id, p["ole"].id}
        assert {c.id for c in Citizen.visible_to_partner(club.partner.id, club.other.id)} == set()


def test_start_page_lists_today_and_the_register_shows_only_allowed_participants(app, club, login):
    client = login(club.user)
    start = client.get("/partner/")
    text = start.get_data(as_text=True)
    assert start.status_code == 200
    assert "I dag" in text and "Denne uge" in text
    register_url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    assert register_url in text
    page = client.get(register_url).get_data(as_text=True)
    # First name plus the surname's initial; a one-name citizen gets the birth year.
    for label in ("Hanne J.", "Hanne M.", "Ole (1950)"):
        assert label in page
    for hidden in ("Jensen", "Mørk", "Stine", "Carl", "Nina", "Erik"):
        assert hidden not in page
    assert 'name="notes"' in page


def test_saving_the_register_once_records_attendance_and_head_count(app, club, login):
    client = login(club.user)
    p = club.people
    url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    response = client.post(url, data={"present": [p["hanne_j"].id, p["ole"].id], "head_count": "7"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/partner/")
    with app.app_context():
        session = ActivitySession.get((ActivitySession.activity == club.cafe.id) & (ActivitySession.date == TODAY))
        assert session.head_count == 7 and session.logged_by_id == club.user.id
        assert {a.citizen_id for a in Attendance.select().where(Attendance.session == session.id)} == {
            p["hanne_j"].id,
            p["ole"].id,
        }
    # The head count is never below the ticks.
    client.post(
        url,
        data={"present": [p["hanne_j"].id, p["ole"].id, p["hanne_m"].id], "head_count": "1", "session_id": session.id},
    )
    with app.app_context():
        assert ActivitySession.get_by_id(session.id).head_count == 3


def test_a_citizen_the_partner_may_not_see_cannot_be_ticked(app, club, login):
    client = login(club.user)
    url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    for citizen in ("stopped", "closed", "no_consent", "elsewhere"):
        response = client.post(url, data={"present": [club.people[citizen].id]})
        assert response.status_code == 400, citizen
        assert "kan ikke registreres" in response.get_data(as_text=True)
    response = client.post(url, data={"present": ["x"]})
    assert response.status_code == 400
    with app.app_context():
        assert ActivitySession.select().count() == 0 and Attendance.select().count() == 0


def test_a_date_logged_twice_is_merged_with_a_message_pointing_to_it(app, club, login):
    first, second = login(club.user), login(club.user)
    p = club.people
    url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    first.get(url)
    second.get(url)  # both phones opened the empty register
    first.post(url, data={"present": [p["hanne_j"].id], "head_count": "4"})
    response = second.post(url, data={"present": [p["ole"].id], "head_count": "5"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "allerede registreret af" in text and "Dine afkrydsninger er lagt til (1 nye)" in text
    assert "duplicate" not in text.lower() and "dublet" not in text.lower()
    with app.app_context():
        sessions = list(ActivitySession.select().where(ActivitySession.activity == club.cafe.id))
        assert len(sessions) == 1 and sessions[0].head_count == 5
        assert {a.citizen_id for a in Attendance.select()} == {p["hanne_j"].id, p["ole"].id}


@pytest.mark.parametrize(
    "day, fragment",
    [
        (TODAY + datetime.timedelta(days=1), "i fremtiden"),
        (TODAY - datetime.timedelta(days=400), "uden for aktivitetens aktive periode"),
    ],
)
def test_sessions_in_the_future_or_outside_the_period_are_refused(app, club, login, day, fragment):
    with app.app_context():
        Activity.update(active_from=TODAY - datetime.timedelta(days=30)).where(Activity.id == club.cafe.id).execute()
    client = login(club.user)
    response = client.post(f"/partner/register/{club.cafe.id}/{day.isoformat()}", data={"head_count": "3"})
    assert response.status_code == 400 and fragment in response.get_data(as_text=True)
    with app.app_context():
        assert ActivitySession.select().count() == 0


def test_bad_counts_and_tampered_urls(app, club, login):
    client = login(club.user)
    url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    for value in ("-1", "abc", "99999999"):
        response = client.post(url, data={"head_count": value})
        assert response.status_code == 400, value
    assert client.get(f"/partner/register/{club.cafe.id}/not-a-date").status_code == 404
    assert client.get(f"/partner/register/{club.other.id}/{TODAY.isoformat()}").status_code == 404
    assert client.get(f"/partner/listing/{club.other.id}").status_code == 404
    with app.app_context():
        assert ActivitySession.select().count() == 0


def test_minimal_records_has_no_notes_and_demographics_when_wanted(app, club, login):
    with app.app_context():
        Organisation.update(minimal_records=True, session_demographics=True).where(
            Organisation.id == club.org.id
        ).execute()
    client = login(club.user)
    url = f"/partner/register/{club.cafe.id}/{TODAY.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="notes"' not in page and 'name="men"' in page and 'name="newcomers"' in page
    client.post(url, data={"head_count": "6", "men": "2", "women": "4", "newcomers": "1", "notes": "Hemmeligt"})
    with app.app_context():
        session = ActivitySession.get(ActivitySession.activity == club.cafe.id)
        assert (session.men, session.women, session.newcomers, session.notes) == (2, 4, 1, None)


def test_staff_are_sent_away_from_the_partner_page(app, club, login):
    assert login(club.staff).get("/partner/").status_code == 403
    assert app.test_client().get("/partner/").status_code == 302


def _listing_data(**overrides):
    data = {
        "description": "Kaffe og snak",
        "place": "Kulturhuset",
        "postal_code": "2450",
        "city": "København SV",
        "repeats": "biweekly",
        "weekdays": ["2"],
        "start_time": "14:00",
        "end_time": "16:00",
        "active_from": "2026-01-07",
        "price": "free",
        "cancelled": "",
        "moves": "",
    }
    data.update(overrides)
    return data


def test_a_partners_listing_change_waits_for_approval_and_shows_what_changed(app, club, login):
    client = login(club.user)
    response = client.post(f"/partner/listing/{club.cafe.id}", data=_listing_data())
    assert response.status_code == 302
    with app.app_context():
        cafe = Activity.get_by_id(club.cafe.id)
        assert cafe.place is None and cafe.recurrence.endswith(",SU")  # nothing published yet
        change = ListingChange.get(ListingChange.activity == club.cafe.id)
        assert change.status == "pending"
    coordinator = login(factories.make_user(club.org, "coordinator"))
    page = coordinator.get("/admin/listing-changes/").get_data(as_text=True)
    assert "Kulturhuset" in page and "hver anden onsdag" in page
    assert login(club.staff).get("/admin/listing-changes/").status_code == 403
    response = coordinator.post("/admin/listing-changes/decide/", data={"change": change.id, "decision": "approve"})
    assert response.status_code == 302
    with app.app_context():
        cafe = Activity.get_by_id(club.cafe.id)
        assert cafe.place == "Kulturhuset" and cafe.recurrence == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"
        assert cafe.frequency == "biweekly" and cafe.weekday == 2 and cafe.end_time == datetime.time(16)
        assert ListingChange.get_by_id(change.id).status == "approved"


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"end_time": "13:00"}, "sluttidspunktet"),
        (
            {"repeats": "weekly", "weekdays": ["0"], "active_from": "2026-03-03", "active_until": "2026-03-05"},
            "ingen datoer",
        ),
        ({"repeats": "monthly", "weekdays": ["0"]}, "uge i måneden"),
        (
            {
                "cancelled": "\n".join(
                    f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=n):%d.%m.%Y}" for n in range(500)
                )
            },
            "højst 400",
        ),
        (
            {
                "cancelled": "\n".join(
                    f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=n):%d.%m.%Y}" for n in range(10_000)
                )
            },
            "12000",
        ),
        ({"description": "x" * 6000}, "5000"),
        ({"moves": "04.03.2026"}, "fra &gt; til"),
    ],
)
def test_bad_listings_are_refused_with_danish_messages_and_nothing_stored(app, club, login, overrides, fragment):
    client = login(club.user)
    response = client.post(f"/partner/listing/{club.cafe.id}", data=_listing_data(**overrides))
    assert response.status_code == 400
    assert fragment.lower() in response.get_data(as_text=True).lower()
    with app.app_context():
        assert ListingChange.select().count() == 0


def test_a_five_megabyte_description_is_refused_in_danish(app, club, login):
    client = login(club.user)
    response = client.post(f"/partner/listing/{club.cafe.id}", data=_listing_data(description="x" * 5_000_000))
    assert response.status_code == 413 and "for stor" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert ListingChange.select().count() == 0 and Activity.get_by_id(club.cafe.id).description is None


def test_a_full_activity_shows_as_full_with_a_waiting_list(app, club, login):
    """Capacity 3: Hanne J. and Nina (joined) and Ole (tried) take the places; a suggestion, a stopped
    match and a closed case do not."""
    with app.app_context():
        assert Activity.places_taken([club.cafe.id]) == {club.cafe.id: 3}
        assert Activity.get_by_id(club.cafe.id).is_full
        citizen = factories.make_citizen(club.org, name="Vera Venter")
        referral = factories.make_referral(club.org, citizen=citizen, assigned_to=club.staff)
    client = login(club.staff)
    page = client.get(f"/admin/referral/suggest/?id={referral.id}").get_data(as_text=True)
    assert re.search(r"Fuld \(3/3\)", page) and "Sæt på venteliste" in page
    response = client.post("/admin/waiting-list/add/", data={"activity": club.cafe.id, "referral": referral.id})
    assert response.status_code == 302
    client.post("/admin/waiting-list/add/", data={"activity": club.cafe.id, "referral": referral.id})
    with app.app_context():
        assert WaitingListEntry.select().where(WaitingListEntry.referral == referral.id).count() == 1
    assert "1 på venteliste" in client.get(f"/admin/referral/suggest/?id={referral.id}").get_data(as_text=True)
    assert f"#{referral.id}" in client.get("/admin/waiting-list/").get_data(as_text=True)
