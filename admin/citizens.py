"""Citizens (borgere): named or anonymous."""

import datetime

from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.cases import CASE_WORKERS
from i18n import _l
from models.citizen import GENDERS, Citizen
from models.referral import Referral

CONTACT_DETAILS = ("name", "phone", "email", "address")


class CitizenAdmin(BrobyggerModelView):
    access = CASE_WORKERS
    search_hint = _l("Search by name, initials, postal code or phone")
    audit_reads = True
    simple_list_pager = True
    column_list = ("initials", "name", "birth_year", "gender", "postal_code", "anonymous", "consent_on")
    column_sortable_list = ("initials", "birth_year", "postal_code", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(Citizen.gender, _l("Gender"), options=GENDERS),
        FilterEqual(Citizen.postal_code, _l("Postal code")),
    )
    form_columns = (
        "initials",
        "anonymous",
        "name",
        "birth_year",
        "gender",
        "postal_code",
        "phone",
        "email",
        "address",
        "lives_alone",
        "gp_practice",
        "consent_on",
        "consent_scope",
    )
    form_args = {
        "birth_year": {
            "validators": [
                Optional(),
                NumberRange(
                    min=1900,
                    max=datetime.date.today().year,
                    message=_l("Enter a birth year between %(min)s and %(max)s."),
                ),
            ]
        },
    }
    details_template = "admin/citizen_details.html"

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.initials = (model.initials or "").strip()
        if not model.initials:
            raise ValidationError(_l("Enter initials or a pseudonym."))
        if model.anonymous:
            if not current_user.organisation.allow_anonymous:
                raise ValidationError(_l("Your organisation does not register anonymous citizens."))
            if any(getattr(model, f) for f in CONTACT_DETAILS):
                raise ValidationError(
                    _l("An anonymous citizen has initials or a pseudonym only: leave name and contact details empty.")
                )
        if model.consent_on and model.consent_on > datetime.date.today():
            raise ValidationError(_l("The consent date cannot be in the future."))

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["cases"] = list(
                Referral.visible_to(current_user)
                .where(Referral.citizen == kwargs["model"].id)
                .order_by(Referral.received_on.desc())
            )
        return super().render(template, **kwargs)
