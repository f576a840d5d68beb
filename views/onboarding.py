"""The one-time set-password page a new (or reset) admin reaches from the link they were given."""

from flask import Blueprint, flash, redirect, render_template, url_for

from extensions import db
from forms.onboarding import SetPasswordForm
from i18n import _
from models import AuditLog, User
from models.onboarding import OnboardingError, check_password_rule, user_for_token

bp = Blueprint("onboarding", __name__)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    user = user_for_token(token)
    if user is None:
        return render_template(
            "auth/set_password.html",
            form=None,
            problem=_("The link has expired or has already been used. Ask for a new one."),
        ), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            check_password_rule(form.password.data)
        except OnboardingError as exc:
            form.password.errors.append(str(exc.message))
        else:
            with db.atomic():
                user.set_password(form.password.data)
                User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
                AuditLog.record("update", "User", user.id, user=user)
            flash(_("Your password is set. Log in with it."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user, problem=None)
