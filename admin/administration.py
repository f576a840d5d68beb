"""Administration: users, the organisation's settings, editable lists and the audit log."""

from flask import flash, g
from flask_admin.actions import action
from flask_admin.contrib.peewee.filters import DateBetweenFilter, FilterEqual
from flask_babel import format_datetime
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.loading import lookup_filter
from audit_trail import RecordFilter
from forms.auth import StrongPassword
from i18n import _, _l, ngettext
from models.audit import ACTIONS, AuditLog
from models.lookups import code_from
from models.organisation import Organisation
from models.roles import ADMIN, OPERATOR, ORGANISATION_ROLES, PARTNER, ROLES
from models.rules import normalise_email
from models.user import User
from privacy.minimal import existing_free_text
from privacy.retention import settings_problem

ADMIN_ONLY = {ADMIN: "rcedx"}


class UserAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or e-mail")
    access = ADMIN_ONLY
    column_list = ("name", "email", "role", "partner", "active", "totp_enabled_at", "last_login_at")
    column_sortable_list = ("name", "email", "role", "last_login_at")
    column_default_sort = "name"
    column_filters = (FilterEqual(User.role, _l("Role"), options=ROLES),)
    column_details_exclude_list = (
        "password_hash",
        "search_key",
        "organisation",
        "totp_secret",
        "totp_last_step",
        "recovery_codes",
        "session_epoch",
    )
    column_export_exclude_list = (*column_details_exclude_list, "version")
    # Creating and changing users (roles, passwords) needs a recent password confirmation.
    recent_auth_views = ("create_view", "edit_view", "action_view")
    form_columns = ("name", "email", "role", "partner", "active", "new_password")
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(max=200), StrongPassword(email_field="email", name_field="name")],
            description=_l(
                "At least 12 characters, not easy to guess. Leave empty to keep the current password. "
                "A new password logs the user out everywhere."
            ),
        ),
    }
    form_args = {"email": {"validators": [Email(), Length(max=254)]}}
    form_choices = {"role": [(code, label) for code, label in ORGANISATION_ROLES]}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.email = normalise_email(model.email)
        if model.role == OPERATOR:  # only the operator (or the CLI) makes operators
            raise ValidationError(_l("Choose a role."))
        if model.role == PARTNER and not model.partner_id:
            raise ValidationError(_l("A partner user must belong to a partner."))
        if model.role != PARTNER:
            model.partner = None
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError(_l("Give the new user a password of at least 12 characters."))

    @action(
        "reset_two_factor",
        _l("Reset two-factor login"),
        _l("Reset two-factor login for the selected users? They set it up again at their next login."),
    )
    def action_reset_two_factor(self, ids):
        users = list(self.get_query().where(User.id.in_([int(i) for i in ids if str(i).isdigit()])))
        for user in users:
            user.reset_mfa()
            AuditLog.record("update", user, user.id)
        flash(
            ngettext(
                "Two-factor login was reset for %(num)s user.",
                "Two-factor login was reset for %(num)s users.",
                len(users),
            ),
            "success",
        )

    def delete_model(self, model):
        if model.id == current_user.id:
            flash(_l("You cannot delete yourself."), "error")
            return False
        return super().delete_model(model)


class OrganisationAdmin(BrobyggerModelView):
    access = {ADMIN: "re"}
    column_list = ("name", "slug", "minimal_records", "allow_anonymous", "max_case_days", "mfa_required")
    form_columns = (
        "name",
        "slug",
        "minimal_records",
        "allow_anonymous",
        "max_case_days",
        "report_k",
        "mfa_required",
        "retention_closed_months",
        "retention_declined_months",
        "first_contact_days",
        "idle_weeks",
        "unassigned_days",
        "phone",
        "sor_code",
        "ean_code",
    )
    form_args = {
        "report_k": {"validators": [NumberRange(min=2, max=50)]},
        **{
            name: {"validators": [NumberRange(min=1, max=365)]}
            for name in ("first_contact_days", "idle_weeks", "unassigned_days")
        },
    }
    column_exclude_list = ("created_at", "updated_at", "version")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        stored = None if is_created else Organisation.get_or_none(Organisation.id == model.id)
        g.mfa_turned_on = bool(model.mfa_required and stored is not None and not stored.mfa_required)
        # Left empty: the defaults (24 and 6 months), never "keep for ever".
        if model.retention_closed_months is None:
            model.retention_closed_months = Organisation.retention_closed_months.default
        if model.retention_declined_months is None:
            model.retention_declined_months = Organisation.retention_declined_months.default
        problem = settings_problem(model.retention_closed_months, model.retention_declined_months)
        if problem:
            raise ValidationError(problem)

    def after_model_change(self, form, model, is_created):
        if g.pop("mfa_turned_on", False):
            # Sessions without a second factor end now; at the next login each sets one up.
            ended = User.end_sessions_without_second_factor(model.id, keep=current_user.id)
            flash(
                ngettext(
                    "Two-factor login is now required. "
                    "%(num)s user without it was logged out and sets it up at the next login.",
                    "Two-factor login is now required. "
                    "%(num)s users without it were logged out and set it up at their next login.",
                    ended,
                )
            )
        # Minimal records switched on: the free text written so far is hidden; offer to erase it.
        if model.minimal_records and existing_free_text(model):
            flash(_("Minimal records is on. Free text written before is hidden; review and erase it under Privacy."))


class LookupAdmin(BrobyggerModelView):
    """One view per admin-editable list (channels, reasons, categories, kinds)."""

    access = ADMIN_ONLY
    column_list = ("name", "code", "position", "active")
    column_sortable_list = ("name", "position")
    column_default_sort = [("position", False), ("name", False)]
    column_editable_list = ()
    form_columns = ("name", "code", "position", "active")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.code:
            model.code = code_from(model.code)
            cls = type(model)
            taken = cls.select().where(
                (cls.organisation == model.organisation_id) & (cls.code == model.code) & (cls.id != (model.id or 0))
            )
            if taken.exists():
                raise ValidationError(_l("Another entry of this list has the code %(code)s.", code=model.code))


RECORD_TYPES = {
    "Activity": _l("Activity"),
    "ActivitySession": _l("Session"),
    "Attendance": _l("Attendance"),
    "Citizen": _l("Citizen"),
    "Contact": _l("Contact"),
    "Match": _l("Match"),
    "Organisation": _l("Organisation"),
    "Partner": _l("Partner"),
    "Referral": _l("Referral"),
    "User": _l("User"),
    "Instrument": _l("Instrument"),
    "CaseNote": _l("Note"),
    "CollaborationNote": _l("Collaboration note"),
    "IntakeAnswer": _l("Intake answer"),
    "GpFeedback": _l("GP feedback"),
    "Report": _l("Report"),
    "NetworkReport": _l("Network report"),
    "ImportBatch": _l("Import"),
}


def _record_type(view, context, model, name):
    return RECORD_TYPES.get(model.model, model.model)


class ClosureReasonAdmin(LookupAdmin):
    column_list = ("name", "code", "position", "active")
    form_columns = ("name", "code", "position", "active")


class InstrumentAdmin(LookupAdmin):
    """Outcome instruments as data: items, answer range and score factor (UCLA-3, WHO-5, ...)."""

    column_list = ("name", "item_min", "item_max", "factor", "higher_is_better", "active")
    form_columns = (
        "name",
        "code",
        "items",
        "anchors",
        "item_min",
        "item_max",
        "factor",
        "higher_is_better",
        "position",
        "active",
    )
    form_args = {
        "item_min": {"validators": [NumberRange(min=0, max=100)]},
        "item_max": {"validators": [NumberRange(min=1, max=100)]},
        "factor": {"validators": [NumberRange(min=0.01, max=100)]},
    }

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.item_max <= model.item_min:
            raise ValidationError(_l("The highest answer must be above the lowest."))
        if not model.item_list:
            raise ValidationError(_l("Give at least one question, one per line."))


class PartnerKindAdmin(LookupAdmin):
    column_list = ("name", "code", "service", "position", "active")
    form_columns = ("name", "code", "service", "position", "active")


def _to_the_second(view, context, model, name):
    return format_datetime(model.at, "dd.MM.yyyy HH:mm:ss") if model.at else ""


class AuditLogAdmin(BrobyggerModelView):
    """Read-only for admins: nobody can create, change or delete an entry. Filtered by user and by
    record ("Citizen:12": its own entries and every list, search and case page that showed it)."""

    column_formatters = {"model": _record_type, "at": _to_the_second}
    column_formatters_detail = {"model": _record_type, "at": _to_the_second}
    # The export keeps the list's seconds on purpose: an audit trail orders and matches events
    # to the second (the one exception to "no seconds" in exports, tests/test_danish_pages.py).
    column_formatters_export = {"model": _record_type, "at": _to_the_second}

    access = {ADMIN: "rx"}
    simple_list_pager = True
    column_list = ("at", "user", "role", "action", "model", "record_id", "rows", "detail")
    column_sortable_list = ("at",)
    column_default_sort = ("at", True)
    column_filters = (
        RecordFilter(AuditLog.record_id, _l("Record")),
        FilterEqual(AuditLog.action, _l("Action"), options=ACTIONS),
        FilterEqual(AuditLog.model, _l("Record type")),
        DateBetweenFilter(AuditLog.at, _l("When")),
    )

    def get_filters(self):
        return [*super().get_filters(), lookup_filter(AuditLog.user, _l("User"), User)]
