"""The privacy pages under /admin/privacy/: a citizen's access report and access log, erasure,
upcoming anonymisations, the record of processing, and old free text in minimal records."""

import datetime

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.loading import to_int
from admin.menu import ADMINISTRATION
from admin.pages import RoleView
from i18n import _, _l
from models import AuditLog, Citizen
from privacy import access_report, minimal, processing, retention
from privacy.erasure import ErasureError, erase, refusal, rows_of
from privacy.forms import EraseCitizenForm, EraseFreeTextForm

REPORT_ROLES = ("admin", "coordinator")


class PrivacyView(RoleView):
    """Admins: everything here. Coordinators: access reports and upcoming anonymisations."""

    roles = REPORT_ROLES

    def _require_admin(self):
        if current_user.role != "admin":
            abort(403)

    def _citizen(self):
        """The citizen `?id=` in the user's scope, or 404 (another organisation's citizen included)."""
        citizen = Citizen.visible_to(current_user).where(Citizen.id == to_int(request.args.get("id"))).first()
        if citizen is None:
            abort(404)
        return citizen

    # -- art. 15 ----------------------------------------------------------------------------
    def _report(self, citizen):
        report = access_report.collect(citizen, producer=current_user.name)
        AuditLog.record("access_report", citizen, citizen.id)
        return report

    @expose("/report.pdf")
    def report_pdf(self):
        citizen = self._citizen()
        pdf = access_report.render_pdf(self._report(citizen))
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f"attachment; filename=indsigt-{citizen.id}.pdf"},
        )

    @expose("/report.zip")
    def report_zip(self):
        citizen = self._citizen()
        data = access_report.render_zip(self._report(citizen))
        return Response(
            data,
            mimetype="application/zip",
            headers={"Content-Disposition": f"attachment; filename=indsigt-{citizen.id}.zip"},
        )

    @expose("/log/")
    def access_log_view(self):
        """Who saw or changed citizen X (any of their records), for admins."""
        self._require_admin()
        citizen = self._citizen()
        entries = access_report.access_log(rows_of(citizen.id))
        AuditLog.record("view", "AccessLog", citizen.id)
        return self.render("privacy/access_log.html", citizen=citizen, entries=entries)

    # -- art. 17 ----------------------------------------------------------------------------
    @expose("/erase/", methods=("GET", "POST"))
    def erase_view(self):
        self._require_admin()
        citizen = self._citizen()
        form = EraseCitizenForm()
        problem = refusal(citizen)
        if request.method == "POST" and problem is None and form.validate():
            try:
                erase(citizen, current_user, form.reason.data)
            except ErasureError as exc:
                problem = exc.message
            else:
                flash(_("Citizen #%(id)s is anonymised.", id=citizen.id), "success")
                return redirect(url_for("citizen.details_view", id=citizen.id))
        if problem and request.method == "POST":
            flash(str(problem), "error")
        return self.render("privacy/erase.html", citizen=citizen, form=form, problem=problem)

    # -- retention --------------------------------------------------------------------------
    @expose("/")
    def index(self):
        """Upcoming anonymisations (retention), for coordinators and admins."""
        org = current_user.organisation
        rows = retention.upcoming(org)
        return self.render(
            "privacy/retention.html",
            org=org,
            rows=rows,
            today=datetime.date.today(),
            days=retention.UPCOMING_DAYS,
        )

    # -- art. 30 ----------------------------------------------------------------------------
    @expose("/processing/")
    def processing_view(self):
        self._require_admin()
        return self.render(
            "privacy/processing.html", rows=processing.record_of_processing(), org=current_user.organisation
        )

    @expose("/processing.md")
    def processing_markdown(self):
        self._require_admin()
        text = processing.record_of_processing_markdown(current_user.organisation)
        return Response(
            text,
            mimetype="text/markdown",
            headers={"Content-Disposition": "attachment; filename=fortegnelse.md"},
        )

    # -- minimal records --------------------------------------------------------------------
    @expose("/free-text/", methods=("GET", "POST"))
    def free_text_view(self):
        """In a minimal-records organisation: the free text written before the switch, and a
        confirmed button that erases it."""
        self._require_admin()
        org = current_user.organisation
        form = EraseFreeTextForm()
        if request.method == "POST":
            if not org.minimal_records:
                flash(_("Turn on minimal records first."), "error")
            elif form.validate():
                count = minimal.erase_free_text(org, current_user)
                flash(_("%(count)s free-text fields were erased.", count=count), "success")
                return redirect(url_for(".free_text_view"))
        return self.render("privacy/free_text.html", org=org, form=form, found=minimal.existing_free_text(org))


def init_privacy_views(admin):
    @admin.app.context_processor
    def _minimal_records():
        # Templates hide free text written before the organisation switched to minimal records.
        user = current_user
        return {"minimal_records": bool(user and user.is_authenticated and minimal.is_minimal(user))}

    admin.add_view(PrivacyView(name=_l("Privacy"), category=ADMINISTRATION, endpoint="privacy", url="/admin/privacy"))
