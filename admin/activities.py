"""Activities, their sessions and attendance, and the partners who run them."""

from flask import flash, request
from flask_admin.contrib.peewee.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual
from flask_login import current_user
from markupsafe import escape
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.loading import ScopedAjaxLoader, lookup_filter
from forms.activity import apply_schedule, fill_schedule, schedule_fields
from i18n import _l
from models import Activity, ActivityCategory, ActivitySession, Citizen, Partner
from models.activity import FREQUENCY, WEEKDAYS
from models.listing import divert_to_approval
from models.referral import Match, Referral
from models.roles import ADMIN, BRIDGE_BUILDER, COORDINATOR, PARTNER
from models.schedule import ScheduleError
from models.search import fold
from models.sessions import duplicate_message, existing_session

ACTIVITY_STAFF = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rcex", PARTNER: "rce"}


class PartnerAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or contact person")
    access = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rx"}
    column_list = ("name", "kind", "contact_name", "contact_phone", "agreement_until")
    column_sortable_list = ("name", "agreement_until")
    column_default_sort = "name"
    form_columns = (
        "name",
        "kind",
        "contact_name",
        "contact_email",
        "contact_phone",
        "sor_code",
        "ean_code",
        "agreement",
        "agreement_until",
        "active",
    )


class ActivityAdmin(BrobyggerModelView):
    search_hint = _l("Search by name or place")
    access = ACTIVITY_STAFF
    column_list = (
        "name",
        "partner",
        "category",
        "recurrence",
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
    column_labels = {"recurrence": _l("When")}
    column_formatters = {"recurrence": lambda v, c, m, n: m.schedule.describe()}
    column_formatters_detail = {"recurrence": lambda v, c, m, n: m.schedule.describe()}
    form_columns = (
        "name",
        "partner",
        "category",
        "focus",
        "start_time",
        "end_time",
        "active_from",
        "active_until",
        "place",
        "postal_code",
        "city",
        "price",
        "age_min",
        "age_max",
        "target_group",
        "capacity",
        "is_practice",
        "leads_to",
        "public",
        "description",
        "step_free",
        "accessible_toilet",
        "hearing_loop",
        "accessibility_note",
        "contact_info",
        "how_to_join",
    )
    form_extra_fields = schedule_fields()
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

    def on_form_prefill(self, form, id):
        fill_schedule(form, self.get_one(id))

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if current_user.role == "partner" and "public" in form:
            del form["public"]  # the organisation decides what is published
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.age_min is not None and model.age_max is not None and model.age_max < model.age_min:
            raise ValidationError(_l("The upper age must not be below the lower age."))
        if model.active_from and model.active_until and model.active_until < model.active_from:
            raise ValidationError(_l("The end date cannot be before the start date."))
        if model.leads_to_id and model.leads_to_id == model.id:
            raise ValidationError(_l("An activity cannot lead to itself."))
        try:
            apply_schedule(form, model)
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from exc
        if current_user.role == "partner" and divert_to_approval(model, current_user, is_created):
            flash(_l("Your changes to the public listing are sent to the organisation for approval."), "info")


class ActivitySessionAdmin(BrobyggerModelView):
    access = ACTIVITY_STAFF
    simple_list_pager = True
    column_list = ("date", "activity", "head_count")
    column_sortable_list = ("date", "head_count")
    column_default_sort = ("date", True)
    column_filters = (DateBetweenFilter(ActivitySession.date, _l("Date")),)
    form_columns = ("activity", "date", "head_count", "men", "women", "newcomers", "note_code", "notes")
    form_args = {
        name: {"validators": [Optional(), NumberRange(min=0, max=100000)]}
        for name in ("head_count", "men", "women", "newcomers")
    }
    free_text_fields = ("notes",)

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.activity_id and model.date:
            try:
                model.activity.check_session_date(model.date)
            except ScheduleError as exc:
                raise ValidationError(str(exc)) from exc
            other = existing_session(model.activity_id, model.date, exclude_id=model.id)
            if other is not None:  # point to the session already there, never a bare "duplicate"
                raise ValidationError(f"{duplicate_message(other)} (#{other.id})")

    def get_filters(self):
        return [*super().get_filters(), lookup_filter(ActivitySession.activity, _l("Activity"), Activity)]


def _participant_label(view, context, model, name):
    """Partners see a participant's first name or initials, nothing more."""
    return escape(model.citizen.short_label)


def eligible_participants(user):
    """Consenting citizens matched to an activity the user may see: who can attend a session."""
    if user.role == PARTNER:  # DESIGN.md §6, one rule: Citizen.visible_to_partner
        return Citizen.visible_to_partner(user.partner_id).where(Citizen.organisation == user.organisation_id)
    activities = Activity.visible_to(user).select(Activity.id)
    return (
        Citizen.visible_to(user)
        .join(Referral)
        .join(Match, on=(Match.referral == Referral.id))
        .where(
            (Citizen.organisation == user.organisation_id)
            & Citizen.partner_consent_on.is_null(False)
            & Citizen.erased_at.is_null()
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
        if request.method == "POST" and model.citizen and model.citizen.partner_consent_on is None:
            raise ValidationError(_l("Attendance is only recorded for citizens who have consented."))
