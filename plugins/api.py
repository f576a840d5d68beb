"""The plugin API: everything of the core a plugin may use, in one module.

Plugins import core names from here and nowhere else (tests/test_plugin_api.py enforces it for
the built-in plugins); anything not listed is internal and may change without notice. Third-party
libraries (Flask, Flask-Admin, peewee, WTForms) are imported directly.

Registering
    ``hookimpl`` marks a plugin's hook implementations (the catalogue is plugins/hookspecs.py).
    ``hook()`` calls hooks of the current app, e.g. a plugin that defines hooks of its own.

Admin pages (``brobygger_admin_views``)
    ``BrobyggerModelView`` — CRUD over a model, scoped by ``Model.visible_to(user)`` on every path
    (list, details, edit, delete, bulk actions, ajax lookups, export), CSRF-protected, audited,
    optimistic-locked. Configure it with class attributes; ``access`` maps roles to letters:
    r list/details, c create, e edit, d delete, x export.
    ``CaseRowView`` — the same for rows that belong to a case (``?referral=<id>`` preselects it).
    ``RoleView`` — a plain page (``@expose``) for the roles in ``roles``.
    ``CASES``, ``CITIZENS``, ``ACTIVITIES``, ``ADMINISTRATION`` — menu categories.
    ``batch_load``, ``lookup_filter``, ``to_int`` — list helpers; ``visible_or_404(Model, id)`` —
    the row the logged-in user may see, or a 404 (``Model.visible_by_id(user, id)`` without the 404).

Models and rules
    ``BaseModel`` (timestamps, folded ``search_key``), ``TenantModel`` (a record of one
    organisation), ``VersionedModel`` (plus optimistic locking), ``organisation_fk()`` — bases for
    a plugin's own tables (prefix their names with the plugin's). The core models, roles and
    role groups, statuses, ``fold`` for Danish-correct search, the value rules (``RuleError``,
    ``not_in_future``, ...), ``create_citizen`` and the workflow functions (``change_status``,
    ``close_case``, ``referral_created``, ``TransitionError``). ``catalogue`` — the default lists
    every new organisation gets, each entry with a stable code (``models/catalogue.py``).
    Domain functions take plain values (records, ids, dates, str, dicts), never ``request.form``:
    ``close_case(..., form={...})`` gets the closing form's plugin fields as a dict, the fields
    each plugin names in ``brobygger_close_form_fields`` (a list of str or a str per field).

Data and side effects
    ``db`` — the database (``with db.atomic(): ...``; ``with write_transaction(): ...`` for a
    multi-step write: SQLite takes its write lock at BEGIN); ``after_commit(fn)`` runs fn only once the
    current transaction has committed (send mail or SMS from there, or implement the
    ``brobygger_after_*`` hooks). ``limiter`` — rate limits for public pages. ``core_table(name)``
    — a stand-in for a core table in a plugin's migrations. ``Compiled(build)`` — a read run on
    every request whose SQL peewee builds once (``models/compiled.py``).

Exports (exports.py — every CSV and Excel download, reports included)
    ``csv_response(filename, header, rows, audit=None)`` — a streamed CSV; ``xlsx_response(filename,
    [(sheet title, header, rows), ...], audit=None)`` — an XLSX built in openpyxl's write-only mode.
    Cells are neutralised against formula injection (``safe_cell``); ``audit="Model"`` logs the
    export with its row count.

Security
    ``safe_local_path(target, default)`` — a redirect target only if it is a path on this site
    (use it for every ``next=``); ``require_recent_auth`` — decorator for a view that exports or
    deletes: it runs only after a password (and second-factor) confirmation in the last 10
    minutes (``RoleView`` methods named ``export`` get it without the decorator).

Text
    ``_``, ``_l``, ``ngettext`` — translations; ``format_day``, ``format_moment`` — Danish dates
    (the Jinja filters ``|date`` and ``|datetime`` do the same). ``Form`` — the CSRF form base for
    pages outside the admin.
"""

from admin.base import BrobyggerModelView
from admin.case_rows import CASE_ACCESS, CaseRowView
from admin.loading import batch_load, lookup_filter, to_int, visible_or_404
from admin.menu import ACTIVITIES, ADMINISTRATION, CASES, CITIZENS
from admin.pages import RoleView
from database import after_commit, core_table
from exports import csv_response, safe_cell, xlsx_response
from extensions import db, limiter
from forms.base import Form
from forms.validators import Rule, birth_year, not_future
from i18n import _, _l, format_day, format_moment, ngettext
from models import (
    Activity,
    ActivityCategory,
    ActivitySession,
    Attendance,
    AuditLog,
    CaseClosure,
    Citizen,
    ClosureReason,
    Contact,
    ContactKind,
    Instrument,
    Match,
    Measurement,
    Organisation,
    Partner,
    PartnerKind,
    Referral,
    ReferralChannel,
    ReferralReason,
    ReferralReasonLink,
    StaleRecordError,
    StatusChange,
    User,
    catalogue,  # the default lists with their codes (copy yours in brobygger_organisation_created)
)
from models.base import BaseModel, utcnow, write_transaction
from models.citizen import CONSENT_IN_FUTURE, GENDERS, check_anonymity, create_citizen
from models.compiled import Compiled
from models.lookups import Lookup
from models.organisation import TenantModel, VersionedModel, organisation_fk
from models.referral import JOINED, MATCH_STATUSES, OPEN_STATUSES, STATUSES, STOPPED, SUGGESTED, TRIED
from models.roles import ADMIN, BRIDGE_BUILDER, CASE_WORKERS, COORDINATOR, EVALUATOR, PARTNER, ROLES, TEAM_LEADS
from models.rules import RuleError, clean_text, not_in_future
from models.search import fold
from models.workflow import TransitionError, change_status, close_case, referral_created
from plugins import hook, hookimpl
from security import require_recent_auth, safe_local_path

__all__ = [
    "Compiled",
    "require_recent_auth",
    "safe_local_path",
    "ACTIVITIES",
    "ADMIN",
    "ADMINISTRATION",
    "BRIDGE_BUILDER",
    "CASES",
    "CASE_ACCESS",
    "CASE_WORKERS",
    "CONSENT_IN_FUTURE",
    "CITIZENS",
    "COORDINATOR",
    "EVALUATOR",
    "GENDERS",
    "JOINED",
    "MATCH_STATUSES",
    "OPEN_STATUSES",
    "PARTNER",
    "ROLES",
    "STATUSES",
    "STOPPED",
    "SUGGESTED",
    "TEAM_LEADS",
    "TRIED",
    "catalogue",
    "Activity",
    "ActivityCategory",
    "ActivitySession",
    "Attendance",
    "AuditLog",
    "BaseModel",
    "BrobyggerModelView",
    "CaseClosure",
    "CaseRowView",
    "Citizen",
    "ClosureReason",
    "Contact",
    "ContactKind",
    "Form",
    "Instrument",
    "Lookup",
    "Match",
    "Measurement",
    "Organisation",
    "Partner",
    "PartnerKind",
    "Referral",
    "ReferralChannel",
    "ReferralReason",
    "ReferralReasonLink",
    "RoleView",
    "Rule",
    "RuleError",
    "StaleRecordError",
    "StatusChange",
    "TenantModel",
    "TransitionError",
    "User",
    "VersionedModel",
    "_",
    "_l",
    "after_commit",
    "batch_load",
    "birth_year",
    "change_status",
    "check_anonymity",
    "clean_text",
    "close_case",
    "core_table",
    "csv_response",
    "create_citizen",
    "db",
    "fold",
    "format_day",
    "format_moment",
    "hook",
    "hookimpl",
    "limiter",
    "lookup_filter",
    "ngettext",
    "not_future",
    "not_in_future",
    "organisation_fk",
    "referral_created",
    "safe_cell",
    "to_int",
    "utcnow",
    "visible_or_404",
    "write_transaction",
    "xlsx_response",
]
