"""The collaboration plugin: notes with municipal services and GPs (direction, channel, legal
basis, summary), hand-overs to professional help, follow-ups, and feedback to the referring GP
(printable and as a FHIR R4 message). Enable it with BROBYGGER_PLUGINS=...,collaboration."""

from pathlib import Path

from flask import Blueprint

from plugins.api import CASES, _l, hookimpl
from plugins.collaboration.admin import CollaborationNoteAdmin, FeedbackView, FollowupView, case_panel
from plugins.collaboration.models import CollaborationNote
from plugins.collaboration.service import case_queries, followups_due, objection, timeline_entries

HERE = Path(__file__).resolve().parent


@hookimpl
def brobygger_migrations():
    return [("collaboration", HERE / "migrations")]


@hookimpl
def brobygger_admin_views(admin):
    admin.add_view(
        CollaborationNoteAdmin(
            CollaborationNote,
            name=_l("Collaboration notes"),
            category=CASES,
            endpoint="collaboration_notes",
            url="/admin/collab_note",
        )
    )
    admin.add_view(
        FollowupView(name=_l("Follow-ups"), category=CASES, endpoint="collaboration_followups", url="/admin/followups")
    )
    admin.add_view(FeedbackView(name=_l("GP feedback"), endpoint="collaboration_gp_feedback", url="/admin/gp-feedback"))


@hookimpl
def brobygger_blueprints(app):
    return [Blueprint("collaboration", __name__, template_folder="templates")]


@hookimpl
def brobygger_case_queries(referral, user):
    return case_queries(referral, user)


@hookimpl
def brobygger_case_panels(referral, user, rows):
    return case_panel(referral, user, rows)


@hookimpl
def brobygger_case_may_close(referral, closure):
    return objection(referral, closure)


@hookimpl
def brobygger_cases_due(user, today):
    return followups_due(user, today)


@hookimpl
def brobygger_case_timeline(referral, user, rows):
    return timeline_entries(referral, user, rows)
