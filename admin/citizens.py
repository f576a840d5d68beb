"""Citizens (borgere): named or anonymous."""

import datetime

from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms.validators import NumberRange, Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.cases import CASE_WORKERS
from i18n import _, _l
from models.citizen import GENDERS, Citizen
from models.referral import Referral

CONTACT_DETAILS = ("name", "phone", "email", "address")


CONSENTS = (
    ("consent_on", "consent_how"),
    ("partner_consent_on", "partner_consent_how"),
    ("gp_consent_on", "gp_consent_how"),
)


def consent_problem(citizen):
    """Each consent is a date and how it was given; neither in the future nor one without the other."""
    today = datetime.date.today()
    for date_name, how_name in CONSENTS:
        given, how = getattr(citizen, date_name), getattr(citizen, how_name)
        if given and given > today:
            return _l("The consent date cannot be in the future.")
        if given and not how:
            return _l("Say how each consent was given (orally, in writing, ...).")
        if how and not given:
            return _l("Give the date of each consent you say was given.")
    return None


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
        "consent_how",
        "consent_scope",
        "partner_consent_on",
        "partner_consent_how",
        "gp_consent_on",
        "gp_consent_how",
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
        if model.erased_at is not None:
            raise ValidationError(_l("The citizen is anonymised; the record cannot be changed."))
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
        problem = consent_problem(model)
        if problem:
            raise ValidationError(problem)

    def delete_blocked_message(self, model):
        # There is no archive: a citizen with history is anonymised (privacy/erasure.py) instead.
        return _(
            "“%(record)s” has cases or attendance and cannot be deleted. To remove the citizen's personal "
            "data, close their cases and choose Anonymise on the citizen's page.",
            record=str(model),
        )

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["cases"] = list(
                Referral.visible_to(current_user)
                .where(Referral.citizen == kwargs["model"].id)
                .order_by(Referral.received_on.desc())
            )
        return super().render(template, **kwargs)
