"""The user's own profile: whether they want reminder e-mails."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.pages import RoleView
from extensions import db
from i18n import _
from models import AuditLog, User


class ProfileView(RoleView):
    roles = ("admin", "coordinator", "bridge_builder")

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "POST":
            wanted = request.form.get("reminder_mail") == "y"
            with db.atomic():
                User.update(reminder_mail=wanted).where(User.id == current_user.id).execute()
                AuditLog.record("update", current_user._get_current_object(), current_user.id)
            flash(
                _("You will get reminders by e-mail.") if wanted else _("You will get no reminders by e-mail."),
                "success",
            )
            return redirect(url_for(".index"))
        return self.render("admin/profile.html", user=current_user)
