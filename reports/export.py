"""The whole report as CSV, XLSX (one sheet per table) and PDF, headed by the organisation, the
period, the reference date and the counting rules.

Every value goes through `safe_cell` — the one switch to the shared export helper once it is in
main: strings that a spreadsheet would run as a formula (= + - @, tab, CR first) get a leading
apostrophe, and XLSX strings are written as strings, never formulas.
"""

import csv
import io
import re

from flask import render_template

from i18n import _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell value that no spreadsheet runs as a formula (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


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
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    used = set()

    def append(sheet, values):
        cells = []
        for value in values:
            value = safe_cell(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a string, whatever it starts with
            cells.append(cell)
        sheet.append(cells)

    front = book.create_sheet(_sheet_name(_("Report"), used))
    for line in _heading(meta):
        append(front, line)
    append(front, [])
    append(front, [_("Counting rules")])
    for table in tables:
        append(front, [str(table.title), str(table.rule)])
    for heading, part in sections(meta, tables):
        for table in part:
            sheet = book.create_sheet(_sheet_name(f"{heading} {table.title}" if heading else table.title, used))
            if heading:
                append(sheet, [heading])
            for line in _table_rows(table):
                append(sheet, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(meta, tables):
    from weasyprint import HTML

    html = render_template("reports/pdf.html", meta=meta, parts=sections(meta, tables))
    return HTML(string=html).write_pdf()
