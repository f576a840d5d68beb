"""A citizen's access report (GDPR art. 15, *indsigt*): everything the organisation holds about
them, and who saw or changed which of those records, when and how (the access log).

The records are found by introspection (processing.citizen_models), so a new model that refers
to a citizen or a case is in the report the moment it exists. Machine-readable as JSON (inside a
ZIP with the PDF), readable as a Danish PDF (WeasyPrint).
"""

import datetime
import io
import json
import zipfile

from flask import render_template
from peewee import JOIN, ForeignKeyField

from i18n import _
from models import AuditLog, User
from models.audit import AuditLogItem
from models.base import utcnow
from models.user import ROLES
from privacy import processing
from privacy.erasure import rows_of


def _raw(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _display(record, name, field):
    value = getattr(record, field.name + "_id" if isinstance(field, ForeignKeyField) else name)
    if value is None:
        return ""
    if isinstance(field, ForeignKeyField):
        related = getattr(record, name, None)
        return str(related) if related is not None else str(value)
    if field.choices:
        return str(record.label_of(name))
    if name == "value" and hasattr(record, "display"):
        return record.display
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _shown_fields(model):
    """The fields a citizen is shown: all but the internal system columns (the number stays)."""
    return [
        (name, field)
        for name, field in model._meta.fields.items()
        if name == "id" or processing.tag_of(model, name).category != "system"
    ]


def collect(citizen, producer=None):
    """The whole report as a dict: sections (one per record type, with raw and display values)
    and the access log. Raw values are JSON-ready."""
    ids = rows_of(citizen.id)
    sections = []
    for model, _fks in processing.citizen_models():
        fields = _shown_fields(model)
        records = list(model.select().where(model._meta.primary_key.in_(ids[model]))) if ids[model] else []
        bases = sorted({str(processing.BASES[processing.tag_of(model, n).basis]) for n, _f in fields if n != "id"})
        sections.append(
            {
                "table": model._meta.table_name,
                "title": processing.model_label(model),
                "labels": {
                    name: str(_("No.") if name == "id" else field.verbose_name or name) for name, field in fields
                },
                "bases": bases,
                "rows": [{name: _raw(r.__data__.get(name)) for name, _f in fields} for r in records],
                "display": [[_display(r, name, f) for name, f in fields] for r in records],
            }
        )
    return {
        "citizen_number": citizen.id,
        "organisation": citizen.organisation.name,
        "produced_at": _raw(utcnow()),
        "produced_by": str(producer) if producer else None,
        "sections": sections,
        "access_log": access_log(ids),
    }


def access_log(ids):
    """Every audit entry about one of the citizen's records, oldest first, with the user's name
    and role: who saw or changed what, when and how — entries naming the record themselves, and
    lists, searches and case pages that showed it (AuditLogItem). `ids` is rows_of(citizen)."""
    by_name = {model.__name__: (model, record_ids) for model, record_ids in ids.items() if record_ids}
    if not by_name:
        return []
    direct = items = None
    for name, (_model, record_ids) in by_name.items():
        part = (AuditLog.model == name) & AuditLog.record_id.in_(record_ids)
        direct = part if direct is None else direct | part
        part = (AuditLogItem.model == name) & AuditLogItem.record_id.in_(record_ids)
        items = part if items is None else items | part
    columns = (AuditLog.id, AuditLog.at, AuditLog.role, AuditLog.action, User.name.alias("user_name"))
    named = (
        AuditLog.select(*columns, AuditLog.model, AuditLog.record_id)
        .join(User, JOIN.LEFT_OUTER, on=(AuditLog.user == User.id))
        .where(direct)
        .dicts()
    )
    shown = (
        AuditLog.select(*columns, AuditLogItem.model, AuditLogItem.record_id)
        .join(AuditLogItem, on=(AuditLogItem.audit == AuditLog.id))
        .switch(AuditLog)
        .join(User, JOIN.LEFT_OUTER, on=(AuditLog.user == User.id))
        .where(items)
        .dicts()
    )
    entries = {(e["id"], e["model"], e["record_id"]): e for e in [*named, *shown]}
    roles, actions = dict(ROLES), dict(AuditLog.action.choices)
    labels = {name: processing.model_label(model) for name, (model, _ids) in by_name.items()}
    return [
        {
            "at": _raw(e["at"]),
            "user": e["user_name"] or _("The system"),
            "role": str(roles.get(e["role"], e["role"] or "")),
            "action": e["action"],
            "action_label": str(actions.get(e["action"], e["action"])),
            "record": labels.get(e["model"], e["model"]),
            "record_type": e["model"],
            "record_id": e["record_id"],
        }
        for e in sorted(entries.values(), key=lambda e: (str(e["at"]), e["id"]))
    ]


def render_html(report):
    return render_template("privacy/access_report.html", report=report)


def render_pdf(report):
    from weasyprint import HTML

    return HTML(string=render_html(report)).write_pdf()


def render_zip(report):
    """A ZIP with the report as JSON (machine-readable) and as PDF."""
    buffer = io.BytesIO()
    number = report["citizen_number"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"indsigt-{number}.json", json.dumps(report, ensure_ascii=False, indent=2, default=str))
        archive.writestr(f"indsigt-{number}.pdf", render_pdf(report))
    return buffer.getvalue()
