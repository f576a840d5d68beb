"""Small-cell suppression: no count 0 < n < k ever leaves the server for an evaluator.

Property-based (Hypothesis): first the rule itself on generated tables — a reader who knows the
rule and every shown number still cannot pin any hidden cell — then the whole report on generated
organisations, read back from the HTML page, the CSV, the XLSX and the PDF."""

import datetime
import io
import itertools
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import ReferralChannel, StatusChange
from reports import suppress
from tests import factories

SMALL, HIDDEN, WITHHELD = suppress.SMALL, suppress.HIDDEN, suppress.WITHHELD


def feasible_values(values, states, k, total=None, small_total=False):
    """Every value each hidden cell can take, given the shown cells and the total, by enumeration.

    With a small total ("<k") every cell is "<k", zeros too, and the total is 1..k-1."""
    hidden = [i for i, s in enumerate(states) if s]
    shown_sum = sum(v for v, s in zip(values, states, strict=True) if not s)
    low = 0 if small_total else 1
    top = sum(values) + k
    ranges = [range(low, k) if states[i] == SMALL else range(k, top + 1) for i in hidden]
    seen = {i: set() for i in hidden}
    for combo in itertools.product(*ranges):
        sum_ = shown_sum + sum(combo)
        if (0 < sum_ < k) if small_total else sum_ == total:
            for i, v in zip(hidden, combo, strict=True):
                seen[i].add(v)
    return seen, low


@settings(max_examples=300, deadline=None)
@given(
    k=st.integers(min_value=2, max_value=6),
    values=st.lists(st.integers(min_value=0, max_value=16), min_size=1, max_size=5),
)
def test_a_table_never_shows_a_small_count_nor_lets_one_be_worked_out(k, values):
    cells = dict(enumerate(values))
    states, total_state = suppress.suppress_table(cells, sum(values), k)
    shown = [suppress.shown(v, states[i], k) for i, v in cells.items()]
    assert not any(isinstance(s, int) and 0 < s < k for s in shown)
    total = sum(values)
    assert total_state != SMALL or 0 < total < k
    if total_state == HIDDEN:
        return  # no total shown: nothing to subtract from
    seen, low = feasible_values(values, [states[i] for i in cells], k, total, small_total=total_state == SMALL)
    for i, possible in seen.items():
        if states[i] == SMALL:  # nothing learnt beyond "<k": every value 1..k-1 is still possible
            assert set(range(1, k)) <= possible <= set(range(low, k)), (values, states, i, possible)
        else:
            assert len(possible) >= 2, (values, states, i, possible)


def readers_matrices(table, k, cells, rows, cols, grand):
    """Every 2 × 2 matrix a reader cannot tell from the real one: the same shown cells and
    margins, each hidden cell and margin within what its mark says ("<k": 1..k-1, 0..k-1 in a
    line whose total is "<k"; "×": k or more; "…": anything)."""
    top = sum(sum(row.values()) for row in table.values()) + k
    keys = sorted(cells)
    options = []
    for r, c in keys:
        state = cells[(r, c)]
        if state is None:
            options.append([table[r][c]])
        elif state == SMALL:
            zero_ok = rows[r] == SMALL or cols[c] == SMALL
            options.append(list(range(0 if zero_ok else 1, k)))
        elif state == HIDDEN:
            options.append(list(range(k, top + 1)))
        else:
            options.append(list(range(0, top + 1)))

    def fits(state, value, real, zero_ok):
        if state is None:
            return value == real
        if state == SMALL:
            return (0 if zero_ok else 1) <= value < k
        if state == HIDDEN:
            return value >= k
        return True

    for combo in itertools.product(*options):
        m = dict(zip(keys, combo, strict=True))
        row_sums = {r: m[(r, 0)] + m[(r, 1)] for r in (0, 1)}
        col_sums = {c: m[(0, c)] + m[(1, c)] for c in (0, 1)}
        grand_sum = sum(row_sums.values())
        if not fits(grand, grand_sum, sum(sum(row.values()) for row in table.values()), False):
            continue
        row_zero = {r: grand == SMALL or all(cells[(r, c)] == SMALL for c in (0, 1)) for r in (0, 1)}
        col_zero = {c: grand == SMALL or all(cells[(r, c)] == SMALL for r in (0, 1)) for c in (0, 1)}
        if not all(fits(rows[r], row_sums[r], sum(table[r].values()), row_zero[r]) for r in (0, 1)):
            continue
        if not all(fits(cols[c], col_sums[c], table[0][c] + table[1][c], col_zero[c]) for c in (0, 1)):
            continue
        yield m


@settings(max_examples=150, deadline=None)
@given(
    k=st.integers(min_value=3, max_value=5),
    matrix=st.lists(st.lists(st.integers(min_value=0, max_value=7), min_size=2, max_size=2), min_size=2, max_size=2),
)
@example(k=3, matrix=[[1, 1], [2, 2]])  # every count hidden: the marks alone pinned both 1s
@example(k=3, matrix=[[2, 1], [2, 1]])
@example(k=4, matrix=[[1, 2], [3, 3]])
def test_a_two_way_table_with_its_margins_never_lets_a_small_count_be_pinned(k, matrix):
    table = {r: dict(enumerate(row)) for r, row in enumerate(matrix)}
    cells, rows, cols, grand = suppress.suppress_matrix(table, k)
    for (r, c), state in cells.items():
        assert not (state is None and 0 < table[r][c] < k)
    for r, state in rows.items():
        assert not (state is None and 0 < sum(table[r].values()) < k)
    for c, state in cols.items():
        assert not (state is None and 0 < sum(table[r][c] for r in table) < k)
    assert not (grand is None and 0 < sum(map(sum, matrix)) < k)
    # No hidden count that is not a zero (a zero reveals nobody) may have a single possible value,
    # the tables whose every count is hidden included: then only the marks bound the cells.
    possible = {key: set() for key, state in cells.items() if state and table[key[0]][key[1]]}
    for m in readers_matrices(table, k, cells, rows, cols, grand):
        for key in possible:
            possible[key].add(m[key])
    for key, values in possible.items():
        assert table[key[0]][key[1]] in values, (matrix, k, key, values)
        assert len(values) >= 2, (matrix, k, cells, rows, cols, grand, key, values)


def test_every_two_way_table_up_to_four_is_protected():
    """The property above on every 2 × 2 table with counts 0..4 for k = 3 (not only samples)."""
    for k in (3,):
        for a, b, c, d in itertools.product(range(5), repeat=4):
            test_a_two_way_table_with_its_margins_never_lets_a_small_count_be_pinned.hypothesis.inner_test(
                k=k, matrix=[[a, b], [c, d]]
            )


def test_a_table_that_cannot_be_protected_by_hiding_withholds_its_totals():
    # [[1, 1], [2, 2]], k = 3: every cell "<3", the first row's total "<3", the rest "×" (3 or
    # more) — two cells under "<3", each pushed to at least 1 by its column: both are 1.
    cells, rows, cols, grand = suppress.suppress_matrix({0: {0: 1, 1: 1}, 1: {0: 2, 1: 2}}, 3)
    assert set(cells.values()) == {SMALL}
    assert WITHHELD in {*rows.values(), *cols.values(), grand}
    assert suppress.shown(3, WITHHELD, 3) == "…"


# -- the whole report, as an evaluator downloads it ---------------------------------------------
class _Text(HTMLParser):
    """The text of the report's tables (cells and headers), not attributes nor the chrome around."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.tokens = []

    def handle_starttag(self, tag, attrs):
        if tag == "main" or ("class", "report-table") in attrs or self.depth:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.tokens.extend(data.split())


def small_counts(tokens, k):
    """Tokens that read as a bare count from 1 to k-1."""
    found = []
    for token in tokens:
        bare = token.strip("()[]:;,.·\"'")
        if re.fullmatch(r"\d+", bare) and 0 < int(bare) < k:
            found.append(token)
    return found


def texts_of_exports(client, k):
    page = client.get("/admin/reports/?start=2024-01-01&end=2024-12-31&on=2024-12-31")
    assert page.status_code == 200
    parser = _Text()
    parser.feed(page.get_data(as_text=True))
    csv_text = client.get("/admin/reports/export/csv/?start=2024-01-01&end=2024-12-31&on=2024-12-31")
    xlsx = client.get("/admin/reports/export/xlsx/?start=2024-01-01&end=2024-12-31&on=2024-12-31")
    pdf = client.get("/admin/reports/export/pdf/?start=2024-01-01&end=2024-12-31&on=2024-12-31")
    assert csv_text.status_code == xlsx.status_code == pdf.status_code == 200
    from openpyxl import load_workbook
    from pypdf import PdfReader

    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    cells = [
        str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None
    ]
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    csv_fields = [f for line in csv_text.get_data(as_text=True).splitlines() for f in line.split(";")]
    return {
        "html": parser.tokens,
        "csv": csv_fields,
        "xlsx": cells,
        "pdf": pdf_text.split(),
    }


def build_org(data, k):
    org = factories.make_org(name="Frivilligcenter Ærø", report_k=k)
    evaluator = factories.make_user(org, "evaluator", name="Eva Evaluator")
    builders = [factories.make_user(org, "bridge_builder", name=f"Brobygger {c}") for c in "XYZ"]
    channels = list(ReferralChannel.select().where(ReferralChannel.organisation == org.id).limit(3))
    for gender, channel, path, builder, month in data:
        citizen = factories.make_citizen(org, gender=gender, name="Borger Ærø", initials="BÆ")
        received = datetime.date(2024, month, 3)
        case = factories.make_referral(
            org, citizen=citizen, channel=channels[channel], received_on=received, assigned_to=builders[builder]
        )
        for days, status in ((2, "contacted"), (9, "active"), (40, "declined"))[:path]:
            StatusChange.create(
                referral=case.id, to_status=status, effective_on=received + datetime.timedelta(days=days)
            )
    return evaluator


CASES = st.lists(
    st.tuples(
        st.sampled_from(["male", "female", "other"]),
        st.integers(min_value=0, max_value=2),  # channel
        st.integers(min_value=0, max_value=3),  # how far the case got
        st.integers(min_value=0, max_value=2),  # bridge builder
        st.integers(min_value=1, max_value=11),  # month received
    ),
    min_size=0,
    max_size=24,
)


@pytest.mark.parametrize("k", [5, 3])
def test_no_small_count_reaches_an_evaluator_in_any_format(app, login, k):
    from extensions import db

    @settings(
        max_examples=6 if k == 5 else 3,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=CASES)
    def check(data):
        with app.app_context():
            db.connect(reuse_if_open=True)
            evaluator = build_org(data, k)
            db.close()
        client = login(evaluator)
        for name, tokens in texts_of_exports(client, k).items():
            assert not small_counts(tokens, k), (name, small_counts(tokens, k), data)

    check()
