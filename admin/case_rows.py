"""The base of views whose rows belong to a case: contacts, matches, plugins' notes."""

from flask import request
from flask_login import current_user

from admin.base import BrobyggerModelView
from i18n import _l
from models.referral import Referral
from models.roles import ADMIN, BRIDGE_BUILDER, COORDINATOR

# Case workers' access to cases and their rows.
CASE_ACCESS = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rce"}


class CaseRowView(BrobyggerModelView):
    """Rows of a case, created from the case page (`?referral=<id>` preselects the case)."""

    access = CASE_ACCESS
    form_ajax_refs = {"referral": {"fields": ("search_key",), "placeholder": _l("Search by name or case no.")}}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.args.get("referral") and request.method == "GET" and "referral" in form:
            form.referral.data = Referral.visible_by_id(current_user, request.args.get("referral"))
        return form
