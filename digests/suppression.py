"""Small-number suppression: hide counts below a threshold, and whatever would give them away.

A table is cells plus the totals published beside them. Each row and each column, with its
total, is a *line*: its cells add up to its total, so one hidden entry in a line could be
worked out by subtraction. The rules, applied until nothing changes:

1. Primary: an entry (cell or total) from 1 to `below - 1` is hidden; so is every entry of
   a row named in `hidden_rows` (a group of fewer than `below` people), zeros included.
2. No line has exactly one hidden entry.
3. In a line holding a primary entry and a shown total above zero, what subtraction reveals
   (the total less the shown cells) is at least `below`: "these two add up to 2" would say
   both are 1.
4. No hidden entry can be worked out by combining lines either: in the graph whose nodes are
   lines and whose edges are hidden entries, no edge is a bridge.

Each extra entry hidden is the smallest shown one that helps, preferring cells to totals.
Zeros are shown (zero is nobody) and hidden only when nothing else can protect an entry: a
reader who knows these rules would take a hidden zero beside a small count for what it is, and
the small count would equal what subtraction reveals. A shown zero beside a hidden entry tells
only that the hidden part lies elsewhere, which rule 3 keeps from being small. Every hidden
entry reads the same, so a reader cannot tell a small count from a complement and narrow it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

SUPPRESSED: Final = "suppressed"
Cell = int | Literal["suppressed"]
Pos = tuple[int, int]  # (row, column); the totals sit in row len(cells) and column len(row)
Node = tuple[str, int]
_FREE: Final[Node] = ("free", 0)  # where an entry without a row or column line hangs


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
    """The same table with each entry either its count or SUPPRESSED."""

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    column_totals: tuple[Cell, ...] | None
    grand_total: Cell | None


def suppress(table: Table, below: int = 5) -> Published:
    """Hide small counts, and enough others that none can be recovered from what is shown."""
    grid = _Grid(table)
    protected = {p for p, n in grid.values.items() if 0 < n < below or p[0] in table.hidden_rows}
    hidden = set(protected)
    while (pick := grid.line_fix(hidden, protected, below) or grid.bridge_fix(hidden)) is not None:
        hidden.add(pick)
    return grid.publish(hidden)


class _Grid:
    def __init__(self, table: Table) -> None:
        rows, cols = len(table.cells), len(table.cells[0]) if table.cells else 0
        fits = (
            all(len(row) == cols for row in table.cells)
            and len(table.row_totals or range(rows)) == rows
            and len(table.column_totals or range(cols)) == cols
            and table.hidden_rows <= set(range(rows))
        )
        if not fits:
            raise ValueError("rows, totals and hidden_rows do not fit the table")
        self.rows, self.cols, self.table = rows, cols, table
        values = {(r, c): n for r, row in enumerate(table.cells) for c, n in enumerate(row)}
        lines: dict[Node, list[Pos]] = {}  # each line ends with its total
        if table.row_totals is not None:
            values.update({(r, cols): n for r, n in enumerate(table.row_totals)})
            lines.update({("row", r): [(r, c) for c in range(cols + 1)] for r in range(rows)})
        if table.column_totals is not None:
            values.update({(rows, c): n for c, n in enumerate(table.column_totals)})
            lines.update({("col", c): [(r, c) for r in range(rows + 1)] for c in range(cols)})
        if table.grand_total is not None and lines:
            values[rows, cols] = table.grand_total
            if table.column_totals is not None:
                lines["row", rows] = [(rows, c) for c in range(cols + 1)]
            if table.row_totals is not None:
                lines["col", cols] = [(r, cols) for r in range(rows + 1)]
        if any(n < 0 for n in values.values()):
            raise ValueError("counts cannot be negative")
        self.values, self.lines = values, lines

    def line_fix(self, hidden: set[Pos], protected: set[Pos], below: int) -> Pos | None:
        """An entry to hide so that some line keeps rules 2 and 3, or None if all do."""
        for line in self.lines.values():
            hid = [p for p in line if p in hidden]
            if not hid:
                continue
            total, short = line[-1], False
            if total not in hidden and self.values[total] > 0 and protected & {*hid}:
                shown = sum(self.values[p] for p in line[:-1] if p not in hidden)
                short = self.values[total] - shown < below
            if len(hid) == 1 or short:
                pick = self._smallest(p for p in line if p not in hidden)
                if pick is not None:
                    return pick
        return None

    def bridge_fix(self, hidden: set[Pos]) -> Pos | None:
        """An entry to hide so that a hidden entry stops being a bridge (rule 4), or None."""
        edges = {p: self._ends(p) for p in sorted(hidden)}
        for bridge in _bridges(edges):
            rest = {p: ends for p, ends in edges.items() if p != bridge}
            one, two = (_reach(end, rest) for end in edges[bridge])
            crossing = (
                p
                for p in self.values
                if p not in hidden and {*self._ends(p)} & one and {*self._ends(p)} & two
            )
            around = (p for p in self.values if p not in hidden and {*self._ends(p)} & (one | two))
            pick = self._smallest(crossing) or self._smallest(around)
            if pick is not None:
                return pick
        return None

    def publish(self, hidden: set[Pos]) -> Published:
        def shown(p: Pos) -> Cell:
            return SUPPRESSED if p in hidden else self.values[p]

        rows, cols, t = self.rows, self.cols, self.table
        return Published(
            tuple(tuple(shown((r, c)) for c in range(cols)) for r in range(rows)),
            None if t.row_totals is None else tuple(shown((r, cols)) for r in range(rows)),
            None if t.column_totals is None else tuple(shown((rows, c)) for c in range(cols)),
            shown((rows, cols)) if (rows, cols) in self.values else None,
        )

    def _ends(self, p: Pos) -> tuple[Node, Node]:
        row, col = ("row", p[0]), ("col", p[1])
        return (row if row in self.lines else _FREE, col if col in self.lines else _FREE)

    def _smallest(self, candidates: Iterable[Pos]) -> Pos | None:
        def cost(p: Pos) -> tuple[bool, int, bool, Pos]:
            n = self.values[p]
            return (n == 0, n, p[0] == self.rows or p[1] == self.cols, p)

        return min(candidates, key=cost, default=None)


def _bridges(edges: dict[Pos, tuple[Node, Node]]) -> list[Pos]:
    """Edges whose removal disconnects their ends (Tarjan), in a multigraph with loops."""
    adjacent: dict[Node, list[tuple[Node, Pos]]] = defaultdict(list)
    for p, (a, b) in edges.items():
        if a != b:  # a loop is never a bridge and links nothing
            adjacent[a].append((b, p))
            adjacent[b].append((a, p))
    found: list[Pos] = []
    seen: dict[Node, int] = {}
    low: dict[Node, int] = {}

    def visit(node: Node, via: Pos | None) -> None:
        seen[node] = low[node] = len(seen)
        for nxt, p in adjacent[node]:
            if p == via:
                continue
            if nxt in seen:
                low[node] = min(low[node], seen[nxt])
            else:
                visit(nxt, p)
                low[node] = min(low[node], low[nxt])
                if low[nxt] > seen[node]:
                    found.append(p)

    for node in list(adjacent):
        if node not in seen:
            visit(node, None)
    return sorted(found)


def _reach(start: Node, edges: dict[Pos, tuple[Node, Node]]) -> set[Node]:
    reached, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        for a, b in edges.values():
            for here, there in ((a, b), (b, a)):
                if here == node and there not in reached:
                    reached.add(there)
                    frontier.append(there)
    return reached
