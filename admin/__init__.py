"""Flask-Admin setup: the index view and every core view, grouped as a bridge builder thinks."""

import flask_admin.babel as admin_babel
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin.activities import ActivityAdmin, ActivitySessionAdmin, AttendanceAdmin, PartnerAdmin
from admin.administration import (
    AuditLogAdmin,
    ClosureReasonAdmin,
    InstrumentAdmin,
    LookupAdmin,
    OrganisationAdmin,
    PartnerKindAdmin,
    UserAdmin,
)
from admin.caseload import CaseloadView
from admin.cases import ContactAdmin, MatchAdmin, ReferralAdmin
from admin.chrome import init_chrome_cache
from admin.citizens import CitizenAdmin
from admin.imports import ImportView, init_upload_limit
from admin.listings import ListingChangeView, WaitingListView
from admin.menu import ACTIVITIES, ADMINISTRATION, CASES, CITIZENS
from admin.operator import OperatorView
from admin.pages import BrobyggerIndexView
from admin.profile import ProfileView
from config import BASE_DIR
from i18n import _l
from models import (
    Activity,
    ActivityCategory,
    ActivitySession,
    Attendance,
    AuditLog,
    Citizen,
    ClosureReason,
    Contact,
    ContactKind,
    Instrument,
    Match,
    Organisation,
    Partner,
    PartnerKind,
    Referral,
    ReferralChannel,
    ReferralReason,
    User,
)
from reports.overview import overview_charts
from security import csp_nonce


def _use_our_admin_catalogue():
    """Let translations/<lang>/LC_MESSAGES/admin.po complete and correct Flask-Admin's own.

    Flask-Admin merges [ours (only inside an admin view), its own] with the last one winning,
    and caches the result per process: load ours always, and last."""
    domain = admin_babel.domain
    if not getattr(domain, "brobygger", False):

        class AdminDomain(type(domain)):
            brobygger = True

            @property
            def translation_directories(self):
                return [*self._translation_directories, str(BASE_DIR / "translations")]

        domain.__class__ = AdminDomain
    domain.cache.clear()


def init_admin(app):
    _use_our_admin_catalogue()
    init_chrome_cache(app)

    admin = Admin(
        app,
        csp_nonce_generator=csp_nonce,
        name="Brobygger",
        url="/admin",
        theme=Bootstrap4Theme(
            swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=True, base_template="admin/brobygger_base.html"
        ),
        index_view=BrobyggerIndexView(name=_l("Overview"), url="/admin"),
        translations_path=str(BASE_DIR / "translations"),
    )
    admin.add_view(ReferralAdmin(Referral, name=_l("Referrals"), category=CASES, endpoint="referral"))
    admin.add_view(CaseloadView(name=_l("Caseload"), category=CASES, endpoint="caseload", url="/admin/caseload"))
    admin.add_view(ContactAdmin(Contact, name=_l("Contacts"), category=CASES, endpoint="contact"))
    admin.add_view(MatchAdmin(Match, name=_l("Matches"), category=CASES, endpoint="match"))
    admin.add_view(CitizenAdmin(Citizen, name=_l("Citizens"), category=CITIZENS, endpoint="citizen"))
    admin.add_view(ActivityAdmin(Activity, name=_l("Activities"), category=ACTIVITIES, endpoint="activity"))
    admin.add_view(
        ActivitySessionAdmin(ActivitySession, name=_l("Sessions"), category=ACTIVITIES, endpoint="activity_session")
    )
    admin.add_view(AttendanceAdmin(Attendance, name=_l("Attendance"), category=ACTIVITIES, endpoint="attendance"))
    admin.add_view(PartnerAdmin(Partner, name=_l("Partners"), category=ACTIVITIES, endpoint="partner"))
    admin.add_view(
        ListingChangeView(
            name=_l("Listing changes"), category=ACTIVITIES, endpoint="listing_change", url="/admin/listing-changes"
        )
    )
    admin.add_view(
        WaitingListView(
            name=_l("Waiting lists"), category=ACTIVITIES, endpoint="waiting_list", url="/admin/waiting-list"
        )
    )
    admin.add_view(UserAdmin(User, name=_l("Users"), category=ADMINISTRATION, endpoint="user"))
    admin.add_view(
        OrganisationAdmin(Organisation, name=_l("Organisation"), category=ADMINISTRATION, endpoint="organisation")
    )
    for view, model, label in (
        (LookupAdmin, ReferralChannel, _l("Referral channels")),
        (LookupAdmin, ReferralReason, _l("Referral reasons")),
        (LookupAdmin, ActivityCategory, _l("Activity categories")),
        (PartnerKindAdmin, PartnerKind, _l("Partner kinds")),
        (LookupAdmin, ContactKind, _l("Contact kinds")),
        (ClosureReasonAdmin, ClosureReason, _l("Closure reasons")),
        (InstrumentAdmin, Instrument, _l("Outcome instruments")),
    ):
        admin.add_view(view(model, name=label, category=ADMINISTRATION, endpoint=model._meta.table_name))
    admin.add_view(AuditLogAdmin(AuditLog, name=_l("Audit log"), category=ADMINISTRATION, endpoint="audit_log"))
    admin.add_view(ProfileView(name=_l("My profile"), endpoint="profile", url="/admin/profile"))
    # import here: cycle admin → privacy.views → admin
    from privacy.views import init_privacy_views

    init_privacy_views(admin)
    init_upload_limit(app)
    admin.add_view(ImportView(name=_l("Import"), category=ADMINISTRATION, endpoint="imports", url="/admin/import"))
    admin.add_view(OperatorView(name=_l("Organisations"), endpoint="operator", url="/admin/organisations"))
    # import here: cycle admin → reports.views → admin
    from reports.network_admin import NetworkAdminView

    # import here: cycle admin → reports.views → admin
    from reports.views import NetworkReportView, ReportView

    app.jinja_env.globals["overview_charts"] = overview_charts

    admin.add_view(ReportView(name=_l("Reports"), endpoint="reports", url="/admin/reports"))
    admin.add_view(NetworkReportView(name=_l("Network report"), endpoint="network_report", url="/admin/network-report"))
    admin.add_view(NetworkAdminView(name=_l("Networks"), endpoint="networks", url="/admin/networks"))
    app.extensions["brobygger_admin"] = admin
    return admin
