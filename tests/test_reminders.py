"""Reminder e-mails against a real SMTP server (aiosmtpd on 127.0.0.1, started by the test).

New referrals reach the users who opted in and may see them; the daily digest lists what needs
action; nothing names a citizen or quotes a note; a mail server that is down is logged, changes
nothing in the app and is tried again on the next run.
"""

import datetime
import email
import logging
import socket

import pytest
from aiosmtpd.controller import Controller

from models import CaseNote, ReminderState, User
from tests import factories


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, message["Subject"], message.get_payload(decode=True).decode()))
        return "250 OK"


def set_mail_config(monkeypatch, app, **values):
    """The app is shared by the session's tests: monkeypatch puts its config back afterwards."""
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    set_mail_config(monkeypatch, app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    yield inbox
    controller.stop()


@pytest.fixture
def team(world):
    a = world.a
    builder = a.users["bridge_builder"]
    coordinator = a.users["coordinator"]
    for user in (builder, coordinator):
        User.update(reminder_mail=True).where(User.id == user.id).execute()
    citizen = factories.make_citizen(a.org, name="Kirsten Holm", initials="KH", phone="12345678")
    new = factories.make_referral(a.org, citizen=citizen)
    CaseNote.create(organisation=a.org, referral=new, text="Hemmelig note om helbred", by=builder)
    today = datetime.date.today()
    late = factories.make_referral(a.org, assigned_to=builder, received_on=today - datetime.timedelta(days=20))
    old = factories.make_referral(a.org, received_on=today - datetime.timedelta(days=10))
    # Beta's builder opted in too: Alfa's cases never reach them.
    User.update(reminder_mail=True).where(User.id == world.b.users["bridge_builder"].id).execute()
    return world, new, late, old


def _to(inbox, user):
    return [(subject, body) for rcpts, subject, body in inbox.messages if user.email in rcpts]


def test_new_referrals_and_the_digest_reach_those_who_opted_in(runner, smtp, team):
    world, new, late, old = team
    a = world.a
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    builder_mail = _to(smtp, a.users["bridge_builder"])
    subjects = [s for s, _b in builder_mail]
    assert any(s.startswith("Nye henvisninger") for s in subjects) and any(
        s.startswith("I dag i Brobygger") for s in subjects
    )
    new_body = next(b for s, b in builder_mail if s.startswith("Nye henvisninger"))
    assert f"#{new.id}" in new_body and f"#{old.id}" in new_body
    digest = next(b for s, b in builder_mail if s.startswith("I dag"))
    assert f"#{late.id}" in digest and "Ingen første kontakt" in digest
    coordinator_digest = next(b for s, b in _to(smtp, a.users["coordinator"]) if s.startswith("I dag"))
    assert f"#{old.id}" in coordinator_digest.split("Uden brobygger i mere end")[1]  # unassigned > 3 days
    # Nobody else: not the admin who did not opt in, not the partner, not another organisation's user.
    for user in (a.users["admin"], a.users["partner"], a.users["evaluator"]):
        assert _to(smtp, user) == []
    beta = _to(smtp, world.b.users["bridge_builder"])
    assert all(f"#{c.id} " not in body for _s, body in beta for c in (new, late, old))
    # No personal data and no note text in any mail.
    for _rcpts, subject, body in smtp.messages:
        for secret in ("Kirsten", "Holm", "12345678", "Hemmelig", a.citizen.name):
            assert secret not in body and secret not in subject

    # A second run the same day: nothing new, no second digest.
    count = len(smtp.messages)
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    assert len(smtp.messages) == count
    # A new referral arrives: only that one is reported.
    newer = factories.make_referral(a.org)
    runner.invoke(args=["send-reminders", "--no-digest"])
    latest = _to(smtp, a.users["bridge_builder"])[-1][1]
    assert f"#{newer.id}" in latest and f"#{new.id}" not in latest


def test_opting_in_and_out_in_the_profile(login, world):
    builder = world.a.users["bridge_builder"]
    client = login(builder)
    assert "Påmindelser på e-mail" in client.get("/admin/profile/").get_data(as_text=True)
    client.post("/admin/profile/", data={"reminder_mail": "y"})
    assert User.get_by_id(builder.id).reminder_mail is True
    client.post("/admin/profile/", data={})
    assert User.get_by_id(builder.id).reminder_mail is False
    assert login(world.a.users["partner"]).get("/admin/profile/").status_code == 403


def test_a_mail_server_that_is_down_is_logged_and_tried_again(app, runner, team, caplog, login, monkeypatch):
    world, new, _late, _old = team
    set_mail_config(monkeypatch, app, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nobody
    with caplog.at_level(logging.WARNING, logger="models.reminders"):
        result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "tried again on the next run" in caplog.text
    alfa = [world.a.users["bridge_builder"].id, world.a.users["coordinator"].id]
    states = list(ReminderState.select().where(ReminderState.user.in_(alfa)))
    assert len(states) == 2 and all(s.new_until is None and s.digest_on is None for s in states)
    # The app does not notice: pages work, a case can be taken.
    client = login(world.a.users["bridge_builder"])
    assert client.get("/admin/").status_code == 200
    client.post("/admin/referral/take/", data={"id": new.id})
    assert type(new).get_by_id(new.id).assigned_to_id == world.a.users["bridge_builder"].id

    # The server is back: the next run sends what the failed one could not.
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        set_mail_config(monkeypatch, app, MAIL_PORT=port)
        assert runner.invoke(args=["send-reminders"]).exit_code == 0
    finally:
        controller.stop()
    subjects = [s for s, _b in _to(inbox, world.a.users["bridge_builder"])]
    assert any(s.startswith("I dag i Brobygger") for s in subjects)
    assert ReminderState.select().where(ReminderState.digest_on == datetime.date.today()).count() >= 2


def test_no_mail_server_configured_sends_nothing(runner, team, caplog):
    with caplog.at_level(logging.WARNING, logger="models.reminders"):
        result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "MAIL_SERVER is not set" in caplog.text
