"""Administration: users, the organisation's settings, editable lists and the audit log."""

from flask import flash
from flask_admin.contrib.peewee.filters import DateBetweenFilter, FilterEqual
from flask_babel import format_datetime
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.loading import lookup_filter
from audit_trail import RecordFilter
from i18n import _l
from models.audit import ACTIONS, AuditLog
from models.roles import ADMIN, OPERATOR, ORGANISATION_ROLES, PARTNER, ROLES
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
            raise ValidationError(_l("Give the new user a password of at least 10 characters."))

    def delete_model(self, model):
        if model.id == current_user.id:
            flash(_l("You cannot delete yourself."), "error")
            return False
        return super().delete_model(model)


class OrganisationAdmin(BrobyggerModelView):
    access = {ADMIN: "re"}
    column_list = ("name", "slug", "minimal_records", "allow_anonymous", "max_case_days")
    form_columns = ("name", "slug", "minimal_records", "allow_anonymous", "max_case_days", "report_k")
    form_args = {"report_k": {"validators": [NumberRange(min=2, max=50)]}}
    column_exclude_list = ("created_at", "updated_at", "version")


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
            from models.lookups import code_from

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
    column_formatters_export = {"at": _to_the_second}

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
