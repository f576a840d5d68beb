"""Plain admin pages: the role-checked page base and the start page."""

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_login import current_user

from admin.overview import start_page
from models.roles import OPERATOR
from plugins import hook
from security import clean_redirect_args, recent_auth_redirect, refuse_access


class RoleView(BaseView):
    """A plain admin page for the roles in `roles`: others get 403, anonymous users the login page."""

    roles: tuple = ()
    in_menu = True

    def is_accessible(self):
        return bool(current_user.is_authenticated and current_user.role in self.roles)

    def is_visible(self):
        return self.in_menu and self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return refuse_access()

    # Exposed methods that need a recent password confirmation; "export" always does.
    recent_auth_views: tuple = ()

    def _handle_view(self, name, **kwargs):
        clean_redirect_args()
        clean_redirect_args("next")
        refused = super()._handle_view(name, **kwargs)
        if refused is None and (name == "export" or name in self.recent_auth_views):
            return recent_auth_redirect()
        return refused


class BrobyggerIndexView(AdminIndexView):
    """The start page: what the logged-in user's role may see, with a few live figures."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return refuse_access()

    @expose("/")
    def index(self):
        if current_user.role == OPERATOR:  # no organisation's figures: the organisations page
            return redirect(url_for("operator.index"))
        notices = [n for found in hook().brobygger_notices(user=current_user) if found for n in found]
        return self.render("admin/brobygger_index.html", notices=notices, **start_page(current_user, request.args))
