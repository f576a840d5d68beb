"""The collaboration plugin's pages: notes, the follow-up list, and feedback to the referring GP."""

import datetime
import json

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import DateBetweenFilter, FilterEqual
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
    safe_local_path,
    to_int,
    visible_or_404,
)
from plugins.collaboration import medcom, service
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
        DateBetweenFilter(CollaborationNote.date, _l("Date")),  # in Danish on every list (danish_dates)
        DateBetweenFilter(CollaborationNote.followup_on, _l("Follow up on")),
    )
    form_columns = (
        "referral",
        "service",
        "direction",
        "date",
        "channel",
        "legal_basis",
        "consent_on",
        "consent_scope_code",
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
        return redirect(safe_local_path(request.form.get("next")) or url_for(".index"))


class FeedbackView(RoleView):
    """A short status message for the referring GP: printable, and as a FHIR R4 message."""

    roles = CASE_WORKERS
    in_menu = False

    def _case(self):
        return visible_or_404(Referral, request.form.get("id"))

    # Giving feedback is recorded (and audited as an export), so it is a POST with CSRF: a link
    # followed by a prefetcher or an image tag on another site must not record anything.
    @expose("/", methods=("POST",))
    def index(self):
        referral = self._case()
        info = service.feedback_for(referral)
        if not info["consented"]:
            flash(_("The citizen has not consented to the GP being informed; no feedback can be given."), "error")
            return redirect(url_for("referral.details_view", id=referral.id))
        service.record_feedback(referral, "print", current_user)
        return self.render(
            "collaboration/feedback_print.html",
            info=info,
            sentences=service.status_sentences(info),
            org=current_user.organisation,
            today=datetime.date.today(),
        )

    @expose("/fhir/", methods=("POST",))
    def fhir(self):
        """The feedback as a MedCom CareCommunication message, to the GP practice chosen (or the
        citizen's own, found by name), downloaded for the integration to carry."""
        referral = self._case()
        info = service.feedback_for(referral)
        if not info["consented"]:  # say why on the case, not a bare 404
            citizen = referral.citizen
            if citizen.anonymous or not citizen.name:
                flash(_("An anonymous citizen cannot be named in a message to the GP."), "error")
            else:
                flash(_("The citizen has not agreed that their GP is told. Record that consent first."), "error")
            return redirect(url_for("referral.details_view", id=referral.id))
        receiver = service.gp_for(referral, current_user, to_int(request.values.get("to")))
        try:
            bundle = medcom.care_communication(
                current_user.organisation,
                receiver,
                referral.citizen,
                current_user,
                service.status_sentences(info),
            )
        except medcom.NotSendable as exc:
            flash(str(exc.message), "error")
            return redirect(url_for("referral.details_view", id=referral.id))
        service.record_feedback(referral, "fhir", current_user, receiver=receiver)
        return Response(
            json.dumps(bundle, indent=2, ensure_ascii=False),
            mimetype="application/fhir+json",
            headers={"Content-Disposition": f"attachment; filename=feedback-{referral.id}.json"},
        )


def case_panel(referral, user, rows):
    """The case page's collaboration panel, from the rows of service.case_queries."""
    if user.role not in CASE_WORKERS:
        return None
    notes = rows.get("collab_notes", [])
    feedback = rows.get("collab_feedback", [])
    practices = rows.get("collab_practices", [])
    return {
        "title": _("Collaboration"),
        "template": "collaboration/case_panel.html",
        "context": {
            "notes": notes,
            "referral": referral,
            "practices": practices,
            "gp": service.gp_for(referral, user, practices=practices),
            "last_feedback": feedback[0] if feedback else None,
            "handovers": [n for n in notes if n.handover and n.handover_status in ("asked", "accepted", "ongoing")],
        },
    }
