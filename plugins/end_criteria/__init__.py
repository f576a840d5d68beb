"""The end_criteria plugin: an organisation's end criteria as data, agreed early in a case,
checked when the case closes (unmet required criteria need a written justification), and a
closures summary for coordinators. Enable it with BROBYGGER_PLUGINS=...,end_criteria."""

from pathlib import Path

from flask import Blueprint

from plugins.api import ADMINISTRATION, CASES, _l, catalogue, hookimpl
from plugins.end_criteria.admin import (
    AgreeView,
    ClosuresView,
    EndCriterionAdmin,
    case_panel,
    case_queries,
    close_section,
)
from plugins.end_criteria.models import EndCriterion
from plugins.end_criteria.service import CLOSE_FORM_FIELDS, objection, record_closing

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("end_criteria", HERE / "migrations")]


@hookimpl
def brobygger_admin_views(admin):
    admin.add_view(
        ClosuresView(name=_l("Closures"), category=CASES, endpoint="end_criteria_closures", url="/admin/closures")
    )
    admin.add_view(
        AgreeView(name=_l("Agree end criteria"), endpoint="end_criteria_agree", url="/admin/end-criteria/agree")
    )
    admin.add_view(
        EndCriterionAdmin(
            EndCriterion,
            name=_l("End criteria"),
            category=ADMINISTRATION,
            endpoint="end_criteria_criteria",
            url="/admin/ec_criterion",
        )
    )


@hookimpl
def brobygger_blueprints(app):
    # Only to put the plugin's templates on the search path.
    return [Blueprint("end_criteria", __name__, template_folder="templates")]


@hookimpl
def brobygger_case_queries(referral, user):
    return case_queries(referral, user)


@hookimpl
def brobygger_case_panels(referral, user, rows):
    return case_panel(referral, user, rows)


@hookimpl
def brobygger_close_form_fields():
    return CLOSE_FORM_FIELDS


@hookimpl
def brobygger_close_form_sections(referral, user, form):
    return close_section(referral, user, form)


@hookimpl
def brobygger_case_may_close(referral, closure, form):
    return objection(referral, closure, form)


@hookimpl
def brobygger_case_closed(referral, closure, form, user):
    record_closing(referral, closure, form)


@hookimpl
def brobygger_organisation_created(organisation):
    for position, (code, name, required) in enumerate(catalogue.END_CRITERIA):
        EndCriterion.create(organisation=organisation, code=code, name=name, required=required, position=position)
