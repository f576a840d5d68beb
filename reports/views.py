"""The report pages: *Rapporter* for an organisation, the network report, their exports, and the
list of cases behind a figure."""

import datetime

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.pages import RoleView
from i18n import _, _l
from models import AuditLog, Organisation, Referral
from models.network import networks_of
from models.roles import EVALUATOR, NETWORK_EVALUATOR, REPORT_VIEWERS, TEAM_LEADS
from reports import charts, export, figures, suppress
from reports.figures import Scope
from reports.report import (
    Layout,
    build_tables,
    builder_names,
    finish,
    letter,
    organisation_names,
    present,
    report_data,
    smallest_shown,
)

REPORT_ROLES = REPORT_VIEWERS
CASE_ROLES = TEAM_LEADS  # the roles that may follow a figure to its cases
SUPPRESSED_ROLES = (EVALUATOR, NETWORK_EVALUATOR)
MAX_YEARS = 20
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def parse_period(args, today=None):
    """(start, end, on) from the query string, or (defaults, message) when they are not valid.

    Defaults: this calendar year up to today, the reference date the period's last day."""
    today = today or datetime.date.today()
    default = (today.replace(month=1, day=1), today, today)
    try:
        start = datetime.date.fromisoformat(args.get("start") or default[0].isoformat())
        end = datetime.date.fromisoformat(args.get("end") or default[1].isoformat())
        on = datetime.date.fromisoformat(args.get("on") or end.isoformat())
    except ValueError:
        return default, _l("Write the dates as dates (yyyy-mm-dd).")
    if start > end:
        return default, _l("The period's first day must not be after its last day.")
    if (end - start).days > 366 * MAX_YEARS or not (start.year > 1900 and end.year < 2200 and 1900 < on.year < 2200):
        return default, _l("Choose a period of at most %(years)s years.", years=MAX_YEARS)
    return (start, end, on), None


def _period_or_flash():
    period, problem = parse_period(request.args)
    if problem:
        flash(str(problem), "error")
    return period


def _meta(title, organisation_ids, period, k):
    start, end, on = period
    return {
        "title": str(title),
        "organisations": organisation_names(organisation_ids),
        "start": start,
        "end": end,
        "on": on,
        "k": k,
        "suppression_note": str(
            _l(
                "Counts below %(k)s are shown as “<%(k)s”; “×” hides a further count so that a small one cannot "
                "be worked out from a total; “…” withholds a total whose mark alone would give a small count away.",
                k=k or 5,
            )
        ),
    }


def _download(fmt, meta, tables, name):
    if fmt == "csv":
        body = export.to_csv(meta, tables).encode("utf-8")
    elif fmt == "xlsx":
        body = export.to_xlsx(meta, tables)
    else:
        body = export.to_pdf(meta, tables)
    filename = f"{name}-{meta['start'].isoformat()}-{meta['end'].isoformat()}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt], headers={"Content-Disposition": f"attachment; filename={filename}"})


def organisation_report(user, period):
    """(meta, tables) of the user's organisation, suppressed for evaluators."""
    org_ids = (user.organisation_id,)
    data = report_data(org_ids, *period)
    k = smallest_shown(org_ids) if user.role in SUPPRESSED_ROLES else None
    start, end, on = period

    def link(figure, key):
        if user.role not in CASE_ROLES or figure not in figures.BASES:
            return None
        args = {"figure": figure, "start": start.isoformat(), "end": end.isoformat(), "on": on.isoformat()}
        if key is not None:
            args["key"] = key
        return url_for("reports.cases", **args)

    names = {} if k else builder_names(data)
    tables = present(data, k=k, link=link, builder_names=names)
    for table in tables:
        table.svg = charts.draw(table)
    return _meta(_l("Report"), org_ids, period, k), tables


class ReportView(RoleView):
    """Rapporter: the organisation's figures for a period and a reference date."""

    roles = REPORT_ROLES

    @expose("/")
    def index(self):
        period = _period_or_flash()
        meta, tables = organisation_report(current_user, period)
        return self.render(
            "reports/report.html", meta=meta, parts=[(None, tables)], export_endpoint=".export", period=period
        )

    @expose("/export/<fmt>/")
    def export(self, fmt):
        if fmt not in FORMATS:
            abort(404)
        period, problem = parse_period(request.args)
        if problem:
            flash(str(problem), "error")
            return redirect(url_for(".index"))
        meta, tables = organisation_report(current_user, period)
        AuditLog.record("export", "Report", None)
        return _download(fmt, meta, tables, "rapport")

    @expose("/cases/")
    def cases(self):
        """The cases a figure counted, for roles that may see cases (never evaluators)."""
        if current_user.role not in CASE_ROLES:
            abort(403)
        figure = request.args.get("figure")
        if figure not in figures.BASES:
            abort(404)
        period, problem = parse_period(request.args)
        if problem:
            flash(str(problem), "error")
            return redirect(url_for(".index"))
        scope = Scope((current_user.organisation_id,), *period)
        ids = figures.cases_behind(figure, scope, key=request.args.get("key"), limit=1000)
        rows = (
            list(
                Referral.visible_to(current_user)
                .where(Referral.id.in_(ids))
                .order_by(Referral.received_on, Referral.id)
            )
            if ids
            else []
        )
        AuditLog.record("view", "Report", None)
        title = figures.RULES.get(figure, "")
        return self.render(
            "reports/cases.html", rows=rows, rule=title, figure=figure, period=period, limited=len(ids) >= 1000
        )


def network_report(network, period):
    """(meta, parts) for a network: a part per member organisation and the total, suppressed as
    one problem so that the total minus the shown members cannot reveal a small one."""
    org_ids = tuple(network.organisation_ids)
    k = smallest_shown(org_ids) if org_ids else 5
    layouts, parts = [], []
    names = dict(zip(org_ids, organisation_names_by_id(org_ids), strict=True))
    total_layout = Layout(prefix=("all",))
    total_tables = build_tables(report_data(org_ids, *period), total_layout, _numbered_builders()) if org_ids else []
    for org_id in org_ids:
        layout = Layout(prefix=(org_id,))
        build_tables(report_data((org_id,), *period), layout, _numbered_builders())
        layouts.append(layout)
        parts.append((names[org_id], layout.tables))
    values, lines = dict(total_layout.values), list(total_layout.lines)
    for layout in layouts:
        values.update(layout.values)
        lines.extend(layout.lines)
    # Across members: each of the total's counts is the sum of the members' same counts.
    for cell_id in total_layout.values:
        member_ids = [(org_id, *cell_id[1:]) for org_id in org_ids]
        for member_id in member_ids:
            values.setdefault(member_id, 0)
        if not cell_id[1].startswith(("active_by_builder", "new_by_builder", "caseload", "attendance", "practice")):
            lines.append((member_ids, cell_id))
    state = suppress.suppress(values, lines, k)
    finish(total_tables, state, k, None)
    for layout in layouts:
        finish(layout.tables, state, k, None)
    # Bridge builders and activities are an organisation's own: the total has no table of them.
    per_org_only = ("active_by_builder", "new_by_builder", "caseload", "attendance", "practice")
    total_tables = [t for t in total_tables if t.id not in per_org_only]
    for table in total_tables + [t for _name, tables in parts for t in tables]:
        table.svg = charts.draw(table)
    meta = _meta(_l("Network report: %(name)s", name=network.name), org_ids, period, k)
    meta["sections"] = [(str(_l("All member organisations")), total_tables), *parts]
    return meta, total_tables


def organisation_names_by_id(org_ids):
    names = dict(
        Organisation.select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(org_ids))).tuples()
    )
    return [names[i] for i in org_ids]


def _numbered_builders():
    numbered = {}

    def label(key, _group):
        if key == figures.NONE_KEY:
            return _l("No bridge builder")
        return _l("Bridge builder %(n)s", n=letter(numbered.setdefault(key, len(numbered))))

    return label


class NetworkReportView(RoleView):
    """The report across a network's member organisations, for its network evaluators."""

    roles = (NETWORK_EVALUATOR,)

    def _network(self):
        networks = list(networks_of(current_user))
        if not networks:
            return None, networks
        wanted = request.args.get("network", type=int)
        chosen = next((n for n in networks if n.id == wanted), networks[0])
        return chosen, networks

    @expose("/")
    def index(self):
        network, networks = self._network()
        period = _period_or_flash()
        if network is None:
            return self.render("reports/report.html", meta=None, parts=[], networks=[], period=period)
        meta, _tables = network_report(network, period)
        return self.render(
            "reports/report.html",
            meta=meta,
            parts=meta["sections"],
            export_endpoint=".export",
            period=period,
            networks=networks,
            network=network,
        )

    @expose("/export/<fmt>/")
    def export(self, fmt):
        if fmt not in FORMATS:
            abort(404)
        network, _networks = self._network()
        period, problem = parse_period(request.args)
        if network is None:
            abort(404)
        if problem:
            flash(str(problem), "error")
            return redirect(url_for(".index"))
        meta, tables = network_report(network, period)
        AuditLog.record("export", "NetworkReport", network.id)
        return _download(fmt, meta, tables, "netvaerksrapport")


__all__ = ["NetworkReportView", "ReportView", "parse_period", "_"]
