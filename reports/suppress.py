"""Small-cell suppression for evaluators: no count from 1 to k-1 leaves the server.

Primary suppression: a count 0 < n < k is shown as "<k". Complementary suppression: in every
*line* — the cells of a table that add up to a shown total (a table's rows, a matrix's rows and
columns, its margins) — the hidden cells must not be recoverable as "total minus the shown
cells". A reader who knows this rule knows each "<k" is 1..k-1 (0..k-1 where it may be a zero),
each "×" at least k, and their sum S = total - shown cells. Per line:

- every small cell must still be able to take each of its values given S;
- a complementary cell must not be pinned to one value either.

While a line fails, the smallest non-zero shown cell of the line is hidden as well; if there is
none, the line's total is hidden. Lines are revisited until none changes (a cell hidden for its
row can leave its column needing another). Zeros are shown: a zero reveals nobody.

When everything around a failing cell is hidden already, the marks themselves can still pin it:
"<3" under a "<3" total next to columns marked "×" (at least 3) leaves two cells of 1 and 1 no
other choice. Then the hidden totals of the failing cell's lines are *withheld* ("…": any count,
no bound at all), which takes those lines' sums away from the reader, until no cell is pinned;
with every total of a table withheld, each hidden cell is bounded by its own mark only.
"""

SMALL, HIDDEN, WITHHELD = "small", "hidden", "withheld"


def _bounds(values, lines, state, may_be_zero, k):
    """What a reader who knows this rule can work out about each hidden cell: an interval per
    hidden cell, narrowed over every line (sum of the cells = the total) until nothing changes.
    Interval reasoning never rules out a possible value, so any narrowing it finds is real."""
    big = sum(v for v in values.values() if v) + k
    low, high = {}, {}
    for cell, mark in state.items():
        if mark == SMALL:
            low[cell], high[cell] = (0 if cell in may_be_zero else 1), k - 1
        elif mark == WITHHELD:
            low[cell], high[cell] = 0, big
        else:
            low[cell], high[cell] = k, big

    def lo(cell):
        return low[cell] if cell in state else values[cell]

    def hi(cell):
        return high[cell] if cell in state else values[cell]

    for _round in range(100):
        changed = False
        for cells, total in lines:
            if total is None:
                continue
            members_lo, members_hi = sum(lo(c) for c in cells), sum(hi(c) for c in cells)
            if total in state:
                new_lo, new_hi = max(low[total], members_lo), min(high[total], members_hi)
                if (new_lo, new_hi) != (low[total], high[total]):
                    low[total], high[total], changed = new_lo, new_hi, True
            for cell in cells:
                if cell not in state:
                    continue
                new_lo = max(low[cell], lo(total) - (members_hi - high[cell]))
                new_hi = min(high[cell], hi(total) - (members_lo - low[cell]))
                if (new_lo, new_hi) != (low[cell], high[cell]):
                    low[cell], high[cell], changed = new_lo, new_hi, True
        if not changed:
            break
    return low, high


def _problem(state, values, low, high, k):
    """A hidden count a reader could narrow down, or None (a zero may be seen through: it reveals
    nobody; what it implies about its neighbours is checked on them)."""
    for cell, mark in state.items():
        if values[cell] == 0:
            continue
        if mark == SMALL and (low[cell] > 1 or high[cell] < k - 1):  # more than "<k" learnt
            return cell
        if mark in (HIDDEN, WITHHELD) and high[cell] <= low[cell]:
            return cell
    return None


def suppress(values, lines, k):
    """Decide which cells to hide.

    `values` maps a cell id to its count; `lines` lists (cell ids, total cell id or None). Returns
    {cell id: SMALL | HIDDEN | WITHHELD} for every hidden cell (SMALL: 0 < n < k, shown "<k";
    HIDDEN: hidden so that a small one cannot be worked out, shown "×"; WITHHELD: a total whose
    mark alone would give a small cell away, shown "…"). In a line whose total is itself small,
    every cell is shown "<k", zeros too: otherwise several "<k" under a "<k" total would give
    themselves away (two of them under "<3" must both be 1). While a reader could narrow a hidden
    cell down, the smallest shown count near it is hidden as well (a total when no cell is left);
    when nothing near it is left to hide, the hidden totals of its lines are withheld."""
    chosen = {cell: SMALL for cell, v in values.items() if v is not None and 0 < v < k}
    withheld = set()
    by_cell = {}
    for cells, total in lines:
        for cell in [*cells, total]:
            by_cell.setdefault(cell, []).append((cells, total))

    while True:
        state, may_be_zero = _spread(chosen, withheld, values, lines)
        low, high = _bounds(values, lines, state, may_be_zero, k)
        problem = _problem(state, values, low, high, k)
        if problem is None:
            return state
        candidate = _next_to_hide(problem, by_cell, state, values)
        if candidate is not None:
            chosen[candidate] = HIDDEN if values[candidate] >= k else SMALL
            continue
        totals = _totals_to_withhold(problem, by_cell, state, withheld)
        if not totals:  # cannot happen: with every total withheld only the marks bound a cell
            return state
        withheld.update(totals)


def _spread(chosen, withheld, values, lines):
    """The state of every hidden cell: the chosen ones, the withheld totals, and every cell of a
    line whose total is "<k" (zeros too: a reader cannot tell which of them is a zero)."""
    state = dict(chosen)
    for cell in withheld:
        state[cell] = WITHHELD
    may_be_zero = {cell for cell in state if values[cell] == 0}
    spread = True
    while spread:
        spread = False
        for cells, total in lines:
            if total is not None and state.get(total) == SMALL:
                for cell in cells:
                    if cell not in may_be_zero and state.get(cell, SMALL) == SMALL:
                        state[cell] = SMALL
                        may_be_zero.add(cell)
                        spread = True
    return state, may_be_zero


def _totals_to_withhold(problem, by_cell, state, withheld):
    """The hidden totals of the lines through `problem`, else of the lines one ring further out."""
    seen, ring = set(), [problem]
    while ring:
        lines = [line for cell in ring for line in by_cell.get(cell, [])]
        totals = {t for _members, t in lines if t is not None and t in state and t not in withheld}
        if totals:
            return totals
        seen.update(ring)
        ring = [c for members, t in lines for c in [*members, t] if c is not None and c not in seen]
    return set()


def _next_to_hide(problem, by_cell, state, values):
    """The smallest shown non-zero count in the lines through `problem`, else the lines' shown
    totals, else the same one ring further out."""
    seen, ring = set(), [problem]
    while ring:
        lines = [line for cell in ring for line in by_cell.get(cell, [])]
        cells = {c for members, _total in lines for c in members if c not in state and values[c]}
        if cells:
            return min(cells, key=lambda c: (values[c], str(c)))
        totals = {t for _members, t in lines if t is not None and t not in state}
        if totals:
            return min(totals, key=lambda c: (values[c], str(c)))
        seen.update(ring)
        ring = [c for members, t in lines for c in [*members, t] if c is not None and c not in seen]
    return None


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
    if state == WITHHELD:
        return "…"
    return value
