"""The access matrix: every URL rule of the app × every role → the expected outcome.

The policy (../shared/DESIGN.md §2) written out as one table. Each row is a Flask endpoint; each
column a role. A new URL rule without a row fails `test_every_url_rule_is_in_the_matrix`, so
nobody adds a page without deciding who may reach it.

Outcomes:
    OK         200 (an export answers with CSV, an ajax lookup with a JSON list)
    LOGIN      302 to /login?next=<the page>
    FORBIDDEN  403, an error page without a traceback
    NOT_FOUND  404
    DENIED     302 back to the list page and nothing happened (the form is not shown, nothing
               is exported; for delete and bulk delete: the record still exists)
    DELETED    302 and the record is gone (delete_view and the bulk "delete" action)
    TO_ADMIN / TO_LOGIN / TO_FRONT   302 to /admin/, /login (no next) and / respectively

Letters in the comments are the intended rights: r list/details, c create, e edit, d delete,
x export. Model views are probed with a record of the user's own organisation (world.a) that the
role may see; delete and bulk delete get a fresh, deletable record each.
"""

import datetime
import itertools
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from models import (
    ActivityCategory,
    AuditLog,
    ClosureReason,
    ContactKind,
    Instrument,
    PartnerKind,
    ReferralChannel,
    ReferralReason,
    User,
)
from tests import factories

ROLES = ("anonymous", "admin", "coordinator", "bridge_builder", "partner", "evaluator")

OK = "200"
LOGIN = "302 to login"
FORBIDDEN = "403"
NOT_FOUND = "404"
DENIED = "denied"
DELETED = "deleted"
TO_ADMIN = "302 to /admin/"
TO_LOGIN = "302 to /login"
TO_FRONT = "302 to /"
TO_ACCOUNT = "302 to /account"
AUTH_PAGES = ("auth.mfa", "auth.mfa_setup", "auth.reauth", "auth.account")
MOVED = "moved"  # a workflow POST that did change the case
TO_REGISTER = "302 to the session register"

# fmt: off
MATRIX = {
    #                               anonymous  admin      coordinator bridge_b. partner    evaluator
    "index":                       (TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN),
    "auth.login":                  (OK,        TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN),
    "auth.logout":                 (LOGIN,     TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    "language.switch":             (TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT),
    # Second factor at login: only with a password just given (a pending login), else back to /login.
    "auth.mfa":                    (TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    "auth.mfa_setup":              (TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    # Everybody's own account: password change, confirmation before sensitive actions.
    "auth.reauth":                 (LOGIN,     OK,        OK,        OK,        OK,        OK),
    "auth.account":                (LOGIN,     OK,        OK,        OK,        OK,        OK),
    "auth.new_recovery_codes":     (LOGIN,     TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT),
    # The overview: figures only; every logged-in role (the evaluator's only page).
    "admin.index":                 (LOGIN,     OK,        OK,        OK,        OK,        OK),
    # referral: admin rcedx, coordinator rcex, bridge_builder rce
    "referral.index_view":         (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.details_view":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.create_view":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.edit_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.delete_view":        (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.action_view":        (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.export":             (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.ajax_lookup":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.ajax_update":        (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "referral.status_view":        (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.close_view":         (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.suggest_view":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.match_view":         (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.measure_view":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # The case page's actions (issue 14): take, record a contact or note, start a practice community.
    "referral.take_view":          (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.contact_view":       (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.note_view":          (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.practice_view":      (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    # One's own profile (reminder e-mails): staff.
    "profile.index":               (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # Assigning a case to someone: coordinators and admins only.
    "referral.assign_view":        (LOGIN,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # contact: admin rcedx, coordinator rcex, bridge_builder rce
    "contact.index_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.details_view":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.create_view":         (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.edit_view":           (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.delete_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.action_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.export":              (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.ajax_lookup":         (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.ajax_update":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # match: admin rcedx, coordinator rcex, bridge_builder rce
    "match.index_view":            (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.details_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.create_view":           (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.edit_view":             (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.delete_view":           (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "match.action_view":           (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "match.export":                (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "match.ajax_lookup":           (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.ajax_update":           (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # citizen: admin rcedx, coordinator rcex, bridge_builder rce
    "citizen.index_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.details_view":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.create_view":         (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.edit_view":           (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.delete_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.action_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.export":              (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.ajax_lookup":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "citizen.ajax_update":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # activity: admin rcedx, coordinator rcex, bridge_builder rcex, partner rce
    "activity.index_view":         (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.details_view":       (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.create_view":        (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.edit_view":          (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.delete_view":        (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity.action_view":        (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity.export":             (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "activity.ajax_lookup":        (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    "activity.ajax_update":        (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # activity_session: admin rcedx, coordinator rcex, bridge_builder rcex, partner rce
    "activity_session.index_view": (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.details_view":(LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.create_view":(LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.edit_view":  (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.delete_view":(LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity_session.action_view":(LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity_session.export":     (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "activity_session.ajax_lookup":(LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    "activity_session.ajax_update":(LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # attendance: admin rcedx, coordinator rcedx, bridge_builder rced, partner rcd
    "attendance.index_view":       (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.details_view":     (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.create_view":      (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.edit_view":        (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "attendance.delete_view":      (LOGIN,     DELETED,   DELETED,   DELETED,   DELETED,   FORBIDDEN),
    "attendance.action_view":      (LOGIN,     DELETED,   DELETED,   DELETED,   DELETED,   FORBIDDEN),
    "attendance.export":           (LOGIN,     OK,        OK,        DENIED,    DENIED,    FORBIDDEN),
    "attendance.ajax_lookup":      (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.ajax_update":      (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # partner: admin rcedx, coordinator rcex, bridge_builder rx
    "partner.index_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.details_view":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.create_view":         (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.edit_view":           (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.delete_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.action_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.export":              (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.ajax_lookup":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "partner.ajax_update":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # user: admin rcedx
    "user.index_view":             (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.details_view":           (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.create_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.edit_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.delete_view":            (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.action_view":            (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.export":                 (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.ajax_lookup":            (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.ajax_update":            (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # organisation: admin re
    "organisation.index_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.details_view":   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.create_view":    (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.edit_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.delete_view":    (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.action_view":    (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.export":         (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.ajax_lookup":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.ajax_update":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # referral_channel: admin rcedx
    "referral_channel.index_view": (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.details_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.create_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.edit_view":  (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.delete_view":(LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.action_view":(LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.export":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.ajax_lookup":(LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.ajax_update":(LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.index_view":   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.details_view": (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.create_view":  (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.edit_view":    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.delete_view":  (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.action_view":  (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.export":       (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.ajax_lookup":  (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.ajax_update":  (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.index_view":       (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.details_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.create_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.edit_view":        (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.delete_view":      (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.action_view":      (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.export":           (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.ajax_lookup":      (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.ajax_update":      (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # referral_reason: admin rcedx
    "referral_reason.index_view":  (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.details_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.create_view": (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.edit_view":   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.delete_view": (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.action_view": (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.export":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.ajax_lookup": (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.ajax_update": (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # activity_category: admin rcedx
    "activity_category.index_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.details_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.create_view":(LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.edit_view": (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.delete_view":(LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.action_view":(LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.export":    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.ajax_lookup":(LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.ajax_update":(LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # partner_kind: admin rcedx
    "partner_kind.index_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.details_view":   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.create_view":    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.edit_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.delete_view":    (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.action_view":    (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.export":         (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.ajax_lookup":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.ajax_update":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # contact_kind: admin rcedx
    "contact_kind.index_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.details_view":   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.create_view":    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.edit_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.delete_view":    (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.action_view":    (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.export":         (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.ajax_lookup":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.ajax_update":    (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # audit_log: admin rx
    "audit_log.index_view":        (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.details_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.create_view":       (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.edit_view":         (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.delete_view":       (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.action_view":       (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.export":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.ajax_lookup":       (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.ajax_update":       (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Plugin "intake" (DESIGN §4.1). The public referral form: no login, for everyone.
    "intake_public.choose":        (OK,        OK,        OK,        OK,        OK,        OK),
    "intake_public.referral_form": (OK,        OK,        OK,        OK,        OK,        OK),
    "intake_public.receipt":       (OK,        OK,        OK,        OK,        OK,        OK),
    # Staff intake: case workers only (link is POSTed without a case: 404 once past the door).
    "staff_intake.index":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "staff_intake.link":           (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # intake_form (the form builder is configuration): admin rcedx, coordinator r
    "intake_form.index_view":      (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.details_view":    (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.preview_view":    (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.create_view":     (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.edit_view":       (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.delete_view":     (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.action_view":     (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.export":          (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.ajax_lookup":     (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_form.ajax_update":     (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # end_criteria plugin: criteria (admin rcedx, coordinator r), agreeing (case workers), closures
    "ec_criterion.index_view":     (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.details_view":   (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.create_view":    (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.edit_view":      (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.delete_view":    (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.action_view":    (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.export":         (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.ajax_lookup":    (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_criterion.ajax_update":    (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "ec_agree.index":              (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "closures.index":              (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # collaboration plugin: staff only; partners and evaluators never see a note
    "collab_note.index_view":      (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collab_note.details_view":    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collab_note.create_view":     (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collab_note.edit_view":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collab_note.delete_view":     (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "collab_note.action_view":     (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "collab_note.export":          (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "collab_note.ajax_lookup":     (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collab_note.ajax_update":     (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "followups.index":             (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "followups.done":              (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "gp_feedback.index":           (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "gp_feedback.fhir":            (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "caseload.index":              (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # Reports (issue 12): coordinators, admins and evaluators (suppressed); the cases behind a
    # figure only for roles that see cases; the network report only for network evaluators.
    "reports.index":               (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, OK),
    "reports.export":              (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, OK),
    "reports.cases":               (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "network_report.index":        (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "network_report.export":       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # The operator's network pages (see OPERATOR_ACCESS): nobody of an organisation.
    "networks.index":              (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.network":            (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.add_member":         (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.remove_member":      (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.add_evaluator":      (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.remove_evaluator":   (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closures.export":             (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Privacy (issue 11): access reports and upcoming anonymisations for admins and coordinators;
    # who saw a citizen, erasure, the record of processing and old free text for admins only.
    "privacy.index":               (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.report_pdf":          (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.report_zip":          (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.access_log_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.erase_view":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.processing_view":     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.processing_markdown": (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.free_text_view":      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # intake_answer (part of a case, kept as answered): admin rx, coordinator rx, bridge_builder r
    "intake_answer.index_view":    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "intake_answer.details_view":  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "intake_answer.create_view":   (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answer.edit_view":     (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answer.delete_view":   (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answer.action_view":   (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answer.export":        (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answer.ajax_lookup":   (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "intake_answer.ajax_update":   (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # Onboarding (issue 10). The set-password page: a one-time token, no login; a bad token is 404.
    "onboarding.set_password":     (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Import (Administration → Import): admins only; commit/cancel of no batch of theirs is 404.
    "imports.index":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.commit":              (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.cancel":              (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.template":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.export":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # The operator's pages: nobody of an organisation (see OPERATOR_ACCESS for the operator).
    "operator.index":              (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.new":                (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.organisation":       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.set_active":         (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.add_admin":          (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.reset":              (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Issue 13. The public activity directory, its iCal feeds and HSDS export: no login, for everyone.
    "directory.index":             (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.activity":          (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.activity_ics":      (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.partner_ics":       (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.organisation_ics":  (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.hsds_services":     (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.hsds_package":      (OK,        OK,        OK,        OK,        OK,        OK),
    # The partner's phone page: partner users only.
    "partner_page.start":          (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.register":       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.listing":        (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.pick_date":      (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, TO_REGISTER, FORBIDDEN),
    # Approving partners' listing changes: admin and coordinator.
    "listing_change.index":        (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "listing_change.decide_view":  (LOGIN,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Waiting lists of full activities: case workers.
    "waiting_list.index":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "waiting_list.add_view":       (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "waiting_list.remove_view":    (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
}
# fmt: on

# The operator (driftsansvarlig) runs the installation and never sees an organisation's data:
# every URL not listed here answers the operator with 403 (FORBIDDEN).
OPERATOR_ACCESS = {
    "index": TO_ADMIN,
    "auth.login": TO_ADMIN,
    "auth.logout": TO_LOGIN,
    "language.switch": TO_FRONT,
    "admin.index": DENIED,  # 302 to the organisations page instead of any organisation's figures
    "intake_public.choose": OK,  # public pages, as for anyone
    "intake_public.referral_form": OK,
    "intake_public.receipt": OK,
    # The public activity directory and its feeds (issue 13), as for anyone.
    **{
        f"directory.{name}": OK
        for name in (
            "index",
            "activity",
            "activity_ics",
            "partner_ics",
            "organisation_ics",
            "hsds_services",
            "hsds_package",
        )
    },
    "onboarding.set_password": NOT_FOUND,
    "operator.index": OK,
    "operator.new": OK,
    "operator.organisation": OK,
    "operator.set_active": MOVED,
    "operator.add_admin": OK,
    "operator.reset": OK,
    "networks.index": OK,
    "networks.network": OK,
    "networks.add_member": MOVED,
    "networks.remove_member": MOVED,
    "networks.add_evaluator": MOVED,
    "networks.remove_evaluator": MOVED,
    # Their own account, as for every logged-in user.
    "auth.mfa": TO_LOGIN,
    "auth.mfa_setup": TO_LOGIN,
    "auth.reauth": OK,
    "auth.account": OK,
    "auth.new_recovery_codes": TO_ACCOUNT,
    # The public activity directory and its feeds (issue 13), as for anyone.
    **{
        f"directory.{name}": OK
        for name in (
            "index",
            "activity",
            "activity_ics",
            "partner_ics",
            "organisation_ics",
            "hsds_services",
            "hsds_package",
        )
    },
}

EXCLUDED_ENDPOINTS = {"static", "admin.static"}
# Views whose forms have ajax lookups, and the lookup's field name.
AJAX_LOOKUPS = {
    "referral": "citizen",
    "contact": "referral",
    "match": "referral",
    "attendance": "citizen",
    "collab_note": "referral",
}
# Endpoint suffixes run after every GET, in this order; logging out comes last of all.
LATE = {"ajax_update": 1, "delete_view": 2, "action_view": 2, "language.switch": 3, "auth.logout": 4}


def _first(model, org):
    return model.select().where(model.organisation == org.id).order_by(model.id).first()


def sample_records(world):
    """A record of world.a per model view that every role with read access may see."""
    a = world.a
    audit = AuditLog.create(
        organisation=a.org, user=a.users["admin"], role="admin", action="view", model="Citizen", record_id=a.citizen.id
    )
    return {
        "referral": a.referral,
        "contact": a.contact,
        "match": a.match,
        "citizen": a.citizen,
        "activity": a.activity,
        "activity_session": a.session,
        "attendance": a.attendance,
        "partner": a.partner,
        "user": a.users["bridge_builder"],
        "organisation": a.org,
        "referral_channel": a.channel,
        "referral_reason": a.reason,
        "activity_category": _first(ActivityCategory, a.org),
        "partner_kind": _first(PartnerKind, a.org),
        "contact_kind": _first(ContactKind, a.org),
        "closure_reason": _first(ClosureReason, a.org),
        "instrument": _first(Instrument, a.org),
        "audit_log": audit,
        **intake_records(world),
        **end_criteria_records(world),
        "collab_note": collaboration_note(world),
    }


def intake_records(world, only=None):
    """A form and an answer of world.a for the intake plugin's views (when it is loaded)."""
    try:
        from plugins.intake.models import IntakeAnswer, IntakeForm
    except ImportError:
        return {}
    a = world.a
    builders = {
        "intake_form": lambda: IntakeForm.create(organisation=a.org, audience="staff", title="Alfa skema"),
        "intake_answer": lambda: IntakeAnswer.create(
            organisation=a.org, referral=a.referral, question_label="Spørgsmål", kind="short_text", value='"Godt"'
        ),
    }
    return {view: build() for view, build in builders.items() if only in (None, view)}


def collaboration_note(world):
    """A note of world.a with a follow-up, for the collaboration plugin's views."""
    from models import PartnerKind
    from plugins.collaboration.models import CollaborationNote

    a = world.a
    kind = PartnerKind.get((PartnerKind.organisation == a.org.id) & (PartnerKind.code == "municipal_service"))
    service = factories.make_partner(a.org, name="Alfa psykiatri", kind=kind)
    return CollaborationNote.create(
        organisation=a.org,
        referral=a.referral,
        service=service,
        date=datetime.date.today(),
        followup_on=datetime.date.today(),
        followup_owner=a.users["bridge_builder"],
    )


def end_criteria_records(world, only=None):
    """A criterion of world.a for the end_criteria plugin's views."""
    from plugins.end_criteria.models import EndCriterion

    if only not in (None, "ec_criterion"):
        return {}
    return {"ec_criterion": EndCriterion.create(organisation=world.a.org, name="Alfa kriterium", required=True)}


_dates = (datetime.date(1990, 1, 1) + datetime.timedelta(days=n) for n in itertools.count())


def deletable_record(view, world):
    """A fresh record of world.a that nothing refers to and the role under test may see."""
    a = world.a
    org = a.org
    lookups = {
        "referral_channel": ReferralChannel,
        "closure_reason": ClosureReason,
        "instrument": Instrument,
        "referral_reason": ReferralReason,
        "activity_category": ActivityCategory,
        "partner_kind": PartnerKind,
        "contact_kind": ContactKind,
    }
    if view in lookups:
        extra = {"items": "Spørgsmål"} if view == "instrument" else {}
        return lookups[view].create(organisation=org, name="Slet mig", **extra)
    if view.startswith("intake_"):
        return intake_records(world, only=view)[view]
    if view == "ec_criterion":
        return end_criteria_records(world, only=view)[view]
    if view == "collab_note":
        return collaboration_note(world)
    builders = {
        "referral": lambda: factories.make_referral(
            org, citizen=factories.make_citizen(org), assigned_to=a.users["bridge_builder"]
        ),
        "contact": lambda: factories.make_contact(a.referral),
        "match": lambda: factories.make_match(a.referral, a.activity),
        "citizen": lambda: factories.make_citizen(org),
        "activity": lambda: factories.make_activity(org, partner=a.partner),
        "activity_session": lambda: factories.make_session(a.activity, date=next(_dates)),
        "attendance": lambda: factories.make_attendance(a.session, factories.make_participant(a.activity)),
        "partner": lambda: factories.make_partner(org),
        "user": lambda: factories.make_user(org, "bridge_builder"),
        "organisation": lambda: org,  # nobody may delete an organisation
        "audit_log": lambda: AuditLog.create(organisation=org, action="view", model="Citizen", record_id=1),
    }
    return builders[view]()


@dataclass
class Probe:
    endpoint: str
    method: str
    url: str
    data: dict = field(default_factory=dict)
    target: object = None  # the record a delete probe tries to delete
    changed: object = None  # for workflow POSTs: a function telling whether the change happened

    @property
    def order(self):
        suffix = self.endpoint.rsplit(".", 1)[-1]
        return (LATE.get(self.endpoint, LATE.get(suffix, 0)), self.endpoint)


def build_probes(app, world, endpoints):
    """One request per endpoint, on concrete URLs of world.a's records."""
    samples = sample_records(world)
    probes = []
    with app.test_request_context():
        for endpoint in endpoints:
            if endpoint == "auth.logout":
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint == "language.switch":
                probes.append(Probe(endpoint, "POST", url_for(endpoint, code="da")))
            elif endpoint == "auth.new_recovery_codes":
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint in ("index", "auth.login", "admin.index", "staff_intake.index", *AUTH_PAGES):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint == "staff_intake.link":
                probes.append(Probe(endpoint, "POST", url_for(endpoint)))
            elif endpoint in ("closures.index", "caseload.index", "followups.index", "profile.index"):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint in ("reports.index", "network_report.index"):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, start="2025-01-01", end="2025-12-31")))
            elif endpoint in ("reports.export", "network_report.export"):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, fmt="csv")))
            elif endpoint == "reports.cases":
                probes.append(Probe(endpoint, "GET", url_for(endpoint, figure="active")))
            elif endpoint == "closures.export":
                probes.append(Probe(endpoint, "GET", url_for(endpoint, fmt="csv")))
            elif endpoint == "gp_feedback.index":
                probes.append(Probe(endpoint, "POST", url_for(endpoint), {"id": world.a.referral.id}))
            elif endpoint == "gp_feedback.fhir":
                probes.append(
                    Probe(
                        endpoint, "POST", url_for(endpoint), {"id": world.a.referral.id, "to": _gp_practice(world).id}
                    )
                )
            elif endpoint in (
                "privacy.report_pdf",
                "privacy.report_zip",
                "privacy.access_log_view",
                "privacy.erase_view",
            ):
                probes.append(Probe(endpoint, "GET", url_for(endpoint, id=world.a.citizen.id)))
            elif endpoint.startswith("privacy."):
                probes.append(Probe(endpoint, "GET", url_for(endpoint)))
            elif endpoint == "followups.done":
                probes.append(_followup_done_probe(endpoint, samples["collab_note"]))
            elif endpoint == "ec_agree.index":
                probes.append(_agree_probe(endpoint, samples["ec_criterion"], world))
            elif endpoint.startswith("intake_public."):
                probes.append(_public_intake_probe(endpoint, world))
            elif endpoint.startswith(("onboarding.", "imports.", "operator.")):
                probes.append(_onboarding_probe(endpoint, world))
            elif endpoint.startswith("networks."):
                probes.append(_network_probe(endpoint, world))
            elif endpoint.split(".")[0] in ("directory", "partner_page", "listing_change", "waiting_list"):
                probes.append(_activity_pages_probe(endpoint, world))
            elif "." in endpoint and endpoint.split(".")[0] in samples:
                view, name = endpoint.split(".", 1)
                probes.append(_model_view_probe(view, name, samples[view], world))
            else:
                probes.append(Probe(endpoint, "GET", ""))  # unknown: reported as a mismatch
    return sorted(probes, key=lambda p: p.order)


def _gp_practice(world):
    """A GP practice with SOR and EAN numbers, and the organisation's own: a MedCom message can go."""
    from models import Organisation

    Organisation.update(sor_code="265161000016000", ean_code="5790000209354", phone="33123456").where(
        Organisation.id == world.a.org.id
    ).execute()
    kind = PartnerKind.get((PartnerKind.organisation == world.a.org.id) & (PartnerKind.name == "Lægepraksis"))
    return factories.make_partner(world.a.org, name="Lægehuset", kind=kind, sor_code="1", ean_code="5790001348120")


def _followup_done_probe(endpoint, note):
    from plugins.collaboration.models import CollaborationNote

    def done():
        return CollaborationNote.get_by_id(note.id).followup_done_at is not None

    return Probe(endpoint, "POST", url_for(endpoint), {"note": note.id}, changed=done)


def _agree_probe(endpoint, criterion, world):
    from plugins.end_criteria.models import AgreedCriterion

    def agreed():
        return AgreedCriterion.select().where(AgreedCriterion.referral == world.a.referral.id).exists()

    return Probe(
        endpoint,
        "POST",
        url_for(endpoint),
        {"referral": world.a.referral.id, "criteria": [criterion.id]},
        changed=agreed,
    )


def _public_intake_probe(endpoint, world):
    from plugins.intake.models import IntakeSubmission

    slug = world.a.org.slug
    if endpoint == "intake_public.choose":
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug))
    if endpoint == "intake_public.referral_form":
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug, audience_slug="laege"))
    if endpoint == "intake_public.receipt":
        submission = IntakeSubmission.create(
            organisation=world.a.org, token="matrix-token", reference="BRO-TEST-0001", source="public_form"
        )
        return Probe(endpoint, "GET", url_for(endpoint, slug=slug, reference=submission.reference))
    return Probe(endpoint, "GET", "")


def _onboarding_probe(endpoint, world):
    from models import Organisation

    org = world.a.org
    if endpoint == "onboarding.set_password":
        return Probe(endpoint, "GET", url_for(endpoint, token="not-a-token"))
    if endpoint in ("imports.index", "operator.index", "operator.new"):
        return Probe(endpoint, "GET", url_for(endpoint))
    if endpoint in ("imports.commit", "imports.cancel"):
        return Probe(endpoint, "POST", url_for(endpoint), {"batch": 999999})
    if endpoint in ("imports.template", "imports.export"):
        return Probe(endpoint, "GET", url_for(endpoint, kind="citizens", fmt="csv"))
    if endpoint == "operator.organisation":
        return Probe(endpoint, "GET", url_for(endpoint, org_id=org.id))
    if endpoint == "operator.set_active":

        def deactivated():
            return not Organisation.get_by_id(org.id).is_active

        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id), {"active": "0"}, changed=deactivated)
    if endpoint == "operator.add_admin":
        data = {"email": "ny-admin@example.dk", "name": "Ny Admin"}
        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id), data)
    if endpoint == "operator.reset":
        return Probe(endpoint, "POST", url_for(endpoint, org_id=org.id, user_id=world.a.users["admin"].id))


def _network_probe(endpoint, world):
    """The operator's network pages, on a network with world.b as a member and an evaluator."""
    from models import Network, NetworkEvaluator, NetworkMember

    network = Network.get_or_none(Network.slug == "matrix") or Network.create(name="Matrixnetværket", slug="matrix")
    if not NetworkMember.select().where(NetworkMember.network == network.id).exists():
        NetworkMember.create(network=network, organisation=world.b.org)
        NetworkEvaluator.create(network=network, user=factories.make_user(world.b.org, "network_evaluator"))
    newcomer = User.get_or_none(User.email == "netvaerk@example.dk") or factories.make_user(
        world.a.org, "network_evaluator", email="netvaerk@example.dk"
    )
    member = NetworkMember.select().where(NetworkMember.network == network.id)
    evaluator = NetworkEvaluator.select().where(NetworkEvaluator.network == network.id)

    def has(query, **where):
        return query.where(*[getattr(query.model, k) == v for k, v in where.items()]).exists()

    if endpoint in ("networks.index",):
        return Probe(endpoint, "GET", url_for(endpoint))
    if endpoint == "networks.network":
        return Probe(endpoint, "GET", url_for(endpoint, network_id=network.id))
    if endpoint == "networks.add_member":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id),
            {"organisation": world.a.org.id},
            changed=lambda: has(member, organisation=world.a.org.id),
        )
    if endpoint == "networks.remove_member":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id, org_id=world.b.org.id),
            changed=lambda: not has(member, organisation=world.b.org.id),
        )
    if endpoint == "networks.add_evaluator":
        return Probe(
            endpoint,
            "POST",
            url_for(endpoint, network_id=network.id),
            {"email": newcomer.email},
            changed=lambda: has(evaluator, user=newcomer.id),
        )
    first = evaluator.order_by(NetworkEvaluator.id).first()
    return Probe(
        endpoint,
        "POST",
        url_for(endpoint, network_id=network.id, user_id=first.user_id),
        changed=lambda: not has(evaluator, user=first.user_id),
    )


def _activity_pages_probe(endpoint, world):
    """Issue 13's pages: the public directory (on a published activity), the partner's page, the
    approval of listing changes and the waiting lists."""
    from models import ListingChange, WaitingListEntry

    a = world.a
    slug = a.org.slug
    published = factories.make_activity(
        a.org,
        partner=a.partner,
        name="Alfa åbent",
        public=True,
        frequency="weekly",
        weekday=2,
        start_time=datetime.time(14, 0),
    )
    today = datetime.date.today().isoformat()
    gets = {
        "directory.index": lambda: url_for(endpoint, slug=slug),
        "directory.activity": lambda: url_for(endpoint, slug=slug, activity_id=published.id),
        "directory.activity_ics": lambda: url_for(endpoint, slug=slug, activity_id=published.id),
        "directory.partner_ics": lambda: url_for(endpoint, slug=slug, partner_id=a.partner.id),
        "directory.organisation_ics": lambda: url_for(endpoint, slug=slug),
        "directory.hsds_services": lambda: url_for(endpoint, slug=slug),
        "directory.hsds_package": lambda: url_for(endpoint, slug=slug),
        "partner_page.start": lambda: url_for(endpoint),
        "partner_page.register": lambda: url_for(endpoint, activity_id=a.activity.id, day=today),
        "partner_page.listing": lambda: url_for(endpoint, activity_id=a.activity.id),
        "listing_change.index": lambda: url_for(endpoint),
        "waiting_list.index": lambda: url_for(endpoint),
    }
    if endpoint in gets:
        return Probe(endpoint, "GET", gets[endpoint]())
    if endpoint == "partner_page.pick_date":
        return Probe(endpoint, "POST", url_for(endpoint), {"activity": a.activity.id, "date": today})
    if endpoint == "listing_change.decide_view":
        change = ListingChange.propose(published, {"place": "Nyt sted"}, a.users["partner"])

        def decided():
            return ListingChange.get_by_id(change.id).status == "approved"

        return Probe(endpoint, "POST", url_for(endpoint), {"change": change.id, "decision": "approve"}, changed=decided)
    if endpoint == "waiting_list.add_view":

        def waiting():
            return WaitingListEntry.select().where(WaitingListEntry.activity == published.id).exists()

        return Probe(
            endpoint, "POST", url_for(endpoint), {"activity": published.id, "referral": a.referral.id}, changed=waiting
        )
    if endpoint == "waiting_list.remove_view":
        entry = WaitingListEntry.create(organisation=a.org, activity=published, referral=a.referral)

        def removed():
            return not WaitingListEntry.select().where(WaitingListEntry.id == entry.id).exists()

        return Probe(endpoint, "POST", url_for(endpoint), {"entry": entry.id}, changed=removed)
    return Probe(endpoint, "GET", "")


def _model_view_probe(view, name, sample, world):
    endpoint = f"{view}.{name}"
    if name == "index_view":
        return Probe(endpoint, "GET", url_for(endpoint))
    if name in ("details_view", "edit_view", "preview_view", "close_view", "measure_view", "suggest_view"):
        return Probe(endpoint, "GET", url_for(endpoint, id=sample.id))
    if name == "create_view":
        return Probe(endpoint, "GET", url_for(endpoint))
    if name == "export":
        return Probe(endpoint, "GET", url_for(endpoint, export_type="csv"))
    if name == "ajax_lookup":
        return Probe(endpoint, "GET", url_for(endpoint, name=AJAX_LOOKUPS.get(view, "partner"), query="alfa"))
    if name == "status_view":
        from models import Referral

        def moved():
            return Referral.get_by_id(sample.id).status == "contacted"

        data = {"id": sample.id, "to": "contacted", "version": Referral.get_by_id(sample.id).version}
        return Probe(endpoint, "POST", url_for(endpoint), data, changed=moved)
    if name == "match_view":
        from models import Match

        match = world.a.match

        def stopped():
            return Match.get_by_id(match.id).status == "stopped"

        return Probe(endpoint, "POST", url_for(endpoint), {"match": match.id, "to": "stopped"}, changed=stopped)
    if name in CASE_ACTIONS:
        return CASE_ACTIONS[name](endpoint, sample, world)
    if name == "ajax_update":
        return Probe(endpoint, "POST", url_for(endpoint), {"list_form_pk": sample.id, "name": "Ændret"})
    if name == "delete_view":
        target = deletable_record(view, world)
        return Probe(endpoint, "POST", url_for(endpoint), {"id": target.id}, target)
    if name == "action_view":
        target = deletable_record(view, world)
        return Probe(endpoint, "POST", url_for(endpoint), {"action": "delete", "rowid": [target.id]}, target)
    return Probe(endpoint, "GET", "")


def _take_probe(endpoint, sample, world):
    from models import Referral

    new = factories.make_referral(world.a.org, citizen=world.a.citizen)

    def taken():
        return Referral.get_by_id(new.id).assigned_to_id is not None

    return Probe(endpoint, "POST", url_for(endpoint), {"id": new.id, "version": new.version}, changed=taken)


def _assign_probe(endpoint, sample, world):
    from models import Referral

    coordinator = world.a.users["coordinator"]

    def assigned():
        return Referral.get_by_id(sample.id).assigned_to_id == coordinator.id

    return Probe(endpoint, "POST", url_for(endpoint), {"id": sample.id, "user": coordinator.id}, changed=assigned)


def _contact_probe(endpoint, sample, world):
    from models import Contact

    before = Contact.select().where(Contact.referral == sample.id).count()

    def recorded():
        return Contact.select().where(Contact.referral == sample.id).count() == before + 1

    data = {"id": sample.id, "contact-date": datetime.date.today().isoformat(), "contact-minutes": "10"}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=recorded)


def _note_probe(endpoint, sample, world):
    from models import CaseNote

    def written():
        return CaseNote.select().where(CaseNote.referral == sample.id).exists()

    data = {"id": sample.id, "note-date": datetime.date.today().isoformat(), "note-text": "Ringede tilbage"}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=written)


def _practice_probe(endpoint, sample, world):
    from models import Activity

    def started():
        return Activity.select().where((Activity.name == "Matrix-café") & Activity.is_practice).exists()

    data = {"id": sample.id, "practice-name": "Matrix-café", "practice-partner": world.a.partner.id}
    return Probe(endpoint, "POST", url_for(endpoint), data, changed=started)


CASE_ACTIONS = {
    "take_view": _take_probe,
    "assign_view": _assign_probe,
    "contact_view": _contact_probe,
    "note_view": _note_probe,
    "practice_view": _practice_probe,
}


def _exists(record):
    model = type(record)
    return model.select().where(model.id == record.id).exists()


def observe(client, probe):
    """The outcome of one probe, as one of the MATRIX values, plus anything else wrong with it."""
    if not probe.url:
        return "no probe for this endpoint: teach build_probes its URL", []
    response = client.open(probe.url, method=probe.method, data=probe.data)
    body = response.get_data().decode("utf-8", "replace")  # a data package is a zip
    problems = []
    if "Traceback" in body or re.search(r'File "[^"]+\.py", line \d+', body):
        problems.append(f"the {response.status_code} page shows a Python traceback")
    status = response.status_code
    if status == 302:
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next" in parse_qs(location.query):
            wanted = urlsplit(probe.url).path
            if not parse_qs(location.query)["next"][0].startswith(wanted):
                problems.append(f"login redirect's next= is not {wanted}: {response.headers['Location']}")
            return LOGIN, problems
        if probe.target is not None:
            return (DENIED if _exists(probe.target) else DELETED), problems
        if probe.changed is not None:
            return (MOVED if probe.changed() else DENIED), problems
        if location.path.startswith("/admin/") and location.path != "/admin/":
            return DENIED, problems
        if location.path.startswith("/partner/register/"):
            return TO_REGISTER, problems
        return f"302 to {location.path}", problems
    if probe.target is not None and not _exists(probe.target):
        problems.append(f"answered {status} but deleted the record")
    if status == 200 and probe.endpoint.endswith(".export") and response.mimetype != "text/csv":
        return f"200 with {response.mimetype} instead of CSV", problems
    is_lookup = status == 200 and probe.endpoint.endswith(".ajax_lookup")
    if is_lookup and (response.mimetype != "application/json" or not isinstance(json.loads(body), list)):
        return f"200 with {response.mimetype} instead of a JSON list", problems
    return str(status), problems


def app_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules()} - EXCLUDED_ENDPOINTS


def test_every_url_rule_is_in_the_matrix(app):
    endpoints = app_endpoints(app)
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"URL rules without a row in MATRIX (decide who may reach them): {missing}"
    assert not stale, f"MATRIX rows for endpoints that no longer exist: {stale}"


def test_matrix_rows_are_complete_and_send_anonymous_users_to_login(app):
    for endpoint, row in MATRIX.items():
        assert len(row) == len(ROLES), endpoint
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and rule.endpoint in MATRIX:
            assert MATRIX[rule.endpoint][0] == LOGIN, f"{rule.endpoint}: anonymous users must be sent to /login"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, login, role):
    client = app.test_client() if role == "anonymous" else login(world.a.users[role])
    column = ROLES.index(role)
    endpoints = sorted(app_endpoints(app) & MATRIX.keys())
    mismatches = []
    for probe in build_probes(app, world, endpoints):
        expected = MATRIX[probe.endpoint][column]
        actual, problems = observe(client, probe)
        if actual != expected:
            problems.insert(0, f"expected {expected}, got {actual}")
        for problem in problems:
            mismatches.append(f"{probe.method} {probe.url or probe.endpoint} [{probe.endpoint}]: {problem}")
    assert not mismatches, f"{len(mismatches)} access mismatch(es) for {role}:\n" + "\n".join(mismatches)


def test_operator_access_matrix(app, world, login):
    """The operator: their own pages, the public ones, and 403 on every other URL of the app —
    no organisation's citizens, cases, notes, lists, exports or reports."""
    assert not OPERATOR_ACCESS.keys() - MATRIX.keys()
    operator = factories.make_user(None, "operator")
    client = login(operator)
    endpoints = sorted(app_endpoints(app) & MATRIX.keys())
    mismatches = []
    for probe in build_probes(app, world, endpoints):
        expected = OPERATOR_ACCESS.get(probe.endpoint, FORBIDDEN)
        actual, problems = observe(client, probe)
        if actual != expected:
            problems.insert(0, f"expected {expected}, got {actual}")
        for problem in problems:
            mismatches.append(f"{probe.method} {probe.url or probe.endpoint} [{probe.endpoint}]: {problem}")
    assert not mismatches, f"{len(mismatches)} access mismatch(es) for the operator:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("role", ("anonymous", "admin"))
def test_post_only_rules_refuse_get(app, world, login, role):
    client = app.test_client() if role == "anonymous" else login(world.a.users[role])
    wrong = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods or rule.endpoint in EXCLUDED_ENDPOINTS:
                continue
            url = url_for(rule.endpoint, **{arg: "da" if arg == "code" else "1" for arg in rule.arguments})
            response = client.get(url)
            if response.status_code != 405:
                wrong.append(f"GET {url}: {response.status_code}")
    assert not wrong, "POST-only rules must answer GET with 405:\n" + "\n".join(wrong)


def test_rights_follow_the_user_record_at_once(app, world, login):
    """A role change or deactivation applies on the user's next request, not at their next login."""
    bridge_builder = world.a.users["bridge_builder"]
    client = login(bridge_builder)
    assert client.get("/admin/referral/").status_code == 200
    User.update(role="evaluator").where(User.id == bridge_builder.id).execute()
    assert client.get("/admin/referral/").status_code == 403
    User.update(role="bridge_builder", active=False).where(User.id == bridge_builder.id).execute()
    response = client.get("/admin/referral/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
