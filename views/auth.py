"""Login (password, then a second factor where enrolled or required), logout, re-authentication
before sensitive actions, and the user's own password and two-factor settings."""

import time

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from extensions import limiter
from forms.auth import CodeForm, EnrolForm, LoginForm, PasswordChangeForm, ReauthForm
from i18n import _
from models import AuditLog, User
from models.base import utcnow
from models.roles import PARTNER
from security import (
    account_locked,
    clear_failed_logins,
    count_failed_login,
    mark_recent_auth,
    recent_auth_redirect,
    safe_local_path,
    start_session,
)

bp = Blueprint("auth", __name__)

# Password, second-factor and confirmation attempts share one limit per client address.
_login_limit = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="login", methods=["POST"])
PENDING_SECONDS = 300


def _mfa_required(user):
    return user.mfa_required(current_app.config["MFA_REQUIRED_ROLES"])


def _locked_message():
    return _(
        "Too many failed attempts for this account. Wait 15 minutes and try again, or ask your administrator for help."
    )


def _next_target(value=None):
    """The page to go to after logging in: a safe `next`, or None for the user's start page."""
    return safe_local_path(value if value is not None else request.args.get("next"))


def _home(user):
    """Partners start on their phone page; everybody else on the overview."""
    if user.role == PARTNER and user.partner_id:
        return url_for("partner_page.start")
    return url_for("admin.index")


def _finish_login(user, target):
    start_session(user)
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    AuditLog.record("login", "User", user.id, user=user)
    clear_failed_logins(user.email)
    return redirect(safe_local_path(target) or _home(user))


@bp.route("/login", methods=["GET", "POST"])
@_login_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        if account_locked(form.email.data):
            flash(_locked_message(), "error")
            return render_template("auth/login.html", form=form), 429
        user = User.authenticate(form.email.data, form.password.data)
        if user is None:
            count_failed_login(form.email.data)
            flash(_("Wrong e-mail or password."), "error")
        elif user.mfa_enrolled or _mfa_required(user):
            # The password was right; the session is not logged in until the second factor is.
            session.clear()
            session["mfa_pending"] = {
                "uid": user.id,
                "epoch": user.session_epoch or 0,
                "at": int(time.time()),
                "next": safe_local_path(request.args.get("next")),
            }
            return redirect(url_for("auth.mfa" if user.mfa_enrolled else "auth.mfa_setup"))
        else:
            return _finish_login(user, _next_target())
    return render_template("auth/login.html", form=form)


def _pending_user():
    """The user whose password was right a moment ago and who still needs the second factor."""
    pending = session.get("mfa_pending") or {}
    if int(time.time()) - int(pending.get("at") or 0) > PENDING_SECONDS:
        return None, None
    user = User.get_or_none((User.id == pending.get("uid")) & (User.active == True))  # noqa: E712
    if user is None or (user.session_epoch or 0) != pending.get("epoch"):
        return None, None
    return user, pending


def _pending_expired():
    session.pop("mfa_pending", None)
    flash(_("The login took too long. Log in again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/2fa", methods=["GET", "POST"])
@_login_limit
def mfa():
    user, pending = _pending_user()
    if user is None or not user.mfa_enrolled:
        return _pending_expired()
    form = CodeForm()
    if form.validate_on_submit():
        if account_locked(user.email):
            flash(_locked_message(), "error")
            return render_template("auth/mfa.html", form=form), 429
        if user.verify_second_factor(form.code.data):
            if user.recovery_codes_left <= 2:
                flash(_("Few recovery codes are left. Make new ones under My account."), "warning")
            return _finish_login(user, pending.get("next"))
        count_failed_login(user.email)
        flash(_("The code is not right, or it was already used. Try the next code."), "error")
    return render_template("auth/mfa.html", form=form)


def _qr_svg(uri):
    # SVG markup, not an image or a script: it renders under the CSP as it is.
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


@bp.route("/login/2fa/setup", methods=["GET", "POST"])
@_login_limit
def mfa_setup():
    """First login of a user who must use a second factor: enrol, then see the recovery codes."""
    user, pending = _pending_user()
    if user is None or user.mfa_enrolled:
        return _pending_expired()
    return _enrolment(user, lambda: _finish_login(user, pending.get("next")).location)


def _enrolment(user, done, by_choice=False):
    """The enrolment page: a new secret on every GET, its QR code, and the code that confirms it.
    Once confirmed, `done()` ends the step and gives the page after the recovery codes."""
    if not user.totp_secret or request.method == "GET":
        user.begin_mfa_enrolment()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = user.confirm_mfa_enrolment(form.code.data)
        if codes:
            AuditLog.record("update", "User", user.id, user=user)
            return render_template("auth/recovery_codes.html", codes=codes, next=done())
        count_failed_login(user.email)
        flash(_("The code does not fit. Check the phone's clock and type the newest code."), "error")
    issuer = current_app.config["MFA_ISSUER"]
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        qr=_qr_svg(user.provisioning_uri(issuer)),
        secret=user.totp_secret,
        by_choice=by_choice,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Ends this session and every other one of the user (a copied cookie included).
    current_user.end_sessions()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@_login_limit
def reauth():
    """Confirm the password (and second factor) before an export, a delete or a user change."""
    form = ReauthForm()
    user = User.get_by_id(current_user.id)
    target = _next_target()
    if form.validate_on_submit():
        if account_locked(user.email):
            flash(_locked_message(), "error")
            return render_template("auth/reauth.html", form=form, user=user), 429
        ok = user.check_password(form.password.data)
        if ok and user.mfa_enrolled:
            ok = user.verify_second_factor(form.code.data)
        if ok:
            mark_recent_auth()
            return redirect(target)
        count_failed_login(user.email)
        flash(_("The password or the code is not right."), "error")
    return render_template("auth/reauth.html", form=form, user=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
@_login_limit
def account():
    """The user's own password (the current one required) and two-factor status."""
    user = User.get_by_id(current_user.id)
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if account_locked(user.email):
            flash(_locked_message(), "error")
            return render_template("auth/account.html", form=form, user=user, mfa_required=_mfa_required(user)), 429
        if not user.check_password(form.old_password.data):
            count_failed_login(user.email)
            form.old_password.errors.append(_("The current password is not right."))
        else:
            user.set_password(form.new_password.data)
            user.save()  # a new password ends every session of the user ...
            AuditLog.record("update", "User", user.id, user=user)
            start_session(user)  # ... except this one, started anew
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, user=user, mfa_required=_mfa_required(user))


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
@_login_limit
def account_mfa():
    """Two-factor login turned on by the user's own choice, after confirming the password."""
    user = User.get_by_id(current_user.id)
    if user.mfa_enrolled:
        return redirect(url_for("auth.account"))
    response = recent_auth_redirect()
    if response is not None:
        return response
    return _enrolment(user, lambda: _enrolled_by_choice(user), by_choice=True)


def _enrolled_by_choice(user):
    user.end_sessions()  # other devices log in again, now with the code ...
    start_session(user)  # ... this one goes on
    flash(_("Two-factor login is on. You are logged out everywhere else."), "success")
    return url_for("auth.account")


@bp.route("/account/2fa/off", methods=["POST"])
@login_required
def account_mfa_off():
    """Two-factor login turned off again — only where neither the role nor the organisation requires it."""
    user = User.get_by_id(current_user.id)
    if not user.mfa_enrolled:
        return redirect(url_for("auth.account"))
    if _mfa_required(user):
        flash(_("Your role or your organisation requires two-factor login, so it cannot be turned off."), "error")
        return redirect(url_for("auth.account"))
    response = recent_auth_redirect()
    if response is not None:
        return response
    user.reset_mfa()  # no secret, no recovery codes, every session ended ...
    start_session(user)  # ... except this one
    AuditLog.record("update", "User", user.id)
    flash(_("Two-factor login is off. You are logged out everywhere else."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    user = User.get_by_id(current_user.id)
    if not user.mfa_enrolled:
        return redirect(url_for("auth.account"))
    response = recent_auth_redirect()
    if response is not None:
        return response
    codes = user.new_recovery_codes()
    AuditLog.record("update", "User", user.id)
    return render_template("auth/recovery_codes.html", codes=codes, next=url_for("auth.account"))
