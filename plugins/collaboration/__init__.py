"""The collaboration plugin: notes with municipal services and GPs (direction, channel, legal
basis, summary), hand-overs to professional help, follow-ups, and feedback to the referring GP
(printable and as a FHIR R4 message). Enable it with BROBYGGER_PLUGINS=...,collaboration."""

from pathlib import Path

from i18n import _l
from plugins import hookimpl

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("collaboration", HERE / "migrations")]


@hookimpl
def brobygger_admin_views(admin):
    from admin import CASES
    from plugins.collaboration.admin import CollaborationNoteAdmin, FeedbackView, FollowupView
    from plugins.collaboration.models import CollaborationNote

    admin.add_view(
        CollaborationNoteAdmin(
            CollaborationNote, name=_l("Collaboration notes"), category=CASES, endpoint="collab_note"
        )
    )
    admin.add_view(FollowupView(name=_l("Follow-ups"), category=CASES, endpoint="followups", url="/admin/followups"))
    admin.add_view(FeedbackView(name=_l("GP feedback"), endpoint="gp_feedback", url="/admin/gp-feedback"))


@hookimpl
def brobygger_blueprints(app):
    from flask import Blueprint

    return [Blueprint("collaboration", __name__, template_folder="templates")]


@hookimpl
def brobygger_case_panels(referral, user):
    from plugins.collaboration.admin import case_panel

    return case_panel(referral, user)


@hookimpl
def brobygger_case_may_close(referral, closure):
    from plugins.collaboration.service import objection

    return objection(referral, closure)


@hookimpl
def brobygger_cases_due(user, today):
    from plugins.collaboration.service import followups_due

    return followups_due(user, today)


@hookimpl
def brobygger_case_timeline(referral, user):
    from plugins.collaboration.service import timeline_entries

    return timeline_entries(referral, user)
