"""Citizens (borgere): named or anonymous."""

from flask import current_app, request
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import Optional, ValidationError

from admin.base import BrobyggerModelView
from admin.case_rows import CASE_ACCESS
from forms.validators import birth_year, not_future
from i18n import _, _l
from models.citizen import CONSENT_IN_FUTURE, GENDERS, Citizen
from models.referral import Referral


class CitizenAdmin(BrobyggerModelView):
    access = CASE_ACCESS
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
        "birth_year": {"validators": [Optional(), birth_year()]},
        "consent_on": {"validators": [Optional(), not_future(CONSENT_IN_FUTURE)]},
        "partner_consent_on": {"validators": [Optional(), not_future(CONSENT_IN_FUTURE)]},
        "gp_consent_on": {"validators": [Optional(), not_future(CONSENT_IN_FUTURE)]},
    }
    details_template = "admin/citizen_details.html"
    form_extra_fields = {
        "confirm_new": BooleanField(
            _l("Create anyway: this is another person"),
            description=_l("Only if the citizens named in the warning are someone else."),
        )
    }

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if "confirm_new" in form:
            del form.confirm_new
        return form

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and "confirm_new" in form:
            del form.confirm_new  # offered once there is something to confirm
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.clean(current_user.organisation)
        confirmed = "confirm_new" in form and form.confirm_new.data
        if is_created and not confirmed:
            alikes = [c for c in look_alikes_visible(model) if c.id != model.id]
            if alikes:
                raise ValidationError(
                    _l(
                        "This citizen may already be registered: %(names)s. Open the existing citizen instead, "
                        "or tick “Create anyway” if it is another person.",
                        names=", ".join(str(c) for c in alikes[:5]),
                    )
                )

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
            # Someone registered again (a second referral from the public form): their cases,
            # for the bridge builder to link to this citizen.
            alikes = [c for c in look_alikes_visible(kwargs["model"]) if c.id != kwargs["model"].id]
            kwargs["look_alikes"] = [
                (c, list(Referral.visible_to(current_user).where(Referral.citizen == c.id).order_by(Referral.id)))
                for c in alikes
            ]
            kwargs["can_link"] = "intake_staff.link" in current_app.view_functions
        return super().render(template, **kwargs)


def look_alikes_visible(citizen):
    """Citizens like `citizen` (Citizen.look_alikes) that the current user may see."""
    visible = Citizen.visible_to(current_user)
    return [
        c
        for c in Citizen.look_alikes(
            current_user.organisation_id,
            citizen.name,
            citizen.initials,
            citizen.birth_year,
            citizen.postal_code,
            citizen.phone,
        )
        if visible.where(Citizen.id == c.id).exists()
    ]
