"""Activities, their sessions and attendance, and the partners who run them."""

from flask import request
from flask_admin.contrib.peewee.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual
from flask_login import current_user
from markupsafe import escape
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.loading import ScopedAjaxLoader, lookup_filter
from i18n import _l
from models import Activity, ActivityCategory, ActivitySession, Citizen, Partner
from models.activity import FREQUENCY, WEEKDAYS
from models.referral import Match, Referral
from models.roles import ADMIN, BRIDGE_BUILDER, COORDINATOR, PARTNER
from models.search import fold

ACTIVITY_STAFF = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rcex", PARTNER: "rce"}


class PartnerAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or contact person")
    access = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rx"}
    column_list = ("name", "kind", "contact_name", "contact_phone", "agreement_until")
    column_sortable_list = ("name", "agreement_until")
    column_default_sort = "name"
    form_columns = ("name", "kind", "contact_name", "contact_email", "contact_phone", "agreement", "agreement_until")


class ActivityAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or place")
    access = ACTIVITY_STAFF
    column_list = (
        "name",
        "partner",
        "category",
        "frequency",
        "weekday",
        "start_time",
        "place",
        "is_practice",
        "leads_to",
        "public",
    )
    column_sortable_list = ("name", "weekday", "place")
    column_default_sort = "name"
    column_filters = (
        FilterEqual(Activity.frequency, _l("Frequency"), options=FREQUENCY),
        FilterEqual(Activity.weekday, _l("Weekday"), options=[(str(k), v) for k, v in WEEKDAYS]),
        BooleanEqualFilter(Activity.is_practice, _l("Practice community")),
    )
    form_columns = (
        "name",
        "partner",
        "category",
        "focus",
        "frequency",
        "weekday",
        "start_time",
        "place",
        "price",
        "age_min",
        "age_max",
        "capacity",
        "is_practice",
        "leads_to",
        "public",
        "active_from",
        "active_until",
        "description",
    )
    form_args = {
        "age_min": {"validators": [Optional(), NumberRange(min=0, max=120)]},
        "age_max": {"validators": [Optional(), NumberRange(min=0, max=120)]},
        "capacity": {"validators": [Optional(), NumberRange(min=1, max=10000)]},
    }

    def get_filters(self):
        return [
            *super().get_filters(),
            lookup_filter(Activity.category, _l("Category"), ActivityCategory),
            lookup_filter(Activity.partner, _l("Partner"), Partner),
        ]

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.age_min is not None and model.age_max is not None and model.age_max < model.age_min:
            raise ValidationError(_l("The upper age must not be below the lower age."))
        if model.active_from and model.active_until and model.active_until < model.active_from:
            raise ValidationError(_l("The end date cannot be before the start date."))
        if model.leads_to_id and model.leads_to_id == model.id:
            raise ValidationError(_l("An activity cannot lead to itself."))


class ActivitySessionAdmin(BrobyggerModelView):
    access = ACTIVITY_STAFF
    simple_list_pager = True
    column_list = ("date", "activity", "head_count")
    column_sortable_list = ("date", "head_count")
    column_default_sort = ("date", True)
    column_filters = (DateBetweenFilter(ActivitySession.date, _l("Date")),)
    form_columns = ("activity", "date", "head_count", "notes")
    form_args = {"head_count": {"validators": [Optional(), NumberRange(min=0, max=100000)]}}

    def get_filters(self):
        return [*super().get_filters(), lookup_filter(ActivitySession.activity, _l("Activity"), Activity)]


def _participant_label(view, context, model, name):
    """Partners see a participant's first name or initials, nothing more."""
    return escape(model.citizen.short_label)


def eligible_participants(user):
    """Consenting citizens matched to an activity the user may see: who can attend a session."""
    activities = Activity.visible_to(user).select(Activity.id)
    # Partners see no citizens at all except these participants; staff only those they may see.
    citizens = Citizen.select() if user.role == PARTNER else Citizen.visible_to(user)
    return (
        citizens.join(Referral)
        .join(Match, on=(Match.referral == Referral.id))
        .where(
            (Citizen.organisation == user.organisation_id)
            & Citizen.consent_on.is_null(False)
            & Match.activity.in_(activities)
        )
        .distinct()
    )


class ParticipantLoader(ScopedAjaxLoader):
    """Ajax lookup of participants, labelled by first name or initials only. Partners search by
    that label alone, so a phone number or surname reveals nothing."""

    def _query(self):
        return eligible_participants(current_user)

    def format(self, model):
        return (model.id, model.short_label) if model else None

    def get_list(self, term, offset=0, limit=10):
        if current_user.role != PARTNER:
            return super().get_list(term, offset, limit)
        wanted = fold(term)
        rows = [c for c in self._query().order_by(Citizen.initials).limit(2000) if wanted in fold(c.short_label)]
        return rows[max(offset or 0, 0) :][: min(max(limit or 10, 1), 50)]


class AttendanceAdmin(BrobyggerModelView):
    access = {ADMIN: "rcedx", COORDINATOR: "rcedx", BRIDGE_BUILDER: "rced", PARTNER: "rcd"}
    simple_list_pager = True
    column_list = ("session", "citizen")
    column_default_sort = ("created_at", True)
    column_formatters = {"citizen": _participant_label}
    column_details_list = ("session", "citizen", "created_at")
    column_formatters_detail = {"citizen": _participant_label}
    column_formatters_export = {"citizen": lambda v, c, m, n: m.citizen.short_label}
    can_view_details = True
    form_columns = ("session", "citizen")
    form_ajax_refs = {"citizen": {"fields": ("search_key",), "placeholder": _l("First name or initials")}}

    def _create_ajax_loader(self, name, options):
        if name == "citizen":
            return ParticipantLoader(name, Citizen, **options)
        return super()._create_ajax_loader(name, options)

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if "session" in form:
            form.session.query = (
                ActivitySession.visible_to(current_user).order_by(ActivitySession.date.desc()).limit(500)
            )
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if request.method == "POST" and model.citizen and model.citizen.consent_on is None:
            raise ValidationError(_l("Attendance is only recorded for citizens who have consented."))
