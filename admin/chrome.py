"""The admin pages' chrome, built once per process instead of once per request (issue 15).

The menu, rendered once per role, language and page:

Flask-Admin's `layout.menu()` asks every view whether it is accessible and visible, builds every
URL and translates every name on every request: a seventh of a list page's time. What it renders
depends only on the user's role (every view's `is_accessible`/`is_visible` is a function of the
role: `BrobyggerModelView.access`, `RoleView.roles`), the language, the page being shown (its
menu entry is marked active) and the application root; so the HTML is kept per process under that
key. Views whose accessibility depends on anything else must not be added without extending
`_key`.
"""

from flask import request
from flask_babel import get_locale
from flask_login import current_user

_MAX_ENTRIES = 2000  # roles × languages × pages; a bound, never reached in practice


def _key(admin_view):
    role = current_user.role if current_user and current_user.is_authenticated else None
    return (id(admin_view.admin), role, str(get_locale()), admin_view.endpoint, request.script_root)


def cached_menu(admin_view, render_menu):
    """The HTML of `render_menu()` (Flask-Admin's menu macro) for this role, language and page."""
    cache = admin_view.admin.__dict__.setdefault("_brobygger_menu_cache", {})
    key = _key(admin_view)
    html = cache.get(key)
    if html is None:
        html = render_menu()
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        cache[key] = html
    return html


_STATIC = {}


def cached_static_url(admin_view, filename, v=None):
    """The URL of one of Flask-Admin's static files (`admin/static.html`'s `url()`, used some
    fifteen times by every admin page): the same for every request of an application root."""
    key = (admin_view.admin.endpoint, filename, v, request.script_root)
    url = _STATIC.get(key)
    if url is None:
        args = {"filename": filename} if v is None else {"filename": filename, "v": v}
        url = _STATIC[key] = admin_view.get_url(f"{admin_view.admin.endpoint}.static", **args)
    return url


def init_chrome_cache(app):
    app.jinja_env.globals["cached_menu"] = cached_menu
    app.jinja_env.globals["cached_static_url"] = cached_static_url
