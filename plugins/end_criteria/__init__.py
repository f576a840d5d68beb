"""The end_criteria plugin: an organisation's end criteria as data, agreed early in a case,
checked when the case closes (unmet required criteria need a written justification), and a
closures summary for coordinators. Enable it with BROBYGGER_PLUGINS=...,end_criteria."""

from pathlib import Path

from i18n import _l
from plugins import hookimpl

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("end_criteria", HERE / "migrations")]


@hookimpl
def brobygger_admin_views(admin):
    from admin import ADMINISTRATION, CASES
    from plugins.end_criteria.admin import AgreeView, ClosuresView, EndCriterionAdmin
    from plugins.end_criteria.models import EndCriterion

    admin.add_view(ClosuresView(name=_l("Closures"), category=CASES, endpoint="closures", url="/admin/closures"))
    admin.add_view(AgreeView(name=_l("Agree end criteria"), endpoint="ec_agree", url="/admin/end-criteria/agree"))
    admin.add_view(
        EndCriterionAdmin(EndCriterion, name=_l("End criteria"), category=ADMINISTRATION, endpoint="ec_criterion")
    )


@hookimpl
def brobygger_blueprints(app):
    from flask import Blueprint

    # Only to put the plugin's templates on the search path.
    return [Blueprint("end_criteria", __name__, template_folder="templates")]


@hookimpl
def brobygger_case_panels(referral, user):
    from plugins.end_criteria.admin import case_panel

    return case_panel(referral, user)


@hookimpl
def brobygger_close_form_sections(referral, user, form):
    from plugins.end_criteria.admin import close_section

    return close_section(referral, user, form)


@hookimpl
def brobygger_case_may_close(referral, closure):
    from plugins.end_criteria.service import objection

    return objection(referral, closure)


@hookimpl
def brobygger_case_closed(referral, closure, form, user):
    from plugins.end_criteria.service import record_closing

    record_closing(referral, closure, form)


@hookimpl
def brobygger_organisation_created(organisation):
    from models.catalogue import END_CRITERIA
    from plugins.end_criteria.models import EndCriterion

    for position, (code, name, required) in enumerate(END_CRITERIA):
        EndCriterion.create(organisation=organisation, code=code, name=name, required=required, position=position)
