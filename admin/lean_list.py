"""Lean list pages (issue 15): Flask-Admin's list template with the per-row actions rendered from
URLs built once per page, and one delete form per page instead of one (with its CSRF token) per
row. Same links, same POST to the delete view, same confirmation; other row actions render as
Flask-Admin renders them."""

from urllib.parse import quote

from flask_admin.babel import gettext
from flask_admin.model import template as row_templates

_KINDS = (
    (row_templates.ViewRowAction, "view"),
    (row_templates.EditRowAction, "edit"),
    (row_templates.DeleteRowAction, "delete"),
)


def _kind(action):
    # Exact types: the popup variants and custom actions keep Flask-Admin's own rendering.
    return next((kind for cls, kind in _KINDS if type(action) is cls), None)


class LeanListMixin:
    list_template = "admin/model/lean_list.html"

    def render(self, template, **kwargs):
        if template == self.list_template and "list_row_actions" in kwargs:
            actions = kwargs["list_row_actions"]
            # Titles translated once per page, not once per row.
            kwargs["lean_row_actions"] = [(_kind(action), action, str(action.title or "")) for action in actions]
            back = "&url=" + quote(kwargs.get("return_url") or "", safe="!$'()*,/:;?@")  # as url_for
            kwargs["lean_urls"] = {
                "details": self.get_url(".details_view") + "?id=",
                "edit": self.get_url(".edit_view") + "?id=",
                "back": back,  # escaped by Jinja: &amp;url=…
                "delete": self.get_url(".delete_view"),
                "delete_title": gettext("Delete Record"),
                "delete_confirm": gettext("Are you sure you want to delete this record?"),
                "select_title": gettext("Select record"),
                "display_actions": self.column_display_actions,
            }
            if self._lean_cells_apply() and "data" in kwargs:
                get_pk, formatters = kwargs["get_pk_value"], self.column_formatters
                types = self.column_type_formatters
                columns = [name for name, _label in kwargs["list_columns"]]
                kwargs["lean_cells"] = {
                    get_pk(row): [(n, self._get_list_value(None, row, n, formatters, types)) for n in columns]
                    for row in kwargs["data"]
                }
        return super().render(template, **kwargs)

    def _lean_cells_apply(self):
        """Cells are formatted here unless a column is editable in place or a formatter needs the
        template's context (Flask-Admin's macro formatters): those pages keep Flask-Admin's row."""
        if self.column_editable_list:
            return False
        return not any(getattr(f, "jinja_pass_arg", None) for f in (self.column_formatters or {}).values())
