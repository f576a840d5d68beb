"""Administration: users, the organisation's settings, editable lists and the audit log."""

from flask import flash
from flask_admin.contrib.peewee.filters import DateBetweenFilter, FilterEqual
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from i18n import _l
from models.audit import ACTIONS, AuditLog
from models.roles import ADMIN, PARTNER, ROLES
from models.rules import normalise_email
from models.user import User

ADMIN_ONLY = {ADMIN: "rcedx"}
MIN_PASSWORD = 10


class UserAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or e-mail")
    access = ADMIN_ONLY
    column_list = ("name", "email", "role", "partner", "active", "last_login_at")
    column_sortable_list = ("name", "email", "role", "last_login_at")
    column_default_sort = "name"
    column_filters = (FilterEqual(User.role, _l("Role"), options=ROLES),)
    column_details_exclude_list = ("password_hash", "search_key", "organisation")
    form_columns = ("name", "email", "role", "partner", "active", "new_password")
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(min=MIN_PASSWORD, max=200)],
            description=_l("At least 10 characters. Leave empty to keep the current password."),
        ),
    }
    form_args = {"email": {"validators": [Email(), Length(max=254)]}}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.email = normalise_email(model.email)
        if model.role == PARTNER and not model.partner_id:
            raise ValidationError(_l("A partner user must belong to a partner."))
        if model.role != PARTNER:
            model.partner = None
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError(_l("Give the new user a password of at least 10 characters."))

    def delete_model(self, model):
        if model.id == current_user.id:
            flash(_l("You cannot delete yourself."), "error")
            return False
        return super().delete_model(model)


class OrganisationAdmin(BrobyggerModelView):
    access = {ADMIN: "re"}
    column_list = ("name", "slug", "minimal_records", "allow_anonymous", "max_case_days")
    form_columns = ("name", "slug", "minimal_records", "allow_anonymous", "max_case_days")
    column_exclude_list = ("created_at", "updated_at", "version")


class LookupAdmin(BrobyggerModelView):
    """One view per admin-editable list (channels, reasons, categories, kinds)."""

    access = ADMIN_ONLY
    column_list = ("name", "position", "active")
    column_sortable_list = ("name", "position")
    column_default_sort = [("position", False), ("name", False)]
    column_editable_list = ()
    form_columns = ("name", "position", "active")


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
}


def _record_type(view, context, model, name):
    return RECORD_TYPES.get(model.model, model.model)


class ClosureReasonAdmin(LookupAdmin):
    column_list = ("name", "code", "position", "active")
    form_columns = ("name", "code", "position", "active")


class InstrumentAdmin(LookupAdmin):
    """Outcome instruments as data: items, answer range and score factor (UCLA-3, WHO-5, ...)."""

    column_list = ("name", "item_min", "item_max", "factor", "higher_is_better", "active")
    form_columns = ("name", "code", "items", "item_min", "item_max", "factor", "higher_is_better", "position", "active")
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
    column_list = ("name", "service", "position", "active")
    form_columns = ("name", "service", "position", "active")


class AuditLogAdmin(BrobyggerModelView):
    """Read-only for admins: nobody can create, change or delete an entry."""

    column_formatters = {"model": _record_type}
    column_formatters_detail = {"model": _record_type}

    access = {ADMIN: "rx"}
    simple_list_pager = True
    column_list = ("at", "user", "role", "action", "model", "record_id")
    column_sortable_list = ("at",)
    column_default_sort = ("at", True)
    column_filters = (
        FilterEqual(AuditLog.action, _l("Action"), options=ACTIONS),
        FilterEqual(AuditLog.model, _l("Record type")),
        DateBetweenFilter(AuditLog.at, _l("When")),
    )

    def _export_data(self):
        return super(BrobyggerModelView, self)._export_data()
