"""The base of views whose rows belong to a case: contacts, matches, plugins' notes."""

from flask import flash, request
from flask_login import current_user

from admin.base import BrobyggerModelView
from i18n import _l
from models.referral import Referral
from models.roles import ADMIN, BRIDGE_BUILDER, COORDINATOR
from models.workflow import TransitionError, ensure_open

# Case workers' access to cases and their rows.
CASE_ACCESS = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rce"}


class CaseRowView(BrobyggerModelView):
    """Rows of a case, created from the case page (`?referral=<id>` preselects the case). A closed
    case's rows are read-only — created, edited, moved to another case or deleted — until the case
    is reopened (models/workflow.py ensure_open; its TransitionError is flashed)."""

    access = CASE_ACCESS
    form_ajax_refs = {"referral": {"fields": ("search_key",), "placeholder": _l("Search by name or case no.")}}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        ensure_open(model.referral_id)

    def update_model(self, form, model):
        try:
            ensure_open(model.referral_id)  # the case the row belongs to before the edit
        except TransitionError as exc:
            flash(str(exc.message), "error")
            return False
        return super().update_model(form, model)

    def on_model_delete(self, model):
        super().on_model_delete(model)
        ensure_open(model.referral_id)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.args.get("referral") and request.method == "GET" and "referral" in form:
            form.referral.data = Referral.visible_by_id(current_user, request.args.get("referral"))
        return form
