"""Charts as inline SVG, drawn on the server from a report table's *shown* values.

Why our own SVG and not a library: a JavaScript chart library needs scripts (and usually inline
styles) that a strict, nonce-based CSP refuses unless every page hands it a nonce, and it draws
nothing in the PDF (WeasyPrint runs no JavaScript). pygal, the maintained server-side option,
embeds a <style> element and links to scripts on a CDN for its tooltips. Four chart kinds in plain
SVG with presentation attributes (no style, no script) work under any CSP, print, and go into the
PDF as vectors. Hidden cells (an evaluator's "<5" and "×") are not drawn: the geometry never
says more than the table beside it, which carries the data for screen readers.
"""

from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56


def _number(value):
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _svg(title, body, height=HEIGHT):
    # Every text in `body` went through escape(); the rest are numbers and fixed attributes.
    return Markup(  # noqa: S704  # nosec B704 - markup built from escaped text and numbers
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"{body}</svg>"
    )


def _axis(top_value, height, min_step=1):
    """Y axis with four gridlines; returns (markup, function value → y). For evaluators the step
    is at least k, so no tick label reads like a small count."""
    plot = height - TOP - BOTTOM
    top_value = max(top_value, 1)
    step = _nice(max(top_value / 4, min_step))
    top_value = step * 4

    def y(value):
        return TOP + plot - plot * value / top_value

    parts = []
    for i in range(5):
        value = step * i
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ccc" '
            f'stroke-width="0.5"/><text x="{LEFT - 4}" y="{y(value) + 4:.1f}" font-size="10" '
            f'text-anchor="end" fill="#333">{value:g}</text>'
        )
    return "".join(parts), y


def _nice(raw):
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 25000, 50000, 100000):
        if step >= raw:
            return step
    return raw


def _legend(names, y0):
    parts = []
    x = LEFT
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        label = escape(name)
        parts.append(
            f'<rect x="{x}" y="{y0}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y0 + 9}" font-size="10" fill="#333">{label}</text>'
        )
        x += 24 + 6 * len(str(name))
        if x > WIDTH - 80:
            x, y0 = LEFT, y0 + 14
    return "".join(parts)


def stacked(table):
    """Referrals per month by channel: a stacked bar per row, the last column (total) left out."""
    rows = [r for r in table.rows if not r.total]
    names = table.columns[:-1]
    tops = [sum(_number(c.shown) or 0 for c in r.cells[:-1]) for r in rows]
    legend_rows = 1 + (sum(24 + 6 * len(n) for n in names) // (WIDTH - LEFT - 80))
    height = HEIGHT + 14 * legend_rows
    grid, y = _axis(max(tops or [0]), HEIGHT, getattr(table, "k", None) or 1)
    slot = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    bars = []
    for i, row in enumerate(rows):
        x = LEFT + i * slot + slot * 0.15
        base = 0
        for j, cell in enumerate(row.cells[:-1]):
            value = _number(cell.shown)
            if not value:
                continue
            bars.append(
                f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{slot * 0.7:.1f}" '
                f'height="{y(base) - y(base + value):.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(row.label)} {escape(names[j])}: {value}</title></rect>"
            )
            base += value
        if len(rows) <= 24 or i % 2 == 0:
            bars.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" text-anchor="middle" '
                f'fill="#333">{escape(row.label[2:] if len(rows) > 12 else row.label)}</text>'
            )
    return _svg(str(table.title), grid + "".join(bars) + _legend(names, HEIGHT - BOTTOM + 26), height)


def lines(table):
    """Active collaboration over time: a line per column but the last (total); gaps where hidden."""
    rows = [r for r in table.rows if not r.total]
    names = table.columns[:-1]
    values = [[_number(c.shown) for c in r.cells[:-1]] for r in rows]
    top = max([v for row in values for v in row if v is not None] or [0])
    grid, y = _axis(top, HEIGHT, getattr(table, "k", None) or 1)
    step = (WIDTH - LEFT - RIGHT) / max(len(rows) - 1, 1)
    paths = []
    for j, name in enumerate(names):
        colour = PALETTE[j % len(PALETTE)]
        segment = []
        for i, row in enumerate(values):
            value = row[j]
            if value is None:
                segment.append(None)
                continue
            x = LEFT + i * step
            segment.append((x, y(value)))
            paths.append(
                f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(rows[i].label)} {escape(name)}: {value}</title></circle>"
            )
        d, pen = [], "M"
        for point in segment:
            if point is None:
                pen = "M"
                continue
            d.append(f"{pen}{point[0]:.1f},{point[1]:.1f}")
            pen = "L"
        if d:
            paths.append(f'<path d="{" ".join(d)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    labels = []
    for i, row in enumerate(rows):
        if len(rows) <= 12 or i % 3 == 0:
            labels.append(
                f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" text-anchor="middle" '
                f'fill="#333">{escape(row.label[:7])}</text>'
            )
    return _svg(str(table.title), grid + "".join(paths) + "".join(labels) + _legend(names, HEIGHT - BOTTOM + 26))


def bars(table):
    """Horizontal bars, one per row but the total: counts of the first column (closings), or the
    mean change (outcomes)."""
    rows = [r for r in table.rows if not r.total]
    values = [_mean(r) if table.id == "outcomes" else _number(r.cells[0].shown) for r in rows]
    height = TOP + 22 * max(len(rows), 1) + 20
    low = min([v for v in values if v is not None] + [0])
    high = max([v for v in values if v is not None] + [0])
    span = (high - low) or 1
    label_width = 200
    plot = WIDTH - label_width - RIGHT - 40

    def x(value):
        return label_width + plot * (value - low) / span

    parts = [f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{TOP}" y2="{height - 20}" stroke="#333" stroke-width="0.5"/>']
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        top = TOP + 22 * i
        parts.append(
            f'<text x="{label_width - 6}" y="{top + 14}" font-size="11" text-anchor="end" fill="#333">'
            f"{escape(row.label[:32])}</text>"
        )
        if value is None:
            continue
        left, right = sorted((x(0), x(value)))
        parts.append(
            f'<rect x="{left:.1f}" y="{top + 3}" width="{max(right - left, 0.5):.1f}" height="15" '
            f'fill="{PALETTE[0]}"><title>{escape(row.label)}: {value:g}</title></rect>'
        )
    return _svg(str(table.title), "".join(parts), height)


def _mean(row):
    shown = row.cells[1].shown
    if not isinstance(shown, str) or shown in ("×", "–"):
        return None
    try:
        return float(shown.replace("+", "").replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        return None


def draw(table):
    """The chart of a table (None for tables without one)."""
    if table.chart == "stacked":
        return stacked(table)
    if table.chart == "lines":
        return lines(table)
    if table.chart == "bars":
        return bars(table)
    return None
