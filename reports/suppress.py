"""Small-cell suppression for evaluators: no count from 1 to k-1 leaves the server.

Primary suppression: a count 0 < n < k is shown as "<k". Complementary suppression: in every
*line* — the cells of a table that add up to a shown total (a table's rows, a matrix's rows and
columns, its margins) — the hidden cells must not be recoverable as "total minus the shown
cells". The rule per line, with P hidden small cells (each 1..k-1, as far as a reader knows) and
Q complementary cells (each at least k, shown as "×"), and S their sum (= total - shown cells):

- a small cell must still be able to take every value 1..k-1 given S: S - (P-1) - Q·k >= k-1, and
  with no complementary cell also S - (P-1)·(k-1) <= 1;
- a complementary cell must not be pinned to one value either.

While a line fails, the smallest non-zero shown cell of the line is hidden as well; if there is
none, the line's total is hidden. Lines are revisited until none changes (a cell hidden for its
row can leave its column needing another). Zeros are shown: a zero reveals nobody.
"""

SMALL, HIDDEN = "small", "hidden"


def _line_safe(kinds_values, total, k):
    """Whether the hidden cells of one line stay ambiguous given its shown total."""
    hidden = [(kind, v) for kind, v in kinds_values if kind is not None]
    if not hidden or total is None:
        return True
    small = sum(1 for kind, _v in hidden if kind == SMALL)
    other = len(hidden) - small
    s = sum(v for _kind, v in hidden)
    if small:
        upper = s - (small - 1) - other * k
        if upper < k - 1:
            return False
        if other == 0 and s - (small - 1) * (k - 1) > 1:
            return False
    if other:
        # A complementary cell is pinned when its lowest and highest possible values meet.
        low = k if other > 1 else max(k, s - small * (k - 1))
        high = s - small - (other - 1) * k
        if high <= low:
            return False
    return True


def suppress(values, lines, k):
    """Decide which cells to hide.

    `values` maps a cell id to its count; `lines` lists (cell ids, total cell id or None). Returns
    {cell id: SMALL | HIDDEN} for every hidden cell (SMALL: 0 < n < k, shown "<k"; HIDDEN: hidden
    so that a small one cannot be worked out, shown "×")."""
    state = {cell: SMALL for cell, v in values.items() if v is not None and 0 < v < k}
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            shown_total = None if total is None or total in state else values[total]
            if shown_total is None:
                continue
            while not _line_safe([(state.get(c), values[c]) for c in cells], shown_total, k):
                candidates = sorted((values[c], str(c), c) for c in cells if c not in state and values[c])
                if candidates:
                    state[candidates[0][2]] = HIDDEN
                else:
                    state[total] = HIDDEN
                    changed = True
                    break
                changed = True
    return state


def suppress_table(values, total, k):
    """A one-way table: {key: n} with its total. Returns (hidden state per key, total state)."""
    ids = {("c", key): n for key, n in values.items()}
    ids[("t",)] = total
    state = suppress(ids, [(list(ids.keys() - {("t",)}), ("t",))], k)
    return {key: state.get(("c", key)) for key in values}, state.get(("t",))


def suppress_matrix(matrix, k):
    """A two-way table {row: {col: n}} with its margins (row and column sums, grand total).

    Returns (cell states {(row, col): state}, row total states, column total states, grand state)."""
    rows = list(matrix)
    cols = sorted({c for row in matrix.values() for c in row})
    values = {}
    for r in rows:
        for c in cols:
            values[("c", r, c)] = matrix[r].get(c, 0)
        values[("r", r)] = sum(matrix[r].values())
    for c in cols:
        values[("k", c)] = sum(matrix[r].get(c, 0) for r in rows)
    values[("g",)] = sum(values[("r", r)] for r in rows)
    lines = [([("c", r, c) for c in cols], ("r", r)) for r in rows]
    lines += [([("c", r, c) for r in rows], ("k", c)) for c in cols]
    lines += [([("r", r) for r in rows], ("g",)), ([("k", c) for c in cols], ("g",))]
    state = suppress(values, lines, k)
    return (
        {(r, c): state.get(("c", r, c)) for r in rows for c in cols},
        {r: state.get(("r", r)) for r in rows},
        {c: state.get(("k", c)) for c in cols},
        state.get(("g",)),
    )


def shown(value, state, k):
    """What an evaluator sees of a count."""
    if state == SMALL:
        return f"<{k}"
    if state == HIDDEN:
        return "×"
    return value
