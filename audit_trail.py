"""The audit trail beyond single-record changes: what lists, searches and case pages showed, and
refusals (403, CSRF, rate limits) and failed logins. Who, role, when, which records — never content.

Record views call `audit_list` / `audit_case_page`; `init_audit_trail(app)` watches responses for
refusals and failed logins, so the views that refuse need not know about the audit log.
"""

import hashlib
import hmac

from flask import current_app, g, request, url_for
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from peewee import Model

from i18n import _l
from models.audit import AuditLog, AuditLogItem
from models.base import relaxed_transaction
from models.search import fold
from models.user import User

# Record types whose ids a list names as seen when a row of another type shows them (a referral
# list shows its citizens).
SHOWN_THROUGH = ("citizen", "referral")


def term_hash(term):
    """A keyed hash of a search term: "who searched for X" is answerable (hash X with the key),
    the term itself is not stored."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "hmac:" + hmac.new(key, fold(term).encode(), hashlib.sha256).hexdigest()[:32]


def shown_items(model_name, rows, fields=()):
    """(record type, id) of every row, and of the citizens/cases the rows' `fields` point at."""
    items = [(model_name, row.id) for row in rows]
    for row in rows:
        for name in fields:
            rel_id = row.__data__.get(name)
            if rel_id is not None:
                items.append((name.capitalize(), rel_id))
    return items


def audit_list(view, rows, search=None):
    """One entry for a list page of personal data: the ids shown, and for a search the count and
    a hash of the term."""
    fields = [
        name
        for name, _label in view._list_columns
        if name in SHOWN_THROUGH and name in view.model._meta.fields and name != view.model.__name__.lower()
    ]
    items = shown_items(view.model.__name__, rows, fields)
    if search:
        detail = term_hash(search)
        AuditLog.record("search", view.model.__name__, None, rows=len(rows), detail=detail, items=items, read=True)
    else:
        AuditLog.record("list", view.model.__name__, None, rows=len(rows), items=items, read=True)


def audit_case_page(referral, extra):
    """The rows a case page showed (contacts, matches, plugins' notes and answers), as items of
    the case's "view" entry (written by the view's get_one)."""
    items = []
    for key in ("contacts", "matches", "notes"):
        items += [(type(row).__name__, row.id) for row in extra.get(key) or () if isinstance(row, Model)]
    for panel in [*(extra.get("top_panels") or ()), *(extra.get("panels") or ())]:
        for value in (panel.get("context") or {}).values():
            if isinstance(value, list):
                items += [(type(row).__name__, row.id) for row in value if isinstance(row, Model) and row.id]
    items = list(dict.fromkeys(items))
    entry = g.get("audit_view_entry")
    if entry is None:  # the case page's own entry: written once, with its rows (ReferralAdmin.get_one)
        AuditLog.record("view", referral, referral.id, rows=len(items) or None, items=items, read=True)
        return
    if items:
        with relaxed_transaction():
            AuditLogItem.add(entry.id, items)
            AuditLog.update(rows=len(items)).where(AuditLog.id == entry.id).execute()


class RecordFilter(BasePeeweeFilter):
    """The audit log of one record: "Citizen:12" (or a bare number for any type) — the entries
    about it and those of the lists, searches and case pages that showed it."""

    def _parse(self, value):
        model, _sep, number = (value or "").strip().rpartition(":")
        if not number.isdigit() or len(number) > 12 or len(model) > 60:
            return None
        return model, int(number)

    def validate(self, value):
        return self._parse(value) is not None

    def clean(self, value):
        return self._parse(value)

    def apply(self, query, value):
        model, record_id = value
        direct = AuditLog.record_id == record_id
        shown = AuditLogItem.record_id == record_id
        if model:
            direct &= AuditLog.model == model
            shown &= AuditLogItem.model == model
        return query.where(direct | AuditLog.id.in_(AuditLogItem.select(AuditLogItem.audit).where(shown)))

    def operation(self):
        return _l("is")


def _record_id():
    try:
        return int(request.values.get("id"))
    except (TypeError, ValueError):
        return None


def _endpoint():
    return (request.endpoint or request.path)[:60]


def _failed_login():
    """A POST to the login page that did not log anybody in: the account tried, if it exists."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    account = User.get_or_none(User.email == email) if email else None
    AuditLog.record(
        "login_failed",
        "User",
        account.id if account else None,
        organisation=account.organisation_id if account else None,
        detail=None if account else "unknown account",
    )


def init_audit_trail(app):
    @app.after_request
    def _audit_refusals(response):
        try:
            status = response.status_code
            if request.endpoint == "auth.login" and request.method == "POST" and status in (200, 401, 429):
                _failed_login()
            if status == 403:
                AuditLog.record("forbidden", _endpoint(), _record_id())
            elif status == 429:
                AuditLog.record("rate_limited", _endpoint(), None)
        except Exception:  # the audit must never turn an answer into a 500 (it is logged)
            app.logger.exception("Could not audit %s %s", request.method, request.path)
        return response

    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(400, {})
    original = handlers.get(CSRFError)

    def _csrf_failed(exc):
        try:
            AuditLog.record("csrf_failed", _endpoint(), None)
        except Exception:
            app.logger.exception("Could not audit a CSRF failure on %s", request.path)
        if original is not None:
            return original(exc)
        return exc

    handlers[CSRFError] = _csrf_failed

    @app.context_processor
    def _audit_links():
        def who_saw_url(model_name, record_id):
            """The audit log filtered to one record ("who saw citizen X"), for admins; else None."""
            if not (current_user.is_authenticated and current_user.role == "admin"):
                return None
            view = current_app.extensions["brobygger_admin"]._views
            audit = next((v for v in view if getattr(v, "endpoint", None) == "audit_log"), None)
            index = next(
                (i for i, f in enumerate(getattr(audit, "_filters", None) or ()) if isinstance(f, RecordFilter)), None
            )
            if index is None:
                return None
            return url_for("audit_log.index_view", **{f"flt0_{index}": f"{model_name}:{record_id}"})

        return {"who_saw_url": who_saw_url}
