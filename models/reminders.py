"""Reminder e-mails: new referrals to the team, and a daily digest of what needs action.

Sent by the CLI command `flask --app app send-reminders` (run it from cron or a systemd timer),
never from a request: the app does not depend on the mail server, and a mail only ever reports
rows another transaction has committed. Each user's `ReminderState` says what they were last told;
it moves on only after the mail server accepted the mail, so a server that is down means the same
reminder is tried again on the next run.

What a mail holds: case numbers, channels, dates and what is due, for cases the recipient may see
(`Referral.visible_to`) — no names, no contact details and never a note's text (e-mail is not a
safe channel for personal data). The link leads to the logged-in pages.
"""

import datetime
import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from peewee import DateField, DateTimeField, ForeignKeyField

from i18n import _
from models.base import BaseModel, utcnow
from models.referral import Referral
from models.user import User

log = logging.getLogger(__name__)

STAFF_ROLES = ("admin", "coordinator", "bridge_builder")
TEAM_ROLES = ("admin", "coordinator")
MAX_LISTED = 50  # cases named in one mail; the rest are counted


class ReminderState(BaseModel):
    """What a user was last told: referrals created up to `new_until`, the digest of `digest_on`."""

    user = ForeignKeyField(User, backref="+", unique=True, on_delete="CASCADE")
    new_until = DateTimeField(null=True)
    digest_on = DateField(null=True)

    class Meta:
        table_name = "reminder_state"


class MailError(Exception):
    """The mail server could not be reached or refused the mail."""


def recipients():
    """Active staff users who chose reminders in their profile."""
    return (
        User.select()
        .where((User.active == True) & (User.reminder_mail == True) & User.role.in_(STAFF_ROLES))  # noqa: E712
        .order_by(User.organisation, User.id)
    )


def _link(path):
    base = (current_app.config.get("BROBYGGER_BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if base else path


def _case_line(case, due=()):
    channel = case.channel.name if case.channel_id else "—"
    received = _("received %(date)s", date=f"{case.received_on:%d.%m.%Y}")
    line = f"  #{case.id} · {channel} · {received}"
    if due:
        line += " · " + ", ".join(str(label) for _code, label in due)
    return line


def new_referrals_mail(user, since, until):
    """The referrals created in (since, until] that `user` may see, as (subject, body) or None."""
    query = Referral.unassigned_new(user).where(Referral.created_at <= until)
    if since is not None:
        query = query.where(Referral.created_at > since)
    cases = list(query.order_by(Referral.id).limit(MAX_LISTED + 1))
    if not cases:
        return None
    lines = [_("New referrals nobody has taken yet:"), *[_case_line(c) for c in cases[:MAX_LISTED]]]
    if len(cases) > MAX_LISTED:
        lines.append(_("…and more."))
    lines += ["", _("Take them on the start page: %(link)s", link=_link("/admin/"))]
    return _("New referrals (%(count)s)", count=len(cases[:MAX_LISTED])), "\n".join(lines)


def digest_mail(user, today):
    """The daily digest: the user's cases needing action; for coordinators also the team's
    unassigned referrals older than the organisation's limit and overdue follow-ups."""
    # import here: cycle models → admin.caseload → models
    from admin.caseload import plugin_due

    settings = user.organisation.queue_settings
    extra = plugin_due(user, today)
    team = user.role in TEAM_ROLES
    due = list(
        Referral.needing_action(user, settings, team=team, today=today, extra_ids=extra.keys())
        .order_by(Referral.received_on)
        .limit(MAX_LISTED)
    )
    lines = []
    if due:
        lines.append(_("The team's cases needing action:") if team else _("Your cases needing action:"))
        lines += [_case_line(c, c.due_items(settings, today, extra.get(c.id, ()))) for c in due]
    if team:
        old = list(
            Referral.unassigned_new(user, older_than_days=settings.unassigned_days, today=today)
            .order_by(Referral.received_on)
            .limit(MAX_LISTED)
        )
        if old:
            lines += ["", _("Unassigned for more than %(days)s days:", days=settings.unassigned_days)]
            lines += [_case_line(c) for c in old]
        overdue = sum(1 for items in extra.values() for code, _label in items if code == "followup")
        if overdue:
            lines += ["", _("Overdue follow-ups: %(count)s", count=overdue)]
    else:
        waiting = Referral.unassigned_new(user).count()
        if waiting:
            lines += ["", _("New referrals nobody has taken yet: %(count)s", count=waiting)]
    if not lines:
        return None
    lines += ["", _("Your work queue: %(link)s", link=_link("/admin/"))]
    return _("Today in Brobygger: %(date)s", date=f"{today:%d.%m.%Y}"), "\n".join(lines)


def send_mail(to, subject, body):
    """Send one plain-text mail through the SMTP server of the configuration; MailError if not."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc


def send_reminders(now=None, digest=True):
    """Send what is due to every user who asked for reminders. Returns (sent, failed) counts.

    A failure is logged and leaves the user's state as it was: the next run tries again."""
    if not current_app.config.get("MAIL_SERVER"):
        log.warning("MAIL_SERVER is not set: no reminders sent.")
        return 0, 0
    now = now or utcnow()
    today = now.date()
    sent = failed = 0
    for user in recipients():
        state, _created = ReminderState.get_or_create(user=user.id, defaults={"new_until": None})
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            # The first run after opting in reports the last day's referrals, not every one ever.
            since = state.new_until or (now - datetime.timedelta(days=1))
            mails = [("new", new_referrals_mail(user, since, now))]
            if digest and state.digest_on != today:
                mails.append(("digest", digest_mail(user, today)))
        for kind, mail in mails:
            if mail is not None:
                try:
                    send_mail(user.email, *mail)
                except MailError as exc:
                    log.warning("Reminder to user %s not sent (%s); it is tried again on the next run.", user.id, exc)
                    failed += 1
                    continue
                sent += 1
            # Only what reached the server (or had nothing to say) moves the state on.
            if kind == "new":
                ReminderState.update(new_until=now).where(ReminderState.id == state.id).execute()
            else:
                ReminderState.update(digest_on=today).where(ReminderState.id == state.id).execute()
    return sent, failed
