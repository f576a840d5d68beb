"""The whole report as CSV, XLSX (one sheet per table) and PDF, headed by the organisation, the
period, the reference date and the counting rules.

Every cell goes through the shared export helper (`exports.py`): nothing a spreadsheet would
run as a formula, XLSX cells written as strings.
"""

import csv
import io
import re

from flask import render_template

from exports import safe_cell, write_xlsx
from i18n import _


def _heading(meta):
    lines = [
        [_("Report"), meta["title"]],
        [_("Organisation"), ", ".join(meta["organisations"])],
        [_("Period"), f"{meta['start'].isoformat()} – {meta['end'].isoformat()}"],
        [_("Reference date"), meta["on"].isoformat()],
    ]
    if meta.get("k"):
        lines.append([_("Small counts"), meta["suppression_note"]])
    return lines


def _table_rows(table):
    yield [str(table.title)]
    yield [str(table.rule)]
    yield ["", *table.columns]
    for row in table.rows:
        yield [row.label, *[cell.shown for cell in row.cells]]


def sections(meta, tables):
    """(heading, tables) per part of the report: one for an organisation, one per member and the
    total for a network."""
    return meta.get("sections") or [(None, tables)]


def to_csv(meta, tables):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for line in _heading(meta):
        writer.writerow([safe_cell(v) for v in line])
    for heading, part in sections(meta, tables):
        if heading:
            writer.writerow([])
            writer.writerow([safe_cell(heading)])
        for table in part:
            writer.writerow([])
            for line in _table_rows(table):
                writer.writerow([safe_cell(v) for v in line])
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the Danish letters as UTF-8


def _sheet_name(name, used):
    name = re.sub(r"[\[\]:*?/\\]", " ", str(name))[:28].strip() or "Ark"
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate, n = f"{name[:25]} {n}", n + 1
    used.add(candidate.lower())
    return candidate


def to_xlsx(meta, tables):
    """A front sheet (organisation, period, reference date, counting rules), then a sheet per table."""
    used = set()
    front = [*_heading(meta)[1:], [], [_("Counting rules")]] + [[str(t.title), str(t.rule)] for t in tables]
    sheets = [(_sheet_name(_("Report"), used), _heading(meta)[0], front)]
    for heading, part in sections(meta, tables):
        for table in part:
            rows = list(_table_rows(table))
            if heading:
                rows.insert(0, [heading])
            title = _sheet_name(f"{heading} {table.title}" if heading else table.title, used)
            sheets.append((title, rows[0], rows[1:]))
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


def to_pdf(meta, tables):
    from weasyprint import HTML

    html = render_template("reports/pdf.html", meta=meta, parts=sections(meta, tables))
    return HTML(string=html).write_pdf()
