"""The collaboration plugin's pages: notes, the follow-up list, and feedback to the referring GP."""

import datetime

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms.validators import ValidationError

from plugins.api import (
    ADMIN,
    BRIDGE_BUILDER,
    CASE_WORKERS,
    CONSENT_IN_FUTURE,
    COORDINATOR,
    CaseRowView,
    Partner,
    PartnerKind,
    Referral,
    RoleView,
    User,
    _,
    _l,
    batch_load,
    not_in_future,
    to_int,
    visible_or_404,
)
from plugins.collaboration import service
from plugins.collaboration.models import HANDOVER_STATUSES, CollaborationNote


def service_partners(user):
    """Partners of a "service" kind (municipal services, GP practices) in the user's organisation."""
    return (
        Partner.visible_to(user)
        .join(PartnerKind, on=(Partner.kind == PartnerKind.id))
        .where(PartnerKind.service == True)  # noqa: E712
        .order_by(Partner.name)
    )


class CollaborationNoteAdmin(CaseRowView):
    access = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rce"}
    audit_reads = True
    simple_list_pager = True
    free_text_fields = ("summary",)
    column_list = ("date", "referral", "service", "direction", "channel", "handover_status", "followup_on")
    column_default_sort = ("date", True)
    column_sortable_list = ("date", "followup_on")
    column_filters = (
        FilterEqual(CollaborationNote.handover_status, _l("Hand-over status"), options=HANDOVER_STATUSES),
    )
    form_columns = (
        "referral",
        "service",
        "direction",
        "date",
        "channel",
        "legal_basis",
        "consent_on",
        "consent_scope",
        "summary",
        "handover",
        "handover_status",
        "followup_on",
        "followup_owner",
    )
    column_details_exclude_list = ("search_key", "organisation", "version")

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if "service" in form:
            form.service.query = service_partners(current_user)
        if "followup_owner" in form:
            form.followup_owner.query = User.visible_to(current_user).where(User.role.in_(CASE_WORKERS))
            if form.followup_owner.data is None and request.method == "GET":
                form.followup_owner.data = current_user._get_current_object()
        if request.method == "GET" and "date" in form and form.date.data is None:
            form.date.data = datetime.date.today()
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        not_in_future(model.date)
        not_in_future(model.consent_on, CONSENT_IN_FUTURE)
        if model.legal_basis == "consent" and not model.consent_on:
            raise ValidationError(_l("Give the date of the citizen's consent, or choose another legal basis."))
        if is_created and model.followup_on and model.followup_on < datetime.date.today():
            raise ValidationError(_l("A follow-up cannot be in the past."))
        if model.followup_on and not model.followup_owner_id:
            model.followup_owner = current_user.id
        if model.handover and not model.handover_status:
            model.handover_status = "asked"
        if not model.handover:
            model.handover_status = None
        if is_created:
            model.by = current_user.id


class FollowupView(RoleView):
    """My follow-ups and the team's, overdue first; marking one done records who and when."""

    roles = CASE_WORKERS

    @expose("/")
    def index(self):
        mine = request.args.get("team") != "1"
        notes = list(service.followups(current_user, mine).limit(500))

        batch_load(notes, CollaborationNote, ["referral", "referral.citizen", "service", "followup_owner"])
        return self.render("collaboration/followups.html", notes=notes, mine=mine, today=datetime.date.today())

    @expose("/done/", methods=("POST",))
    def done(self):
        note = (
            CollaborationNote.visible_to(current_user)
            .where(CollaborationNote.id == to_int(request.form.get("note")))
            .first()
        )
        if note is None:
            abort(404)
        service.complete_followup(note, current_user)
        flash(_("The follow-up is done."), "success")
        return redirect(
            request.form.get("next") if (request.form.get("next") or "").startswith("/admin/") else url_for(".index")
        )


class FeedbackView(RoleView):
    """A short status message for the referring GP: printable, and as a FHIR R4 message."""

    roles = CASE_WORKERS
    in_menu = False

    def _case(self):
        return visible_or_404(Referral, request.args.get("id"))

    @expose("/")
    def index(self):
        referral = self._case()
        info = service.feedback_for(referral)
        if not info["consented"]:
            flash(_("The citizen has not consented; no feedback can be given to the GP."), "error")
            return redirect(url_for("referral.details_view", id=referral.id))
        service.record_feedback(referral, "print", current_user)
        return self.render(
            "collaboration/feedback_print.html",
            info=info,
            sentences=service.status_sentences(info),
            org=current_user.organisation,
            today=datetime.date.today(),
        )

    @expose("/fhir/")
    def fhir(self):
        referral = self._case()
        info = service.feedback_for(referral)
        if not info["consented"]:
            abort(404)
        bundle = service.fhir_bundle(referral, current_user.organisation.name, service.status_sentences(info))
        service.record_feedback(referral, "fhir", current_user)
        return Response(
            bundle.json(indent=2),
            mimetype="application/fhir+json",
            headers={"Content-Disposition": f"attachment; filename=feedback-{referral.id}.json"},
        )


def case_panel(referral, user):
    if user.role not in CASE_WORKERS:
        return None
    notes = list(
        CollaborationNote.visible_to(user)
        .where(CollaborationNote.referral == referral.id)
        .order_by(CollaborationNote.date.desc(), CollaborationNote.id.desc())
        .limit(200)
    )

    batch_load(notes, CollaborationNote, ["service", "followup_owner"])
    return {
        "title": _("Collaboration"),
        "template": "collaboration/case_panel.html",
        "context": {
            "notes": notes,
            "referral": referral,
            "handovers": [n for n in notes if n.handover and n.handover_status in ("asked", "accepted", "ongoing")],
        },
    }
