"""The intake plugin: a low-code intake form builder, a public referral form for GPs and
citizens, and staff intake with a duplicate check. Enable it with BROBYGGER_PLUGINS=intake."""

from pathlib import Path

from i18n import _l
from plugins import hookimpl

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("intake", HERE / "migrations")]


@hookimpl
def brobygger_admin_views(admin):
    from admin import ADMINISTRATION, CASES
    from plugins.intake.admin import IntakeAnswerAdmin, IntakeFormAdmin, StaffIntakeView
    from plugins.intake.models import IntakeAnswer, IntakeForm

    admin.add_view(
        StaffIntakeView(name=_l("New referral (intake)"), category=CASES, endpoint="staff_intake", url="/admin/intake")
    )
    admin.add_view(IntakeAnswerAdmin(IntakeAnswer, name=_l("Intake answers"), category=CASES, endpoint="intake_answer"))
    admin.add_view(
        IntakeFormAdmin(IntakeForm, name=_l("Intake forms"), category=ADMINISTRATION, endpoint="intake_form")
    )


@hookimpl
def brobygger_blueprints(app):
    from plugins.intake.public import bp

    app.config.setdefault("INTAKE_RATE_LIMIT", "5 per minute;30 per hour")
    app.config.setdefault("INTAKE_MAX_BODY", 64 * 1024)
    return [bp]


@hookimpl
def brobygger_case_panels(referral, user):
    from plugins.intake.admin import case_panel

    return case_panel(referral, user)


@hookimpl
def brobygger_seed_demo(organisation):
    from plugins.intake.demo import seed_forms

    seed_forms(organisation)


@hookimpl
def brobygger_notices(user):
    from plugins.intake.service import ceiling_notices

    return ceiling_notices(user)
