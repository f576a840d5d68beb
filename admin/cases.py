"""Cases: referrals, contacts and matches."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import DateBetweenFilter, FilterEqual
from flask_login import current_user
from peewee import JOIN
from wtforms import SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.case_rows import CASE_ACCESS, CaseRowView
from admin.loading import batch_load, lookup_filter, to_int
from audit_trail import audit_case_page
from extensions import db
from forms.case import CloseCaseForm, MeasurementForm, answers_for, with_instruments
from i18n import _, _l
from models import Activity, ActivityCategory, ReferralReason, ReferralReasonLink, User, case_rows
from models.activity import WEEKDAYS
from models.base import StaleRecordError
from models.lookups import ReferralChannel
from models.outcomes import CaseClosure, ClosureReason, Instrument, Measurement
from models.referral import MATCH_STATUSES, STATUSES, SUGGESTED, Contact, Match, Referral
from models.roles import CASE_WORKERS, PARTNER
from models.rules import not_in_future
from models.search import fold
from models.workflow import (
    MATCH_FLOW,
    StatusChange,
    TransitionError,
    allowed_transitions,
    change_status,
    close_case,
    contact_recorded,
    move_match,
    record_measurement,
    referral_created,
    suggest_activity,
)
from plugins import hook


class ReferralAdmin(BrobyggerModelView):
    access = CASE_ACCESS
    search_hint = _l("Search by name, initials or case no.")
    audit_reads = True
    simple_list_pager = True
    free_text_fields = ("note",)
    column_list = ("id", "citizen", "status", "channel", "assigned_to", "received_on", "first_contact_on")
    column_labels = {"id": _l("No."), "reasons": _l("Reasons")}
    column_sortable_list = ("id", "status", "received_on", "first_contact_on")
    column_default_sort = ("received_on", True)
    column_filters = (
        FilterEqual(Referral.status, _l("Status"), options=STATUSES),
        DateBetweenFilter(Referral.received_on, _l("Received")),
    )
    form_ajax_refs = {"citizen": {"fields": ("search_key",), "placeholder": _l("Search by name or initials")}}
    # Status and first-contact date are not edited here: the case workflow sets them.
    form_columns = (
        "citizen",
        "channel",
        "reasons",
        "referrer_name",
        "referrer_phone",
        "received_on",
        "assigned_to",
        "review_on",
        "shared",
        "note",
    )
    form_extra_fields = {"reasons": SelectMultipleField(_l("Reasons"), coerce=int)}
    details_template = "admin/referral_details.html"
    column_details_list = (
        "id",
        "citizen",
        "status",
        "channel",
        "referrer_name",
        "referrer_phone",
        "received_on",
        "assigned_to",
        "first_contact_on",
        "shared",
        "note",
    )

    def get_filters(self):
        return [
            *super().get_filters(),
            lookup_filter(Referral.channel, _l("Channel"), ReferralChannel),
            lookup_filter(Referral.assigned_to, _l("Bridge builder"), User),
        ]

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if "assigned_to" in form:
            form.assigned_to.query = User.visible_to(current_user).where(User.role.in_(CASE_WORKERS))
        if "reasons" in form:
            form.reasons.choices = ReferralReason.select_options(current_user.organisation_id)
        return form

    def update_model(self, form, model):
        if not model.is_open:  # read-only until reopened (the workflow's button)
            flash(_("The case is closed; reopen it first."), "error")
            return False
        return super().update_model(form, model)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and request.method == "GET" and "reasons" in form:
            form.reasons.data = [link.reason_id for link in obj.reason_links]
        return form

    def after_save(self, form, model, is_created):
        if "reasons" in form:
            save_reasons(model, form.reasons.data, {choice for choice, _label in form.reasons.choices})
        if is_created:
            referral_created(model, source="admin")

    def get_one_query(self):
        return case_rows.with_case_labels(self.get_query())

    def details_extra(self, referral):
        """What the case page shows beyond the referral's own fields."""
        return {
            "contacts": case_contacts(referral),
            "matches": case_matches(referral),
            "match_flow": MATCH_FLOW if self.can_edit and referral.is_open else {},
            "match_labels": dict(MATCH_STATUSES),
            "transitions": [(code, dict(STATUSES)[code]) for code in allowed_transitions(referral, current_user)]
            if self.can_edit
            else [],
            "history": list(
                StatusChange.select(StatusChange, User)
                .join(User, JOIN.LEFT_OUTER, on=(StatusChange.by == User.id))
                .where(StatusChange.referral == referral.id)
                .order_by(StatusChange.at.desc())
                .limit(50)
            ),
            "outcomes": outcome_summary(referral),
            "closures": list(
                CaseClosure.select(CaseClosure, ClosureReason)
                .join(ClosureReason)
                .where(CaseClosure.referral == referral.id)
                .order_by(CaseClosure.id.desc())
            ),
            "can_close": self.can_edit and referral.is_open,
            "panels": [p for p in hook().brobygger_case_panels(referral=referral, user=current_user) if p],
            "reasons": case_rows.reason_names(referral),
        }

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs.update(self.details_extra(kwargs["model"]))
            audit_case_page(kwargs["model"], kwargs)  # which contacts, matches, notes, answers it showed
        return super().render(template, **kwargs)

    @expose("/close/", methods=("GET", "POST"))
    def close_view(self):
        """The closing form: reason, date, note, closing measurements and the plugins' sections."""
        referral = self.get_one(request.args.get("id"))
        if referral is None or not self.can_edit:
            abort(404)
        if not referral.is_open:
            flash(_("The case is already closed or declined."), "error")
            return redirect(url_for(".details_view", id=referral.id))
        instruments = list(Instrument.choices_for(current_user))
        form = with_instruments(CloseCaseForm, instruments)()
        form.reason.choices = ClosureReason.select_options(current_user.organisation_id)
        if current_user.organisation.minimal_records:
            del form.note
        if request.method == "GET":
            form.version.data = referral.version
        elif form.validate():
            reason = ClosureReason.visible_by_id(current_user, form.reason.data)
            measurements = [(i, answers_for(form, i)) for i in instruments if answers_for(form, i)]
            try:
                close_case(
                    referral,
                    current_user,
                    reason,
                    form.closed_on.data,
                    note=form.note.data if "note" in form else None,
                    expected_version=to_int(form.version.data),
                    form=request.form,
                    measurements=measurements,
                )
            except (TransitionError, StaleRecordError) as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("The case is closed."), "success")
                return redirect(url_for(".details_view", id=referral.id))
        sections = [
            s
            for s in hook().brobygger_close_form_sections(referral=referral, user=current_user, form=request.form)
            if s
        ]
        return self.render(
            "admin/referral_close.html", model=referral, form=form, instruments=instruments, sections=sections
        )

    @expose("/measure/", methods=("GET", "POST"))
    def measure_view(self):
        """Record an outcome measurement (UCLA-3, WHO-5 or an instrument an admin added)."""
        referral = self.get_one(request.args.get("id"))
        if referral is None or not self.can_edit:
            abort(404)
        instrument = Instrument.visible_by_id(current_user, request.values.get("instrument"))
        if instrument is None:
            instrument = Instrument.choices_for(current_user).first()
        if instrument is None:
            abort(404)
        form = with_instruments(MeasurementForm, [instrument], required=True)()
        if request.method == "GET":
            form.instrument.data = instrument.id
            taken = referral.measurements.where(Measurement.instrument == instrument.id).exists()
            form.phase.data = "closure" if referral.status == "closed" else ("during" if taken else "intake")
        elif form.validate():
            try:
                with db.atomic():
                    record_measurement(
                        referral,
                        instrument,
                        form.phase.data,
                        form.taken_on.data,
                        answers_for(form, instrument),
                        current_user,
                    )
            except TransitionError as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("The measurement is saved."), "success")
                return redirect(url_for(".details_view", id=referral.id))
        return self.render(
            "admin/referral_measure.html",
            model=referral,
            form=form,
            instrument=instrument,
            instruments=list(Instrument.choices_for(current_user)),
        )

    @expose("/suggest/", methods=("GET", "POST"))
    def suggest_view(self):
        """Find activities for the citizen (category, place, weekday, age) and suggest them."""
        referral = self.get_one(request.values.get("id"))
        if referral is None or not self.can_edit:
            abort(404)
        if request.method == "POST":
            activity = Activity.visible_by_id(current_user, request.form.get("activity"))
            try:
                if activity is None:
                    raise TransitionError(_l("Unknown activity."))
                suggest_activity(
                    referral,
                    activity,
                    current_user,
                    role=request.form.get("role", "participant"),
                    accompanied=request.form.get("accompanied") == "y",
                )
            except TransitionError as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("“%(activity)s” is suggested.", activity=activity.name), "success")
                return redirect(url_for(".details_view", id=referral.id))
        criteria = {
            "category": to_int(request.args.get("category")),
            "weekday": to_int(request.args.get("weekday")),
            "place": (request.args.get("place") or "")[:100],
            "age": referral.citizen.age,
        }
        return self.render(
            "admin/referral_suggest.html",
            model=referral,
            criteria=criteria,
            activities=find_activities(current_user, **criteria),
            categories=list(ActivityCategory.choices_for(current_user)),
            weekdays=WEEKDAYS,
        )

    @expose("/match/", methods=("POST",))
    def match_view(self):
        """Mark one of the case's matches tried, joined or stopped."""
        match = Match.visible_by_id(current_user, request.form.get("match"))
        if match is None or not self.can_edit:
            abort(404)
        try:
            move_match(match, request.form.get("to", ""), current_user)
        except TransitionError as exc:
            flash(str(exc.message), "error")
        return redirect(url_for(".details_view", id=match.referral_id))

    @expose("/status/", methods=("POST",))
    def status_view(self):
        """Move a case to another status through the workflow (which checks the transition)."""
        referral = self.get_one(request.form.get("id"))
        if referral is None or not self.can_edit:
            abort(404)
        try:
            change_status(
                referral, request.form.get("to", ""), current_user, expected_version=to_int(request.form.get("version"))
            )
        except TransitionError as exc:
            flash(str(exc.message), "error")
        except StaleRecordError as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The case is now “%(status)s”.", status=referral.label_of("status")), "success")
        return redirect(url_for(".details_view", id=referral.id))


# The case pages' rows are selected by the case alone: the case itself was fetched through the
# user's scope, and an organisation filter here makes SQLite walk the organisation's whole
# (organisation, date) index instead of the case's own (measured: 221-347 ms at 200 000 cases).
def case_contacts(referral):
    return case_rows.case_contacts(referral.id)


def case_matches(referral):
    """The case's matches with their activities and what each practice community leads to."""
    return case_rows.case_matches(referral.id)


def find_activities(user, category=None, weekday=None, place="", age=None, limit=100):
    """Active activities the user may see, narrowed by category, weekday, place and the citizen's age."""
    today = datetime.date.today()
    query = Activity.visible_to(user).where(Activity.active_until.is_null() | (Activity.active_until >= today))
    if category:
        query = query.where(Activity.category == category)
    if weekday is not None:
        query = query.where(Activity.weekday == weekday)
    if place:
        query = query.where(Activity.search_key.contains(fold(place)))
    if age is not None:
        query = query.where(
            (Activity.age_min.is_null() | (Activity.age_min <= age))
            & (Activity.age_max.is_null() | (Activity.age_max >= age))
        )
    rows = list(query.order_by(Activity.is_practice.desc(), Activity.name).limit(limit))
    batch_load(rows, Activity, ["partner", "category", "leads_to"])
    return rows


def outcome_summary(referral):
    """Per instrument: the measurements of a case in order, and the change from first to last."""
    rows = list(
        Measurement.select(Measurement, Instrument)
        .join(Instrument)
        .where(Measurement.referral == referral.id)
        .order_by(Measurement.taken_on, Measurement.id)
    )
    summary = {}
    for m in rows:
        summary.setdefault(m.instrument_id, {"instrument": m.instrument, "measurements": []})["measurements"].append(m)
    for entry in summary.values():
        first, last = entry["measurements"][0], entry["measurements"][-1]
        entry["change"] = round(last.score - first.score, 1) if len(entry["measurements"]) > 1 else None
    return list(summary.values())


def save_reasons(referral, reason_ids, allowed):
    """Replace a referral's reasons with `reason_ids` (only those in `allowed`)."""
    ReferralReasonLink.delete().where(ReferralReasonLink.referral == referral.id).execute()
    rows = [{"referral": referral.id, "reason": r} for r in reason_ids or () if r in allowed]
    if rows:
        ReferralReasonLink.insert_many(rows).execute()


class ContactAdmin(CaseRowView):
    audit_reads = True
    simple_list_pager = True
    free_text_fields = ("note",)
    column_list = ("date", "referral", "kind", "minutes", "by")
    column_default_sort = ("date", True)
    column_sortable_list = ("date", "minutes")
    column_filters = (DateBetweenFilter(Contact.date, _l("Date")),)
    form_columns = ("referral", "date", "kind", "minutes", "note", "by")
    form_args = {"minutes": {"validators": [Optional(), NumberRange(min=0, max=24 * 60)]}}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        not_in_future(model.date)

    def after_save(self, form, model, is_created):
        contact_recorded(model, current_user)  # the first contact sets the case's first-contact date

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if "by" in form:
            form.by.query = User.visible_to(current_user).where(User.role != PARTNER)
            if form.by.data is None and request.method == "GET":
                form.by.data = current_user._get_current_object()
        return form


class MatchAdmin(CaseRowView):
    audit_reads = True
    simple_list_pager = True
    column_list = ("referral", "activity", "status", "role", "accompanied", "started_on", "ended_on")
    column_default_sort = ("created_at", True)
    column_sortable_list = ("status", "started_on", "ended_on")
    column_filters = (FilterEqual(Match.status, _l("Status"), options=MATCH_STATUSES),)
    # No status here: a match moves (suggested → tried → joined | stopped) only through the
    # workflow's buttons on the case page (models/workflow.py move_match); a new one is suggested.
    form_columns = ("referral", "activity", "role", "accompanied", "started_on", "ended_on")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            model.status = SUGGESTED
        if model.started_on and model.ended_on and model.ended_on < model.started_on:
            raise ValidationError(_l("The end date cannot be before the start date."))
