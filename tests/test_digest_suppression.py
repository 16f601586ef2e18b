"""Small numbers stay hidden: nothing suppressed can be worked back out from what is shown.

The tables here are built as figures and lines (a row of cells adds up to its total, and so
does a column), the way digests.tables builds the digest's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from digests.suppression import SUPPRESSED, Cell, Figures, protect

BELOW = 5
Entry = tuple[int, int]


@dataclass(frozen=True)
class Table:
    """Counts by row and column, with the totals that will be published beside them."""

    cells: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...] | None = None
    column_totals: tuple[int, ...] | None = None
    grand_total: int | None = None
    hidden_rows: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Published:
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    column_totals: tuple[Cell, ...] | None
    grand_total: Cell | None


def suppress(table: Table, below: int = BELOW) -> Published:
    """The table through digests.suppression: totals sit in row len(cells), column len(row)."""
    rows, cols = len(table.cells), len(table.cells[0])
    figures = Figures()

    def add(r: int, c: int, n: int) -> None:
        total = r == rows or c == cols
        figures.add((r, c), n, 1 if total else 0, forced=r in table.hidden_rows)

    for r, row in enumerate(table.cells):
        for c, n in enumerate(row):
            add(r, c, n)
    if table.row_totals is not None:
        for r, n in enumerate(table.row_totals):
            add(r, cols, n)
            figures.add_up([(r, c) for c in range(cols)], (r, cols))
    if table.column_totals is not None:
        for c, n in enumerate(table.column_totals):
            add(rows, c, n)
            figures.add_up([(r, c) for r in range(rows)], (rows, c))
    if table.grand_total is not None and (table.row_totals or table.column_totals):
        add(rows, cols, table.grand_total)
        if table.column_totals is not None:
            figures.add_up([(rows, c) for c in range(cols)], (rows, cols))
        if table.row_totals is not None:
            figures.add_up([(r, cols) for r in range(rows)], (rows, cols))
    shown = protect(figures, below)
    return Published(
        tuple(tuple(shown[r, c] for c in range(cols)) for r in range(rows)),
        None if table.row_totals is None else tuple(shown[r, cols] for r in range(rows)),
        None if table.column_totals is None else tuple(shown[rows, c] for c in range(cols)),
        shown.get((rows, cols)),
    )


@st.composite
def tables(draw: st.DrawFn) -> Table:
    """Additive tables of small counts (zeros and 1-4 often), with any mix of published totals."""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    count = st.one_of(st.just(0), st.integers(1, BELOW - 1), st.integers(BELOW, 30))
    cells = tuple(tuple(draw(count) for _ in range(cols)) for _ in range(rows))
    with_rows, with_cols, with_grand = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    return Table(
        cells,
        tuple(sum(row) for row in cells) if with_rows else None,
        tuple(sum(col) for col in zip(*cells, strict=True)) if with_cols else None,
        sum(map(sum, cells)) if with_grand else None,
        frozenset(draw(st.sets(st.integers(0, rows - 1), max_size=2))),
    )


def _entries(table: Table, shown: Published) -> dict[Entry, tuple[int, Cell]]:
    """Every published entry by position (totals in the extra row and column): (true, shown)."""
    rows, cols = len(table.cells), len(table.cells[0])
    found = {
        (r, c): (table.cells[r][c], shown.cells[r][c]) for r in range(rows) for c in range(cols)
    }
    if table.row_totals is not None and shown.row_totals is not None:
        found.update({(r, cols): (table.row_totals[r], shown.row_totals[r]) for r in range(rows)})
    if table.column_totals is not None and shown.column_totals is not None:
        found.update(
            {(rows, c): (table.column_totals[c], shown.column_totals[c]) for c in range(cols)}
        )
    if table.grand_total is not None and shown.grand_total is not None:
        found[rows, cols] = (table.grand_total, shown.grand_total)
    return found


def _lines(table: Table, entries: dict[Entry, tuple[int, Cell]]) -> list[list[Entry]]:
    """Each row and column that has a published total, its total last."""
    rows, cols = len(table.cells), len(table.cells[0])
    lines = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    return [line for line in lines if all(p in entries for p in line)]


def _rank(matrix: list[list[Fraction]]) -> int:
    rows, rank = [row[:] for row in matrix], 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _recoverable(table: Table, shown: Published) -> list[Entry]:
    """Hidden entries that some combination of rows and columns pins to one value."""
    entries = _entries(table, shown)
    hidden = sorted(p for p, (_, cell) in entries.items() if cell == SUPPRESSED)
    equations = [
        [Fraction(-1 if p == line[-1] else 1) if p in line else Fraction(0) for p in hidden]
        for line in _lines(table, entries)
    ]
    if not equations:
        return []
    full = _rank(equations)
    return [
        p
        for i, p in enumerate(hidden)
        if _rank([row[:i] + row[i + 1 :] for row in equations]) < full
    ]


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_suppressed_count_can_be_worked_out_from_the_totals(table: Table) -> None:
    shown = suppress(table, BELOW)
    assert _recoverable(table, shown) == []


@settings(max_examples=400, deadline=None)
@given(tables())
def test_every_row_or_column_with_a_hidden_cell_hides_another_or_its_total(table: Table) -> None:
    entries = _entries(table, suppress(table, BELOW))
    for line in _lines(table, entries):
        hidden = [p for p in line if entries[p][1] == SUPPRESSED]
        assert len(hidden) != 1, line


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_shown_count_is_small_and_every_shown_count_is_true(table: Table) -> None:
    for true, cell in _entries(table, suppress(table, BELOW)).values():
        assert cell == SUPPRESSED or (cell == true and not 0 < cell < BELOW)


@settings(max_examples=400, deadline=None)
@given(tables())
def test_what_subtraction_reveals_beside_a_small_count_is_never_itself_small(table: Table) -> None:
    entries = _entries(table, suppress(table, BELOW))
    for line in _lines(table, entries):
        total_true, total_shown = entries[line[-1]]
        small = [p for p in line if entries[p][1] == SUPPRESSED and 0 < entries[p][0] < BELOW]
        if small and total_shown != SUPPRESSED and total_true > 0:
            revealed = total_true - sum(
                true for true, cell in (entries[p] for p in line[:-1]) if cell != SUPPRESSED
            )
            assert revealed >= BELOW, line


@given(tables())
def test_rows_of_small_groups_are_hidden_whole_zeros_included(table: Table) -> None:
    shown = suppress(table, BELOW)
    for r in table.hidden_rows:
        assert set(shown.cells[r]) == {SUPPRESSED}
        assert shown.row_totals is None or shown.row_totals[r] == SUPPRESSED


def test_one_small_service_hides_the_next_smallest_beside_it() -> None:
    table = Table(cells=((12,), (3,), (7,), (20,)), column_totals=(42,))
    assert suppress(table).cells == ((12,), (SUPPRESSED,), (SUPPRESSED,), (20,))
    assert suppress(table).column_totals == (42,)


def test_two_ones_are_not_left_to_add_up_to_two() -> None:
    table = Table(cells=((1, 1, 9, 0),), row_totals=(11,))
    shown = suppress(table)
    assert shown.cells == ((SUPPRESSED, SUPPRESSED, SUPPRESSED, 0),)
    assert shown.row_totals == (11,)


def test_a_table_with_nothing_small_is_published_as_it_is() -> None:
    table = Table(((5, 0), (6, 7)), (5, 13), (11, 7), 18)
    assert suppress(table) == Published(((5, 0), (6, 7)), (5, 13), (11, 7), 18)
