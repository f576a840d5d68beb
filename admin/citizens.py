"""Citizens (borgere): named or anonymous."""

from flask_admin.contrib.peewee.filters import FilterEqual
from flask_login import current_user
from wtforms.validators import Optional

from admin.base import BrobyggerModelView
from admin.case_rows import CASE_ACCESS
from forms.validators import birth_year, not_future
from i18n import _l
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
        "consent_scope",
    )
    form_args = {
        "birth_year": {"validators": [Optional(), birth_year()]},
        "consent_on": {"validators": [Optional(), not_future(CONSENT_IN_FUTURE)]},
    }
    details_template = "admin/citizen_details.html"

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.clean(current_user.organisation)

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["cases"] = list(
                Referral.visible_to(current_user)
                .where(Referral.citizen == kwargs["model"].id)
                .order_by(Referral.received_on.desc())
            )
        return super().render(template, **kwargs)
