"""Administration → Import: upload a spreadsheet, see per row what would happen, then commit it
all or nothing. Templates and exports in the same columns. Admins only.

The browser takes files up to IMPORT_MAX_BYTES and IMPORT_MAX_ROWS, which it checks and writes in
seconds (bench/import_throughput.py); bigger files go through `flask import-data`, which runs the
same code outside the web workers and shows its progress on the terminal.
"""

import datetime

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.loading import to_int
from admin.pages import RoleView
from i18n import _
from models import AuditLog
from models.base import utcnow
from models.imports import (
    IMPORTERS,
    KINDS,
    ImportBatch,
    ImportFailed,
    ImportFileError,
    commit_import,
    export_rows,
    preview_import,
    template_rows,
    to_csv,
    to_xlsx,
)

PREVIEW_ROWS = 500  # rows listed on the preview page; every error is listed regardless


def _file_response(header, rows, kind, fmt, stem):
    if fmt == "xlsx":
        body = to_xlsx(header, rows, kind)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = to_csv(header, rows), "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{kind}.{fmt}"'
    return response


class ImportView(RoleView):
    roles = ("admin",)

    def _limits(self):
        return current_app.config["IMPORT_MAX_BYTES"], current_app.config["IMPORT_MAX_ROWS"]

    def _page(self, **context):
        batches = list(
            ImportBatch.visible_to(current_user)
            .select(
                ImportBatch.id,
                ImportBatch.kind,
                ImportBatch.filename,
                ImportBatch.status,
                ImportBatch.rows,
                ImportBatch.created,
                ImportBatch.updated,
                ImportBatch.unchanged,
                ImportBatch.created_at,
            )
            .where(ImportBatch.status == "committed")
            .order_by(ImportBatch.id.desc())
            .limit(20)
        )
        max_bytes, max_rows = self._limits()
        return self.render(
            "admin/import.html",
            kinds=KINDS,
            batches=batches,
            max_mb=max_bytes // (1024 * 1024),
            max_rows=max_rows,
            **context,
        )

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "GET":
            return self._page()
        max_bytes, max_rows = self._limits()
        # Checked before the body is parsed: a 50 MB upload is refused without reading it. This
        # page's own limit replaces the app's smaller MAX_CONTENT_LENGTH (Flask 3.1).
        if (request.content_length or 0) > max_bytes + 64 * 1024:
            return self._page(error=self._too_big(max_bytes)), 413
        request.max_content_length = max_bytes + 64 * 1024
        kind = request.form.get("kind")
        if kind not in IMPORTERS:
            return self._page(error=_("Choose what the file holds.")), 400
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(error=_("Choose a file."), kind=kind), 400
        try:
            data = upload.read(max_bytes + 1)
        finally:
            upload.close()
        if len(data) > max_bytes:
            return self._page(error=self._too_big(max_bytes), kind=kind), 413
        filename = upload.filename[-200:]
        try:
            result = preview_import(current_user, kind, filename, data, max_rows=max_rows)
        except ImportFileError as exc:
            return self._page(error=str(exc.message), kind=kind), 400
        # A preview keeps its file (personal data) only until it is committed or given up: the
        # user's earlier previews, and anybody's older than a day, are dropped now.
        ImportBatch.update(status="cancelled", content=None).where(
            (ImportBatch.organisation == current_user.organisation_id)
            & (ImportBatch.status == "previewed")
            & ((ImportBatch.user == current_user.id) | (ImportBatch.created_at < utcnow() - datetime.timedelta(days=1)))
        ).execute()
        batch = None
        if result.ok:
            batch = ImportBatch.create(
                organisation=current_user.organisation_id,
                user=current_user.id,
                kind=kind,
                filename=filename,
                content=data,
                rows=len(result.rows),
                errors=0,
            )
        return self._page(result=result, batch=batch, kind=kind, filename=filename, shown=PREVIEW_ROWS)

    @staticmethod
    def _too_big(max_bytes):
        return _(
            "The file is larger than %(mb)s MB, the limit for imports in the browser. "
            "Split it, or import it with the command flask import-data (see the README).",
            mb=max_bytes // (1024 * 1024),
        )

    def _batch(self):
        batch = (
            ImportBatch.visible_to(current_user)
            .where(
                (ImportBatch.id == to_int(request.form.get("batch")))
                & (ImportBatch.user == current_user.id)
                & (ImportBatch.status == "previewed")
            )
            .first()
        )
        if batch is None:
            abort(404)
        return batch

    @expose("/commit", methods=("POST",))
    def commit(self):
        batch = self._batch()
        try:
            counts = commit_import(current_user, batch.kind, batch.filename, bytes(batch.content), batch=batch)
        except ImportFailed as failed:
            # The data changed since the preview (e.g. a list entry was deactivated): nothing written.
            ImportBatch.update(status="failed", content=None, errors=len(failed.result.problems)).where(
                ImportBatch.id == batch.id
            ).execute()
            return self._page(
                result=failed.result, batch=None, kind=batch.kind, filename=batch.filename, shown=PREVIEW_ROWS
            )
        except ImportFileError as exc:
            return self._page(error=str(exc.message)), 400
        flash(
            _(
                "Imported %(file)s: %(create)s new, %(update)s changed, %(unchanged)s unchanged.",
                file=batch.filename,
                create=counts["create"],
                update=counts["update"],
                unchanged=counts["unchanged"] + counts["skipped"],
            ),
            "success",
        )
        return redirect(url_for(".index"))

    @expose("/cancel", methods=("POST",))
    def cancel(self):
        batch = self._batch()
        ImportBatch.update(status="cancelled", content=None).where(ImportBatch.id == batch.id).execute()
        flash(_("The import was cancelled. Nothing was imported."), "info")
        return redirect(url_for(".index"))

    @expose("/template/<kind>.<fmt>")
    def template(self, kind, fmt):
        if kind not in IMPORTERS or fmt not in ("csv", "xlsx"):
            abort(404)
        header, rows = template_rows(kind)
        return _file_response(header, rows, kind, fmt, "skabelon")

    @expose("/export/<kind>.<fmt>")
    def export(self, kind, fmt):
        if kind not in IMPORTERS or fmt not in ("csv", "xlsx"):
            abort(404)
        header, rows = export_rows(current_user, kind)
        AuditLog.record("export", IMPORTERS[kind].model.__name__, None)
        return _file_response(header, rows, kind, fmt, "eksport")
