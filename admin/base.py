"""The one scoped, CSRF-protected base for every admin view.

Access control and organisation scoping live here, once, and cover every path Flask-Admin
offers: list, count, details, create, edit, delete, bulk actions, ajax lookups and export.
Subclasses configure themselves with class attributes:

    access = {ADMIN: "rcedx", COORDINATOR: "rcex", BRIDGE_BUILDER: "rce"}

where r = list and details, c = create, e = edit, d = delete, x = export. A role that is not in
`access` cannot reach the view at all. Rows are always those of `Model.visible_to(user)`.
"""

import logging

from flask import flash, g, has_request_context, request
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.form import save_inline
from flask_admin.form import BaseForm
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import ForeignKeyField, IntegrityError, PeeweeException
from wtforms import HiddenField
from wtforms.validators import Length
from wtforms.widgets import DateInput

import audit_trail
import exports
from admin.filters import danish_dates
from admin.formatting import COMMON_LABELS, DETAIL_FORMATTERS, EXPORT_FORMATTERS, LIST_FORMATTERS
from admin.lean_list import LeanListMixin
from admin.loading import SEARCH_MAX, SEARCH_TOKENS, IntChoiceFilter, ScopedAjaxLoader, batch_load, to_int
from extensions import db
from i18n import _, _l, ngettext, wtforms_translations
from inputs import InputFilterMeta
from models import AuditLog
from models.base import StaleRecordError, write_transaction
from models.lookups import Lookup
from models.organisation import VersionedModel
from models.rules import RuleError
from models.search import apply_search as search_folded
from privacy.processing import free_text_fields
from resilience import is_transient
from security import clean_redirect_args, recent_auth_redirect, refuse_access

log = logging.getLogger(__name__)

# Columns the system maintains; no form ever shows them.
SYSTEM_COLUMNS = ("organisation", "created_at", "updated_at", "version", "search_key", "phone_key", "external_id")
TEXT_MAX = 5000
# No list is browsed this deep; beyond it offsets overflow the databases' integers.
MAX_PAGE = 100_000


class AdminForm(BaseForm):
    """Flask-Admin's form base with Flask-WTF's CSRF, the input filter and translated messages."""

    class Meta(InputFilterMeta, FlaskForm.Meta):
        def get_translations(self, form):
            return wtforms_translations


def clamp_page(page):
    page = to_int(page) or 0
    return min(max(page, 0), MAX_PAGE)


class BrobyggerModelView(LeanListMixin, ModelView):
    """Base admin view: scoped to the user's organisation and role, audited, optimistic-locked."""

    access: dict = {}
    audit_reads = False  # True for models holding personal data: details/edit views are logged.
    form_base_class = AdminForm
    form_excluded_columns = SYSTEM_COLUMNS
    column_exclude_list = (
        *("created_at", "updated_at", "version", "search_key", "phone_key", "organisation", "external_id"),
    )
    column_details_exclude_list = ("search_key", "phone_key", "organisation", "password_hash", "version")
    column_export_exclude_list = ("search_key", "phone_key", "organisation", "password_hash", "version")
    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    export_types = ("csv", "xlsx")
    export_max_rows = 10000
    page_size = 25
    can_set_page_size = False
    details_modal = False
    can_view_details = True

    def __init__(self, model, *args, **kwargs):
        fields = model._meta.sorted_fields
        # Show choice labels (in the user's language), not stored codes, for every choice field,
        # and the fields' own translated names as column headers.
        # An empty nullable choice shows as nothing, not as "None".
        choices = {f.name: [*([(None, "—")] if f.null else []), *f.choices] for f in fields if f.choices}
        self.column_choices = {**choices, **(self.column_choices or {})}
        labels = {f.name: f.verbose_name for f in fields if f.verbose_name}
        self.column_labels = {**COMMON_LABELS, **labels, **(self.column_labels or {})}
        super().__init__(model, *args, **kwargs)

    # -- access ---------------------------------------------------------------------------
    def _perms(self):
        if not current_user or not current_user.is_authenticated:
            return ""
        return self.access.get(current_user.role, "")

    def _can(self, letter):
        if not has_request_context():
            return True  # at start-up Flask-Admin builds caches for everything it may need
        return letter in self._perms()

    can_create = property(lambda self: self._can("c"))
    can_edit = property(lambda self: self._can("e"))
    can_delete = property(lambda self: self._can("d"))
    can_export = property(lambda self: self._can("x"))

    @can_create.setter
    def can_create(self, value):
        pass

    @can_edit.setter
    def can_edit(self, value):
        pass

    @can_delete.setter
    def can_delete(self, value):
        pass

    @can_export.setter
    def can_export(self, value):
        pass

    def is_accessible(self):
        return bool(current_user.is_authenticated and "r" in self._perms())

    def is_visible(self):
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return refuse_access()

    # Views (method names) that need a password confirmed within REAUTH_MINUTES, besides
    # export and delete, which always do (e.g. the user admin's create and edit).
    recent_auth_views: tuple = ()

    def _handle_view(self, name, **kwargs):
        clean_redirect_args()
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        deleting = name == "delete_view" or (name == "action_view" and request.form.get("action") == "delete")
        if deleting or name == "export" or name in self.recent_auth_views:
            return recent_auth_redirect()
        return None

    # -- scoping ----------------------------------------------------------------------------
    def get_query(self):
        return self.model.visible_to(current_user)

    def get_filters(self):
        # Every date and datetime filter in Danish (admin/filters.py): none falls back to English.
        return danish_dates(super().get_filters() or [])

    def get_count_query(self):
        return self.get_query()

    def get_one_query(self):
        """What get_one reads a record from: the scoped query (a view may join what its pages show)."""
        return self.get_query()

    def get_one(self, id):
        pk = to_int(id)
        if pk is None:
            return None
        record = self.get_one_query().where(self.model._meta.primary_key == pk).first()
        if (
            record is not None
            and self.audit_reads
            and request.method == "GET"
            and (request.endpoint or "").endswith((".details_view", ".edit_view"))
        ):
            g.audit_view_entry = AuditLog.record("view", record, record.id, read=True)
        return record

    def _create_ajax_loader(self, name, options):
        field = getattr(self.model, name)
        return ScopedAjaxLoader(name, field.rel_model, **options)

    def _scope_form(self, form):
        """Limit every foreign-key choice to rows the user may see (choices and validation)."""
        for field in form:
            query = getattr(field, "query", None)
            model = getattr(field, "model", None)
            if query is None or model is None or not hasattr(model, "visible_to"):
                continue
            scoped = model.visible_to(current_user)
            if issubclass(model, Lookup):
                scoped = scoped.where(model.active == True).order_by(model.position, model.name)  # noqa: E712
            field.query = scoped
        if self._minimal_records():
            for name in self._free_text_names():
                if name in form:
                    del form[name]
        return form

    # Free-text fields removed in an organisation that keeps minimal records (besides those
    # tagged free text in privacy/processing.py).
    free_text_fields = ()

    def _minimal_records(self):
        return bool(getattr(current_user, "organisation", None) and current_user.organisation.minimal_records)

    def _free_text_names(self):
        return {*self.free_text_fields, *free_text_fields(self.model)}

    def render(self, template, **kwargs):
        # Minimal records: free text written before the switch is not shown (privacy/minimal.py).
        if self._minimal_records():
            hidden = self._free_text_names()
            for key in ("details_columns", "list_columns"):
                if key in kwargs:
                    kwargs[key] = [(name, label) for name, label in kwargs[key] if name not in hidden]
        return super().render(template, **kwargs)

    def create_form(self, obj=None):
        return self._scope_form(super().create_form(obj))

    def edit_form(self, obj=None):
        form = self._scope_form(super().edit_form(obj))
        if "version" in form and obj is not None and request.method == "GET":
            form.version.data = obj.version
        return form

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if issubclass(self.model, VersionedModel):
            form_class.version = HiddenField()
        for name in dir(form_class):
            unbound = getattr(form_class, name)
            field_class = getattr(unbound, "field_class", None)
            if field_class is not None and field_class.__name__ == "DateField":
                # The browser's own date input: Flask-Admin's date picker rewrites a date typed key
                # by key ("2" becomes year 2), which breaks keyboard and screen-reader use.
                unbound.kwargs["widget"] = DateInput()
                continue
            # Every text input gets a length limit, so overlong text is a form error, not a DB error.
            if field_class is None or field_class.__name__ not in ("StringField", "TextAreaField"):
                continue
            validators = list(unbound.kwargs.get("validators") or [])
            if not any(isinstance(v, Length) for v in validators):
                model_field = self.model._meta.fields.get(name)
                max_length = getattr(model_field, "max_length", None) or TEXT_MAX
                validators.append(Length(max=max_length))
                unbound.kwargs["validators"] = validators
        return form_class

    def on_model_change(self, form, model, is_created):
        if is_created and "organisation" in self.model._meta.fields:
            model.organisation = current_user.organisation_id

    # -- list page --------------------------------------------------------------------------
    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        scoped = {i: flt for i, flt in enumerate(self._filters or ()) if isinstance(flt, IntChoiceFilter)}
        for items in (groups or {}).values():
            for item in items:
                if item["index"] in scoped:
                    item["options"] = [(v, str(label)) for v, label in scoped[item["index"]].get_options(self)]
        return groups

    def init_search(self):
        self._search_supported = "search_key" in self.model._meta.fields
        self._search_fields = []
        return self._search_supported

    def search_placeholder(self):
        return str(self.search_hint)

    search_hint = _l("Search")

    def apply_search(self, query, term):
        return search_folded(query, self.model, term, max_tokens=SEARCH_TOKENS)

    def _get_list_extra_args(self):
        view_args = super()._get_list_extra_args()
        view_args.page = clamp_page(view_args.page)  # ?page=10**30 is page MAX_PAGE, not a 500
        return view_args

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        query = self.get_query()
        joins = set()
        if self._search_supported and search:
            query = self.apply_search(query, search[:SEARCH_MAX])
        for flt, _name, value in filters or ():
            f = self._filters[flt]
            query = self._handle_join(query, f.column, joins)
            query = f.apply(query, f.clean(value))
        count = None if self.simple_list_pager or not execute else query.count()
        if sort_column is not None and sort_column in self._sortable_columns:
            query, joins = self._order_by(query, joins, [(self._sortable_columns[sort_column], sort_desc)])
        else:
            order = self._get_default_order()
            if order:
                query, joins = self._order_by(query, joins, order)
        page_size = self.page_size if page_size is None else page_size
        if page_size:
            query = query.limit(page_size)
        if page and page_size:
            query = query.offset(clamp_page(page) * page_size)
        if not execute:
            return count, query
        rows = list(query)
        self.load_related(rows)
        if self.audit_reads and (request.endpoint or "").endswith(".index_view"):
            audit_trail.audit_list(self, rows, search)  # the ids a list of personal data showed
        return count, rows

    def related_paths(self):
        """Foreign keys shown on the list page or exported, and what their labels follow in turn
        (e.g. "referral" and "referral.citizen" for a contact)."""
        names = {name for name, _label in self._list_columns} | {name for name, _label in self._export_columns}
        paths = []
        for field in self.model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.name in names:
                paths.append(field.name)
                paths.extend(f"{field.name}.{path}" for path in field.rel_model.label_paths)
        return paths

    def load_related(self, rows):
        """Fill the related objects of `rows` with one query per path, not one per row. A related
        row is shown as its label, so only its label fields are read; rows a column formatter
        is handed (it may read any field) are read whole."""
        known = {flt.rel_model for flt in self._filters or () if getattr(flt, "rel_model", None) is not None}
        formatted = {*(self.column_formatters or {}), *(self.column_formatters_export or {})}
        paths = self.related_paths()
        whole = [path for path in paths if path.partition(".")[0] in formatted]
        batch_load(rows, self.model, whole, known=known)
        batch_load(rows, self.model, [path for path in paths if path not in whole], known=known, labels_only=True)

    # -- writes -----------------------------------------------------------------------------
    def handle_view_exception(self, exc):
        if is_transient(exc):
            raise exc  # busy, not broken: resilience.py answers 503 "try again"
        if isinstance(exc, RuleError):
            flash(str(exc.message), "error")
            return True
        if isinstance(exc, StaleRecordError):
            flash(str(exc.message), "error")
            return True
        if isinstance(exc, IntegrityError):
            log.warning("Integrity error in %s: %s", self.name, exc)
            flash(
                _("This could not be saved: the same details are already registered. Nothing was changed."),
                "error",
            )
            return True
        if isinstance(exc, PeeweeException):
            log.exception("Database error in %s", self.name)
            flash(_("The record could not be saved because of a database error. Nothing was changed."), "error")
            return True
        return super().handle_view_exception(exc)

    def _check_version(self, form, model, db_version):
        submitted = getattr(form, "version", None)
        if submitted is not None and to_int(submitted.data) != db_version:
            raise StaleRecordError()
        if isinstance(model, VersionedModel):
            model.version = db_version

    def _save(self, form, model, is_created):
        db_version = None if is_created else getattr(model, "version", None)
        with write_transaction():
            form.populate_obj(model)
            if not is_created and isinstance(model, VersionedModel):
                self._check_version(form, model, db_version)
            elif isinstance(model, VersionedModel):
                model.version = 1
            self.on_model_change(form, model, is_created)
            model.save(force_insert=is_created)
            save_inline(form, model)
            self.after_save(form, model, is_created)
            AuditLog.record("create" if is_created else "update", model, model.id)

    def after_save(self, form, model, is_created):
        """Save what belongs to the record (e.g. many-to-many links), in the same transaction."""

    def create_model(self, form):
        model = self.model()
        try:
            self._save(form, model, True)
        except Exception as ex:
            if not self.handle_view_exception(ex):
                log.exception("Failed to create %s", self.name)
                flash(_("The record could not be created. Nothing was saved."), "error")
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model):
        try:
            self._save(form, model, False)
        except Exception as ex:
            if not self.handle_view_exception(ex):
                log.exception("Failed to update %s", self.name)
                flash(_("The record could not be saved. Nothing was changed."), "error")
            return False
        self.after_model_change(form, model, False)
        return True

    def blocking_dependents(self, model):
        """Names of record types that refer to `model` and so block its deletion."""
        blocking = []
        for condition, fk in model.dependencies():
            if (fk.on_delete or "").upper() == "CASCADE" or fk.model is AuditLog:
                continue
            if fk.model.select().where(condition).exists():
                blocking.append(str(fk.model._meta.table_name))
        return blocking

    def delete_blocked_message(self, model):
        """What to tell someone whose delete is refused because other records refer to the record."""
        return _(
            "“%(record)s” cannot be deleted because other records refer to it. Deactivate or archive it instead.",
            record=str(model),
        )

    def delete_model(self, model):
        blocking = self.blocking_dependents(model)
        if blocking:
            flash(self.delete_blocked_message(model), "error")
            return False
        try:
            with db.atomic():
                self.on_model_delete(model)
                model.delete_instance()
                AuditLog.record("delete", model, model.id)
        except IntegrityError:  # a reference the check above did not see: say so, not "a duplicate"
            flash(
                _(
                    "“%(record)s” cannot be deleted because other records refer to it. "
                    "Deactivate or archive it instead.",
                    record=str(model),
                ),
                "error",
            )
            return False
        except Exception as ex:
            if not self.handle_view_exception(ex):
                log.exception("Failed to delete %s", self.name)
                flash(_("The record could not be deleted. Nothing was changed."), "error")
            return False
        self.after_model_delete(model)
        return True

    @action("delete", _l("Delete"), _l("Are you sure you want to delete the selected records?"))
    def action_delete(self, ids):
        pks = [pk for pk in (to_int(i) for i in ids) if pk is not None]
        deleted = 0
        for model in self.get_query().where(self.model._meta.primary_key.in_(pks)):
            if self.delete_model(model):
                deleted += 1
        if deleted:
            flash(ngettext("%(num)s record was deleted.", "%(num)s records were deleted.", deleted), "success")

    # -- export -----------------------------------------------------------------------------
    # Both formats go through exports.py: formula-safe cells, streamed, audited with row counts.
    def _export_csv(self, return_url):
        return exports.model_view_export(self, "csv")

    def _export_tablib(self, export_type, return_url):
        return exports.model_view_export(self, export_type)

    def get_export_value(self, model, name):
        if self._minimal_records() and name in self._free_text_names():
            return ""
        return super().get_export_value(model, name)

    def _export_data(self):
        count, data = super()._export_data()
        AuditLog.record("export", self.model.__name__, None)
        return count, data
