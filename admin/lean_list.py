"""Lean list pages (issue 15): one template of our own (`admin/model/lean_list.html`) instead of
Flask-Admin's `list.html`, with the same header, tabs, filters, search, bulk actions, row links,
pager and scripts, and the same URLs and form posts.

Flask-Admin's template imports five macro libraries *with context* (re-run on every render), asks
the view per header cell whether the column sorts, builds each sort and pager URL through
`url_for`, renders each row's actions through macros and each cell through `get_value()`; a list
page spent more time there than in its SQL. Here the view prepares the page once in Python
(`lean_page`): cells formatted as Flask-Admin formats them, list URLs as the view's base URL plus
a query string encoded exactly as `url_for` encodes it, row actions as a base URL plus the row's
id, one delete form per page that each row's trash button submits with its id.

A view that needs what this template leaves out (columns edited in place, a page-size menu,
modal forms, macro formatters, custom row actions) is rendered with Flask-Admin's own `list.html`.
"""

from urllib.parse import quote, urlencode

from flask import request
from flask_admin.babel import gettext
from flask_admin.model import template as row_templates
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

# What werkzeug leaves unescaped in a query string (werkzeug.urls._urlencode), so our URLs are
# the ones url_for builds.
_QUERY_SAFE = "!$'()*,/:;?@"
_UNSET = object()
_ID = object()  # where a row's id goes in its HTML
_END_CELL = Markup("</td>")
_PLAIN_ACTIONS = {row_templates.ViewRowAction: "view", row_templates.EditRowAction: "edit"}


class LeanListMixin:
    list_template = "admin/model/lean_list.html"
    flask_admin_list_template = "admin/model/list.html"

    def render(self, template, **kwargs):
        if template == self.list_template and "list_row_actions" in kwargs:
            if not self.lean_list_applies(kwargs["list_row_actions"]):
                template = self.flask_admin_list_template
            else:
                kwargs["lean"] = self.lean_page(kwargs)
        return super().render(template, **kwargs)

    # The lean template writes the delete and bulk-action forms' fields itself (their values are
    # the return URL and the CSRF token), so a list request builds no WTForms form for them.
    def delete_form(self):
        return None if self._lean_list_request() else super().delete_form()

    def action_form(self):
        return None if self._lean_list_request() else super().action_form()

    def _lean_list_request(self):
        return (
            request.method == "GET"
            and request.endpoint == f"{self.endpoint}.index_view"
            and self.lean_list_applies(self.get_list_row_actions())
        )

    def lean_list_applies(self, row_actions):
        """True unless the view uses a list feature the lean template leaves out."""
        if self.column_editable_list or self.can_set_page_size:
            return False
        if self.create_modal or self.edit_modal or self.details_modal:
            return False
        if any(getattr(f, "jinja_pass_arg", None) for f in (self.column_formatters or {}).values()):
            return False
        return all(type(a) in _PLAIN_ACTIONS or type(a) is row_templates.DeleteRowAction for a in row_actions)

    # -- the page, prepared once ------------------------------------------------------------
    def _lean_urls(self):
        """The view's own URLs without query strings, built once per application root."""
        cache = self.__dict__.setdefault("_lean_url_cache", {})
        urls = cache.get(request.script_root)
        if urls is None:
            urls = cache[request.script_root] = {
                "index": self.get_url(".index_view"),
                "view": self.get_url(".details_view") + "?id=",
                "edit": self.get_url(".edit_view") + "?id=",
                "delete": self.get_url(".delete_view"),
                "create": self.get_url(".create_view"),
                "export": {kind: self.get_url(".export", export_type=kind) for kind in self.export_types},
            }
        return urls

    def lean_page(self, kw):
        own = self._lean_urls()
        base = own["index"]
        current = {
            "page": kw["page"] or None,
            "sort": kw["sort_column"],
            "desc": 1 if kw["sort_desc"] else None,
            "search": kw["search"],
        }
        tail = [*kw["extra_args"].items(), ("page_size", kw["page_size"]), *kw["filter_args"].items()]

        def list_url(**changes):
            # Flask-Admin's _get_list_url(view_args.clone(**changes)): page, sort, desc, search,
            # extra args, page size, filters; None values left out, page 0 written as none.
            args = {**current, **changes}
            items = [(k, v) for k, v in (*args.items(), *tail) if v is not None and not (k == "page" and v == 0)]
            query = urlencode(items, safe=_QUERY_SAFE)
            return f"{base}?{query}" if query else base

        row_actions = kw["list_row_actions"]
        kinds = [_PLAIN_ACTIONS.get(type(a), "delete") for a in row_actions]
        shown = list(zip(kinds, row_actions, strict=True)) if self.column_display_actions else []
        back = quote(kw["return_url"] or "", safe=_QUERY_SAFE)
        urls = {"view": own["view"], "edit": own["edit"], "back": "&url=" + back}
        args = urlencode(list(request.args.items()), safe=_QUERY_SAFE)  # as url_for(**request.args)
        texts = {
            "delete": gettext("Delete Record"),
            "delete_confirm": gettext("Are you sure you want to delete this record?"),
            "select": gettext("Select record"),
        }
        return {
            "columns": self._lean_header(kw, list_url),
            "rows": self._lean_rows(kw, bool(kw["actions"]), shown, urls, texts),
            "row_actions": bool(shown),
            "delete": own["delete"] if "delete" in kinds else None,
            "create": (f"{own['create']}?url={back}" if back else own["create"]) if self.can_create else None,
            "exports": [
                (kind, f"{own['export'][kind]}?{args}" if args else own["export"][kind])
                for kind in (self.export_types if self.can_export else ())
            ],
            "pager": self._lean_pager(kw["page"] or 0, kw["num_pages"], len(kw["data"]) == kw["page_size"], list_url),
        }

    def _lean_header(self, kw, list_url):
        """(column, label, sort URL or None, "up"/"down"/None, description) per column."""
        sort_column, sort_desc = kw["sort_column"], kw["sort_desc"]
        sortable = {name.lower() for name in self._sortable_columns}
        descriptions = self.column_descriptions or {}
        header = []
        for index, (column, label) in enumerate(kw["list_columns"]):
            href = arrow = None
            if column.lower() in sortable:
                if sort_column == index:  # Flask-Admin's sort_url(column, True): the other direction
                    href = list_url(sort=index, desc=None if sort_desc else 1)
                    arrow = "down" if sort_desc else "up"
                else:
                    href = list_url(sort=index, desc=None)
            header.append((column.replace(".", "-"), str(label), href, arrow, descriptions.get(column)))
        return header

    def _lean_rows(self, kw, checkbox, shown, urls, texts):
        """Each row's cells as HTML, every value escaped as Jinja's autoescape escapes it
        (markupsafe.escape: Markup from a formatter stays as it is). The cells are what
        Flask-Admin's _get_list_value() gives (column formatter, then choices, then the type
        formatter), with what repeats on a page worked out once: translations of lazy labels, the
        formatter of each type, the text of each (formatter, value) pair (type formatters depend
        on the value only), and the row's checkbox and action links around its id."""
        get_pk, formatters = kw["get_pk_value"], self.column_formatters or {}
        columns = [name for name, _label in kw["list_columns"]]
        translated = {}

        def text(value):
            if isinstance(value, LazyString):  # str() runs gettext each time: once per page
                hit = translated.get(id(value))
                if hit is None:
                    hit = translated[id(value)] = (value, str(value))  # holding it keeps the id unique
                return hit[1]
            return value

        choices = {name: {k: text(v) for k, v in self._column_choices_map.get(name, {}).items()} for name in columns}
        type_formatters = list(self.column_type_formatters.items())
        by_type, done = {}, {}

        def cell(row, name):
            column_fmt = formatters.get(name)
            value = column_fmt(self, None, row, name) if column_fmt is not None else self._get_field_value(row, name)
            if choices[name]:
                return escape(text(choices[name].get(value) or value))
            kind = type(value)
            type_fmt = by_type.get(kind, _UNSET)
            if type_fmt is _UNSET:
                type_fmt = by_type[kind] = next((f for t, f in type_formatters if isinstance(value, t)), None)
            if type_fmt is None:
                return escape(text(value))
            try:
                key = (type_fmt, name, value)
                hit = done.get(key, _UNSET)
            except TypeError:  # a list or dict value: formatted each time
                return escape(text(type_fmt(self, value, name)))
            if hit is _UNSET:
                hit = done[key] = escape(text(type_fmt(self, value, name)))
            return hit

        # The HTML around a row's id, escaped once: the id goes between the pieces.
        pieces = []
        if checkbox:
            pieces += [Markup('<td><input type="checkbox" name="rowid" class="action-checkbox" value="'), _ID]
            pieces += [Markup('" title="{}" /></td>').format(texts["select"])]
        if shown:
            pieces.append(Markup('<td class="list-buttons-column">'))
            for kind, action in shown:
                title = str(action.title or "")
                if kind in ("view", "edit"):
                    pieces += [Markup('<a class="icon" href="{}').format(urls[kind]), _ID]
                    icon = (
                        "fa fa-eye glyphicon glyphicon-eye-open"
                        if kind == "view"
                        else "fa fa-pencil glyphicon glyphicon-pencil"
                    )
                    pieces += [Markup('{}" title="{}"><span class="{}"></span></a>').format(urls["back"], title, icon)]
                else:
                    pieces += [Markup('<button type="submit" form="lean-delete-form" name="id" value="'), _ID]
                    pieces += [
                        Markup(
                            '" class="icon btn btn-link p-0 align-baseline" title="{}" data-fa-confirm="{}">'
                            '<span class="fa fa-trash glyphicon glyphicon-trash"></span></button>'
                        ).format(texts["delete"], texts["delete_confirm"])
                    ]
            pieces.append(_END_CELL)
        heads = [Markup('<td class="col-{}">').format(name) for name in columns]

        rows = []
        for row in kw["data"]:
            pk = escape(get_pk(row))
            html = [pk if piece is _ID else piece for piece in pieces]
            for head, name in zip(heads, columns, strict=True):
                html += (head, cell(row, name), _END_CELL)
            # Every piece is Markup: escaped above (cells, id) or written here with escaped values.
            rows.append(Markup("".join(html)))  # noqa: S704  # nosec B704 - every piece is escaped Markup
        return rows

    @staticmethod
    def _lean_pager(page, pages, have_next, list_url):
        """The pager's items (label, URL or None for the current/disabled ones, state) as
        Flask-Admin's lib.pager / lib.simple_pager draw them."""
        if pages is None:  # simple pager: previous and next only
            return [
                ("<", list_url(page=page - 1) if page > 0 else list_url(page=0), "" if page > 0 else "disabled"),
                (">", list_url(page=page + 1) if have_next else list_url(page=page), "" if have_next else "disabled"),
            ]
        if pages <= 1:
            return []
        low, high = page - 3, page + 4
        if low < 0:
            high -= low
        if high >= pages:
            low = low - high + pages
        low, high = max(low, 0), min(high, pages)
        items = [
            ("«", list_url(page=0) if low > 0 else None, "" if low > 0 else "disabled"),
            ("<", list_url(page=page - 1) if page > 0 else None, "" if page > 0 else "disabled"),
        ]
        items += [
            (str(p + 1), None if p == page else list_url(page=p), "active" if p == page else "")
            for p in range(low, high)
        ]
        items += [
            (">", list_url(page=page + 1) if page + 1 < pages else None, "" if page + 1 < pages else "disabled"),
            ("»", list_url(page=pages - 1) if high < pages else None, "" if high < pages else "disabled"),
        ]
        return items
