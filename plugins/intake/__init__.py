"""The intake plugin: a low-code intake form builder, a public referral form for GPs and
citizens, and staff intake with a duplicate check. Enable it with BROBYGGER_PLUGINS=intake."""

from pathlib import Path

from plugins.api import ADMINISTRATION, CASES, _l, hookimpl
from plugins.intake.admin import IntakeAnswerAdmin, IntakeFormAdmin, StaffIntakeView, case_panel, case_queries
from plugins.intake.demo import seed_forms
from plugins.intake.models import IntakeAnswer, IntakeForm
from plugins.intake.public import bp
from plugins.intake.service import ceiling_notices

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("intake", HERE / "migrations")]


@hookimpl
def brobygger_config_defaults():
    # INTAKE_HOURLY_CEILING: public referrals per organisation and hour; past it the form refuses
    # politely and coordinators see a notice on their start page.
    return {"INTAKE_RATE_LIMIT": "5 per minute;30 per hour", "INTAKE_MAX_BODY": 64 * 1024, "INTAKE_HOURLY_CEILING": 200}


@hookimpl
def brobygger_admin_views(admin):
    admin.add_view(
        StaffIntakeView(name=_l("New referral (intake)"), category=CASES, endpoint="intake_staff", url="/admin/intake")
    )
    admin.add_view(
        IntakeAnswerAdmin(
            IntakeAnswer,
            name=_l("Intake answers"),
            category=CASES,
            endpoint="intake_answers",
            url="/admin/intake_answer",
        )
    )
    admin.add_view(
        IntakeFormAdmin(
            IntakeForm,
            name=_l("Intake forms"),
            category=ADMINISTRATION,
            endpoint="intake_forms",
            url="/admin/intake_form",
        )
    )


@hookimpl
def brobygger_blueprints(app):
    return [bp]


@hookimpl
def brobygger_case_queries(referral, user):
    return case_queries(referral, user)


@hookimpl
def brobygger_case_panels(referral, user, rows):
    return case_panel(referral, user, rows)


@hookimpl
def brobygger_organisation_created(organisation):
    seed_forms(organisation)


@hookimpl
def brobygger_notices(user):
    return ceiling_notices(user)
