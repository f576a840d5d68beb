"""Cases: referrals, contacts and matches."""

import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms import SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.case_rows import CASE_ACCESS, CaseRowView
from admin.caseload import assignees_query
from admin.filters import DanishDateBetweenFilter
from admin.loading import batch_load, lookup_filter, to_int
from audit_trail import audit_case_page
from extensions import db
from forms.case import (
    CaseNoteForm,
    CloseCaseForm,
    MeasurementForm,
    PracticeCommunityForm,
    QuickContactForm,
    answers_for,
    with_instruments,
)
from i18n import _, _l, format_number
from models import (
    Activity,
    ActivityCategory,
    AuditLog,
    CaseNote,
    ContactKind,
    Partner,
    ReferralReason,
    ReferralReasonLink,
    User,
)
from models.activity import WEEKDAYS
from models.base import StaleRecordError
from models.case_rows import (
    case_closures,
    case_contacts,
    case_matches,
    case_measurements,
    case_notes,
    case_status_changes,
    reason_names,
    rows_in_one_query,
    with_case_labels,
)
from models.lookups import ReferralChannel
from models.outcomes import ClosureReason, Instrument, Measurement
from models.referral import MATCH_STATUSES, STATUSES, SUGGESTED, Contact, Match, Referral
from models.roles import CASE_WORKERS
from models.rules import not_in_future
from models.search import fold
from models.workflow import (
    CASE_WORKER_ROLES,
    MATCH_FLOW,
    TransitionError,
    allowed_transitions,
    assign_case,
    change_status,
    close_case,
    contact_recorded,
    move_match,
    next_step,
    record_measurement,
    referral_created,
    start_practice_community,
    suggest_activity,
    take_case,
)
from plugins import close_form_values, hook


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
        DanishDateBetweenFilter(Referral.received_on, _l("Received")),
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
    # The case page, built for the conversation (header, actions, one timeline), not Flask-Admin's
    # generic details table under CRUD tabs.
    details_template = "admin/case_page.html"
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
        # The case page's header: the citizen, channel, bridge builder and reasons in one query.
        return with_case_labels(super().get_one_query())

    def get_one(self, id):
        if request.method == "GET" and (request.endpoint or "").endswith(".details_view"):
            # The case page writes its "view" entry itself, with the rows it showed (audit_case_page).
            pk = to_int(id)
            return None if pk is None else self.get_one_query().where(Referral.id == pk).first()
        return super().get_one(id)

    def details_extra(self, referral):
        """What the case page shows beyond the referral's own fields: every kind of row (the
        plugins' too) is read in ONE statement (models/case_rows.py rows_in_one_query)."""
        can_act = self.can_edit and referral.is_open
        leads = current_user.role in ("admin", "coordinator")
        queries = {
            "contacts": case_contacts(referral.id),
            "matches": case_matches(referral.id),
            "history": case_status_changes(referral.id),
            "closures": case_closures(referral.id),
            "notes": case_notes(referral.id),
            "measurements": case_measurements(referral.id),
            "kinds": ContactKind.choices_for(current_user).select(ContactKind.id, ContactKind.name),
        }
        if can_act and leads:
            queries["assignees"] = assignees_query(current_user).select(User.id, User.name)
        for found in hook().brobygger_case_queries(referral=referral, user=current_user):
            for name, query in (found or {}).items():
                if name in queries:
                    raise ValueError(f"case page query {name!r} is named twice")
                queries[name] = query
        rows = rows_in_one_query(**queries)
        contacts, matches, history = rows["contacts"], rows["matches"], rows["history"]
        closures, notes = rows["closures"], rows["notes"]
        outcomes = outcome_summary(rows["measurements"])
        panels = [p for p in hook().brobygger_case_panels(referral=referral, user=current_user, rows=rows) if p]
        plugin_entries = [
            e
            for found in hook().brobygger_case_timeline(referral=referral, user=current_user, rows=rows)
            for e in found or ()
        ]
        minimal = current_user.organisation.minimal_records
        contact_form = QuickContactForm(prefix="contact", formdata=None)
        contact_form.kind.choices = [("", "—")] + [(k.id, k.name) for k in rows["kinds"]]
        if minimal:
            del contact_form.note
        return {
            "contacts": contacts,
            "matches": matches,
            "match_flow": MATCH_FLOW if can_act else {},
            "match_labels": dict(MATCH_STATUSES),
            "transitions": [(code, dict(STATUSES)[code]) for code in allowed_transitions(referral, current_user)]
            if self.can_edit
            else [],
            "history": history,
            "outcomes": outcomes,
            "closures": closures,
            "can_close": can_act,
            "can_act": can_act,
            "can_take": can_act and referral.assigned_to_id is None and current_user.role in CASE_WORKER_ROLES,
            "can_note": can_act and not minimal,
            "assignees": rows.get("assignees", []),
            "contact_form": contact_form,
            "note_form": CaseNoteForm(prefix="note", formdata=None),
            "next_step": next_step(referral, matches),
            "timeline": case_timeline(contacts, matches, history, outcomes, closures, notes, plugin_entries, minimal),
            "top_panels": [p for p in panels if p.get("position") == "top"],
            "panels": [p for p in panels if p.get("position") != "top"],
            "reasons": reason_names(referral),
        }

    def _case_or_404(self, value):
        referral = self.get_one(value)
        if referral is None or not self.can_edit:
            abort(404)
        return referral

    def _back(self, referral):
        """Back to where the action was started: a local `next` (the work queue) or the case."""
        target = request.form.get("next") or ""
        if target.startswith("/") and not target.startswith("//"):
            return redirect(target)
        return redirect(url_for(".details_view", id=referral.id))

    @expose("/take/", methods=("POST",))
    def take_view(self):
        """Take an unassigned case: one click on the work queue or the case page."""
        referral = self._case_or_404(request.form.get("id"))
        try:
            take_case(referral, current_user, expected_version=to_int(request.form.get("version")))
        except (TransitionError, StaleRecordError) as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("You have taken the case of %(citizen)s.", citizen=referral.citizen), "success")
        return self._back(referral)

    @expose("/assign/", methods=("POST",))
    def assign_view(self):
        """A coordinator gives a case to a bridge builder."""
        referral = self._case_or_404(request.form.get("id"))
        if current_user.role not in ("admin", "coordinator"):
            abort(403)
        assignee = User.visible_to(current_user).where(User.id == to_int(request.form.get("user"))).first()
        try:
            assign_case(referral, assignee, current_user)
        except TransitionError as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The case is now %(name)s's.", name=assignee.name), "success")
        return self._back(referral)

    @expose("/contact/", methods=("POST",))
    def contact_view(self):
        """Record a contact from the case page; the first contact moves a new case on."""
        referral = self._case_or_404(request.form.get("id"))
        form = QuickContactForm(prefix="contact")
        form.kind.choices = [("", "—")] + [(k.id, k.name) for k in ContactKind.choices_for(current_user)]
        if current_user.organisation.minimal_records:
            del form.note
        if not referral.is_open:
            flash(_("The case is closed; reopen it first."), "error")
        elif not form.validate():
            flash(_("The contact was not saved: %(errors)s", errors=form_errors(form)), "error")
        elif form.date.data > datetime.date.today():
            flash(_("The contact was not saved: %(errors)s", errors=_("The date cannot be in the future.")), "error")
        else:
            with db.atomic():
                contact = Contact.create(
                    organisation=referral.organisation_id,
                    referral=referral.id,
                    date=form.date.data,
                    kind=form.kind.data,
                    minutes=form.minutes.data,
                    note=(form.note.data or None) if "note" in form else None,
                    by=current_user.id,
                )
                contact_recorded(contact, current_user)
                AuditLog.record("create", contact, contact.id)
            flash(_("The contact is saved."), "success")
        return redirect(url_for(".details_view", id=referral.id))

    @expose("/note/", methods=("POST",))
    def note_view(self):
        """A short dated note on the case (not in organisations keeping minimal records)."""
        referral = self._case_or_404(request.form.get("id"))
        form = CaseNoteForm(prefix="note")
        if current_user.organisation.minimal_records:
            flash(_("Your organisation keeps no free-text notes."), "error")
        elif not form.validate():
            flash(_("The note was not saved: %(errors)s", errors=form_errors(form)), "error")
        else:
            with db.atomic():
                note = CaseNote.create(
                    organisation=referral.organisation_id,
                    referral=referral.id,
                    date=min(form.date.data, datetime.date.today()),
                    text=form.text.data.strip(),
                    by=current_user.id,
                )
                AuditLog.record("create", note, note.id)
            flash(_("The note is saved."), "success")
        return redirect(url_for(".details_view", id=referral.id))

    @expose("/practice/", methods=("POST",))
    def practice_view(self):
        """No activity fits: start a practice community and suggest it to the citizen, in one step."""
        referral = self._case_or_404(request.form.get("id"))
        form = practice_form(current_user)
        if not form.validate():
            flash(_("The practice community was not started: %(errors)s", errors=form_errors(form)), "error")
            return redirect(url_for(".suggest_view", id=referral.id))
        partner = Partner.visible_to(current_user).where(Partner.id == form.partner.data).first()
        category = ActivityCategory.visible_to(current_user).where(ActivityCategory.id == form.category.data).first()
        leads_to = Activity.visible_to(current_user).where(Activity.id == form.leads_to.data).first()
        try:
            start_practice_community(
                referral,
                current_user,
                partner,
                form.name.data,
                category=category if form.category.data else None,
                weekday=form.weekday.data,
                place=form.place.data,
                leads_to=leads_to if form.leads_to.data else None,
            )
        except TransitionError as exc:
            flash(str(exc.message), "error")
            return redirect(url_for(".suggest_view", id=referral.id))
        flash(_("The practice community “%(name)s” is started and suggested.", name=form.name.data.strip()), "success")
        return redirect(url_for(".details_view", id=referral.id))

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
        plugin_fields = close_form_values(request.form)  # plain values, never the request's form
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
                    form=plugin_fields,
                    measurements=measurements,
                )
            except (TransitionError, StaleRecordError) as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("The case is closed."), "success")
                return redirect(url_for(".details_view", id=referral.id))
        sections = [
            s
            for s in hook().brobygger_close_form_sections(referral=referral, user=current_user, form=plugin_fields)
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
        activities = find_activities(current_user, **criteria)
        practice = practice_form(current_user, blank=True)
        practice.category.data = criteria["category"]
        practice.weekday.data = criteria["weekday"]
        practice.place.data = criteria["place"]
        return self.render(
            "admin/referral_suggest.html",
            model=referral,
            criteria=criteria,
            activities=activities,
            categories=list(ActivityCategory.choices_for(current_user)),
            weekdays=WEEKDAYS,
            practice_form=practice,
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


def outcome_summary(measurements):
    """Per instrument: a case's measurements in order (case_measurements), and the change from
    first to last."""
    summary = {}
    for m in measurements:
        summary.setdefault(m.instrument_id, {"instrument": m.instrument, "measurements": []})["measurements"].append(m)
    for entry in summary.values():
        first, last = entry["measurements"][0], entry["measurements"][-1]
        entry["change"] = round(last.score - first.score, 1) if len(entry["measurements"]) > 1 else None
    return list(summary.values())


def form_errors(form):
    """A form's errors as one Danish sentence: "Field: message; ..."."""
    return "; ".join(f"{form[name].label.text}: {' '.join(map(str, errors))}" for name, errors in form.errors.items())


def practice_form(user, blank=False):
    """The "start a practice community" form with the user's organisation's choices; `blank`
    ignores the request (the form shown, pre-filled, on the activity search)."""
    form = PracticeCommunityForm(prefix="practice", **({"formdata": None} if blank else {}))
    own = Partner.visible_to(user).order_by(Partner.name)
    form.partner.choices = [(p.id, p.name) for p in own]
    form.category.choices = [("", "—")] + [(c.id, c.name) for c in ActivityCategory.choices_for(user)]
    form.weekday.choices = [("", "—")] + [(code, label) for code, label in WEEKDAYS]
    lasting = Activity.visible_to(user).where(Activity.is_practice == False).order_by(Activity.name).limit(500)  # noqa: E712
    form.leads_to.choices = [("", "—")] + [(a.id, a.name) for a in lasting]
    return form


def case_timeline(contacts, matches, history, outcomes, closures, notes, plugin_entries, minimal=False):
    """One timeline of everything on a case, newest first: contacts, matches, measurements,
    notes, status changes, closings and what plugins add (collaboration notes, GP feedback).
    In a minimal-records organisation no entry shows free text (text written before the switch
    included)."""
    if minimal:
        notes = ()
    entries = []
    for c in contacts:
        detail = " · ".join(x for x in (str(c.kind or ""), _("%(n)s min.", n=c.minutes) if c.minutes else "") if x)
        entries.append(entry(c.date, "contact", _("Contact"), detail, c.note or "", c.created_at))
    for m in matches:
        practice = _("practice community")
        name = m.activity.name + (f" ({practice})" if m.activity.is_practice else "")
        entries.append(entry(m.created_at, "match", _("Suggested: %(activity)s", activity=name), "", "", m.created_at))
        # Started and ended share the match's last change time: the rank keeps them in order.
        if m.started_on and m.status != "suggested":
            started = _("Started: %(activity)s", activity=name)
            entries.append(entry(m.started_on, "match", started, "", "", m.updated_at, rank=1))
        if m.ended_on:
            ended = _("Ended: %(activity)s", activity=name)
            entries.append(entry(m.ended_on, "match", ended, "", "", m.updated_at, rank=2))
    for o in outcomes:
        for m in o["measurements"]:
            detail = _("%(phase)s · score %(score)s", phase=m.label_of("phase"), score=format_number(m.score))
            entries.append(entry(m.taken_on, "measurement", o["instrument"].name, detail, "", m.at))
    for n in notes:
        entries.append(entry(n.date, "note", _("Note"), n.by.name if n.by_id else "", n.text, n.created_at))
    for h in history:
        label = _("Status: %(to)s", to=h.label_of("to_status"))
        if h.note == "reopened":
            label += " (" + _("reopened") + ")"
        entries.append(entry(h.at, "status", label, h.by.name if h.by_id else "", "", h.at))
    for c in closures:
        detail = c.reason.name + (" · " + _("reopened") if c.reopened_at else "")
        entries.append(entry(c.closed_on, "closing", _("Closed"), detail, "", c.created_at))
    for e in plugin_entries:
        entries.append(
            entry(e["on"], e.get("kind", "plugin"), e["title"], e.get("detail", ""), e.get("text", ""), e["on"])
        )
    entries.sort(key=lambda e: (e["date"], e["order"], e["rank"]), reverse=True)
    if minimal:
        for e in entries:
            e["text"] = ""
    return entries


def entry(on, kind, title, detail, text, order, rank=0):
    """One timeline entry; `on` a date or a (UTC) datetime, shown as a date (dd.mm.åååå)."""
    date = on.date() if isinstance(on, datetime.datetime) else on
    order = order if isinstance(order, datetime.datetime) else datetime.datetime.combine(order or date, datetime.time())
    return {"date": date, "kind": kind, "title": title, "detail": detail, "text": text, "order": order, "rank": rank}


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
    column_filters = (DanishDateBetweenFilter(Contact.date, _l("Date")),)
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
            form.by.query = User.visible_to(current_user).where(
                User.role.in_(CASE_WORKER_ROLES) & (User.active == True)  # noqa: E712
            )
            if form.by.data is None and request.method == "GET":
                form.by.data = current_user._get_current_object()
        return form


class MatchAdmin(CaseRowView):
    audit_reads = True
    simple_list_pager = True
    column_list = ("referral", "activity", "status", "role", "accompanied", "started_on", "ended_on")
    column_default_sort = ("created_at", True)
    column_sortable_list = ("status", "started_on", "ended_on")
    column_filters = (
        FilterEqual(Match.status, _l("Status"), options=MATCH_STATUSES),
        DanishDateBetweenFilter(Match.started_on, _l("Started")),
        DanishDateBetweenFilter(Match.ended_on, _l("Ended")),
    )
    # No status here: a match moves (suggested → tried → joined | stopped) only through the
    # workflow's buttons on the case page (models/workflow.py move_match); a new one is suggested.
    form_columns = ("referral", "activity", "role", "accompanied", "started_on", "ended_on")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            model.status = SUGGESTED
        if model.started_on and model.ended_on and model.ended_on < model.started_on:
            raise ValidationError(_l("The end date cannot be before the start date."))
