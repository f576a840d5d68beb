"""Partners' listing changes awaiting the organisation's approval, and activities' waiting lists."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from peewee import IntegrityError

from admin.loading import to_int
from admin.pages import RoleView
from extensions import db
from i18n import _
from models import Activity, AuditLog, ListingChange, Referral, WaitingListEntry
from models.listing import APPROVED, PENDING, REJECTED
from models.schedule import ScheduleError

CASE_WORKERS = ("admin", "coordinator", "bridge_builder")


def _show(value):
    if value is None or value == "":
        return "–"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


class ListingChangeView(RoleView):
    """What partners changed in their listings: approve to publish, or reject."""

    roles = ("admin", "coordinator")

    @expose("/")
    def index(self):
        changes = list(
            ListingChange.visible_to(current_user)
            .where(ListingChange.status == PENDING)
            .order_by(ListingChange.created_at)
        )
        decided = list(
            ListingChange.visible_to(current_user)
            .where(ListingChange.status.in_((APPROVED, REJECTED)))
            .order_by(ListingChange.decided_at.desc())
            .limit(20)
        )
        return self.render("admin/listing_changes.html", changes=changes, decided=decided, show=_show)

    @expose("/decide/", methods=("POST",))
    def decide_view(self):
        change = (
            ListingChange.visible_to(current_user)
            .where((ListingChange.id == to_int(request.form.get("change"))) & (ListingChange.status == PENDING))
            .first()
        )
        if change is None:
            flash(_("That change is already decided or does not exist."), "error")
            return redirect(url_for(".index"))
        approve = request.form.get("decision") == "approve"
        try:
            with db.atomic():
                change.decide(current_user, approve)
                AuditLog.record("update", change, change.id)
        except ScheduleError as exc:
            flash(_("The change cannot be published: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".index"))
        if approve:
            flash(_("The change to “%(activity)s” is published.", activity=change.activity.name), "success")
        else:
            flash(_("The change to “%(activity)s” is rejected.", activity=change.activity.name), "info")
        return redirect(url_for(".index"))


class WaitingListView(RoleView):
    """Cases waiting for a place on a full activity."""

    roles = CASE_WORKERS

    @expose("/")
    def index(self):
        activities = Activity.visible_to(current_user).select(Activity.id)
        entries = list(
            WaitingListEntry.select(WaitingListEntry, Activity, Referral)
            .join(Activity, on=(WaitingListEntry.activity == Activity.id))
            .switch(WaitingListEntry)
            .join(Referral, on=(WaitingListEntry.referral == Referral.id))
            .where(
                (WaitingListEntry.organisation == current_user.organisation_id)
                & WaitingListEntry.activity.in_(activities)
                & WaitingListEntry.referral.in_(Referral.visible_to(current_user).select(Referral.id))
            )
            .order_by(Activity.name, WaitingListEntry.created_at)
        )
        taken = Activity.places_taken({e.activity_id for e in entries})
        return self.render("admin/waiting_list.html", entries=entries, taken=taken)

    @expose("/add/", methods=("POST",))
    def add_view(self):
        activity = Activity.visible_to(current_user).where(Activity.id == to_int(request.form.get("activity"))).first()
        referral = Referral.visible_to(current_user).where(Referral.id == to_int(request.form.get("referral"))).first()
        if activity is None or referral is None:
            flash(_("The activity or the case does not exist, or you do not have access to it."), "error")
            return redirect(url_for(".index"))
        try:
            with db.atomic():
                entry = WaitingListEntry.create(
                    organisation=current_user.organisation_id,
                    activity=activity,
                    referral=referral,
                    added_by=current_user,
                )
                AuditLog.record("create", entry, entry.id)
        except IntegrityError:
            flash(_("The case is already on the waiting list for “%(activity)s”.", activity=activity.name), "info")
        else:
            flash(_("The case is on the waiting list for “%(activity)s”.", activity=activity.name), "success")
        return redirect(request.form.get("back") if _local(request.form.get("back")) else url_for(".index"))

    @expose("/remove/", methods=("POST",))
    def remove_view(self):
        activities = Activity.visible_to(current_user).select(Activity.id)
        entry = (
            WaitingListEntry.select()
            .where(
                (WaitingListEntry.id == to_int(request.form.get("entry")))
                & (WaitingListEntry.organisation == current_user.organisation_id)
                & WaitingListEntry.activity.in_(activities)
                & WaitingListEntry.referral.in_(Referral.visible_to(current_user).select(Referral.id))
            )
            .first()
        )
        if entry is not None:
            AuditLog.record("delete", entry, entry.id)
            entry.delete_instance()
            flash(_("Taken off the waiting list."), "success")
        return redirect(url_for(".index"))


def _local(target):
    return bool(target) and target.startswith("/") and not target.startswith("//")
