"""The operator's pages (driftsansvarlig): organisations, their settings and first admins.

Nothing here reads an organisation's citizens, cases, notes or reports: the operator sees names,
short names, settings, user counts and the admins' names and e-mails, and nothing else.
"""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from peewee import fn

from admin.loading import to_int
from admin.pages import RoleView
from forms.onboarding import AdminForm, OrganisationForm, SettingsForm
from i18n import _
from models import Organisation, User
from models.onboarding import (
    OnboardingError,
    admins_of,
    create_first_admin,
    create_organisation,
    record_for,
    reset_admin,
    set_organisation_active,
    set_password_path,
)
from models.roles import OPERATOR


def _organisation(org_id):
    org = Organisation.get_or_none(Organisation.id == to_int(org_id))
    if org is None:
        abort(404)
    return org


def _link(user):
    return request.host_url.rstrip("/") + set_password_path(user)


class OperatorView(RoleView):
    roles = (OPERATOR,)

    @expose("/")
    def index(self):
        users = dict(
            User.select(User.organisation, fn.COUNT(User.id))
            .where(User.organisation.is_null(False))
            .group_by(User.organisation)
            .tuples()
        )
        orgs = list(Organisation.select().order_by(Organisation.name))
        return self.render("admin/operator_index.html", orgs=orgs, users=users)

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        form = OrganisationForm()
        if form.validate_on_submit():
            email, name = form.admin_email.data or None, form.admin_name.data or None
            try:
                if bool(email) != bool(name):
                    raise OnboardingError(_("Give both the first admin's e-mail and name, or neither."), "admin_name")
                org, admin = create_organisation(
                    form.name.data, form.slug.data, form.kind.data, email, name, by=current_user
                )
            except OnboardingError as exc:
                target = getattr(form, exc.field, None) if exc.field else None
                target = target or (form.admin_email if exc.field == "email" else form.name)
                target.errors = [*target.errors, str(exc.message)]
            else:
                flash(_("%(name)s was created with the default lists.", name=org.name), "success")
                return self._show(org, admin)
        return self.render("admin/operator_new.html", form=form)

    def _show(self, org, user=None):
        """The organisation's page, with a one-time link for `user` if one was just made."""
        settings = SettingsForm(obj=org)
        return self.render(
            "admin/operator_organisation.html",
            org=org,
            settings=settings,
            admin_form=AdminForm(formdata=None),
            admins=admins_of(org),
            link_for=user,
            link=_link(user) if user else None,
        )

    @expose("/<org_id>", methods=("GET", "POST"))
    def organisation(self, org_id):
        org = _organisation(org_id)
        if request.method == "POST":
            settings = SettingsForm()
            if settings.validate_on_submit():
                Organisation.update(
                    name=settings.name.data.strip(),
                    minimal_records=settings.minimal_records.data,
                    allow_anonymous=settings.allow_anonymous.data,
                    max_case_days=settings.max_case_days.data,
                ).where(Organisation.id == org.id).execute()
                record_for(current_user, "update", "Organisation", org.id, org.id)
                flash(_("The settings were saved."), "success")
                return redirect(url_for(".organisation", org_id=org.id))
            return self.render(
                "admin/operator_organisation.html",
                org=org,
                settings=settings,
                admin_form=AdminForm(formdata=None),
                admins=admins_of(org),
                link_for=None,
                link=None,
            )
        return self._show(org)

    @expose("/<org_id>/active", methods=("POST",))
    def set_active(self, org_id):
        org = _organisation(org_id)
        active = request.form.get("active") == "1"
        set_organisation_active(org, active, by=current_user)
        if active:
            flash(_("%(name)s is active again; its users can log in.", name=org.name), "success")
        else:
            flash(_("%(name)s is deactivated: its users cannot log in. Nothing was deleted.", name=org.name), "info")
        return redirect(url_for(".organisation", org_id=org.id))

    @expose("/<org_id>/admins", methods=("POST",))
    def add_admin(self, org_id):
        org = _organisation(org_id)
        form = AdminForm()
        if form.validate_on_submit():
            try:
                admin = create_first_admin(org, form.email.data, form.name.data, by=current_user)
            except OnboardingError as exc:
                flash(str(exc.message), "error")
            else:
                flash(_("Give %(name)s the link below to choose a password.", name=admin.name), "success")
                return self._show(org, admin)
        else:
            flash(_("Give the admin's e-mail and name."), "error")
        return redirect(url_for(".organisation", org_id=org.id))

    @expose("/<org_id>/admins/<user_id>/reset", methods=("POST",))
    def reset(self, org_id, user_id):
        org = _organisation(org_id)
        user = User.get_or_none((User.id == to_int(user_id)) & (User.organisation == org.id) & (User.role == "admin"))
        if user is None:
            abort(404)
        user = reset_admin(user, by=current_user)
        flash(_("The password of %(name)s was cleared. Give them the link below.", name=user.name), "success")
        return self._show(org, user)
