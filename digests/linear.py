"""Linear algebra over counts: which unknowns a set of sums pins, and how large one can be."""

from __future__ import annotations

from collections.abc import Hashable
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def components_of(
    equations: list[dict[K, int]],
) -> list[tuple[set[K], list[dict[K, int]]]]:
    """The equations in groups that share no unknown, each with its unknowns."""
    parent: dict[K, K] = {}

    def root(k: K) -> K:
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    for terms in equations:
        first, *others = terms
        for k in others:
            parent[root(k)] = root(first)
    groups: dict[K, tuple[set[K], list[dict[K, int]]]] = {}
    for terms in equations:
        keys, group = groups.setdefault(root(next(iter(terms))), (set(), []))
        keys.update(terms)
        group.append(terms)
    return list(groups.values())


def pinned(equations: list[dict[K, int]], order: dict[K, int]) -> set[K]:
    """The unknowns the equations fix to one value, whatever the others are (a rank test)."""
    # Gauss-Jordan: an unknown is pinned when some reduced row holds it alone.
    columns = sorted({k for terms in equations for k in terms}, key=order.__getitem__)
    rows = [[Fraction(terms.get(k, 0)) for k in columns] for terms in equations]
    pivots: list[int] = []
    for col in range(len(columns)):
        rank = len(pivots)
        pick = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if pick is None:
            continue
        rows[rank], rows[pick] = rows[pick], rows[rank]
        _eliminate(rows, rank, col)
        pivots.append(col)
    return {columns[c] for r, c in enumerate(pivots) if sum(1 for x in rows[r] if x) == 1}


def largest(equations: list[dict[K, int]], values: dict[K, int], target: K) -> Fraction | None:
    """The largest value `target` can take with the equations holding (each adds up to what the
    true values give) and no unknown below 0; None if there is no limit. Two-phase simplex."""
    columns = sorted({k for terms in equations for k in terms}, key=str)
    n = len(columns)
    rows: list[list[Fraction]] = []
    for r, terms in enumerate(equations):
        row = [Fraction(terms.get(k, 0)) for k in columns]
        total = sum(c * values[k] for k, c in terms.items())
        sign = -1 if total < 0 else 1
        rows.append([sign * x for x in row] + [Fraction(r == i) for i in range(len(equations))])
        rows[-1].append(Fraction(sign * total))
    basis = [n + r for r in range(len(rows))]
    everything = range(n + len(rows))
    _simplex(rows, basis, [Fraction(-(j >= n)) for j in everything], everything)
    for r in reversed(range(len(rows))):  # drive what is left of phase one out of the basis
        if basis[r] >= n:
            swap = next((j for j in range(n) if rows[r][j]), None)
            if swap is None:
                del rows[r], basis[r]
            else:
                _pivot(rows, basis, r, swap)
    if target not in columns:
        return None
    goal = [Fraction(j == columns.index(target)) for j in everything]
    if not _simplex(rows, basis, goal, range(n)):
        return None
    return next(
        (row[-1] for r, row in enumerate(rows) if basis[r] == columns.index(target)), Fraction(0)
    )


def _simplex(
    rows: list[list[Fraction]], basis: list[int], cost: list[Fraction], free: range
) -> bool:
    """Maximise cost . x over the tableau, entering only columns in `free` (Bland's rule, so it
    never cycles); False if it grows without limit."""
    while True:
        enter = next(
            (
                j
                for j in free
                if j not in basis
                and cost[j] - sum(cost[b] * row[j] for b, row in zip(basis, rows, strict=True)) > 0
            ),
            None,
        )
        if enter is None:
            return True
        ratios = [
            (row[-1] / row[enter], basis[r], r) for r, row in enumerate(rows) if row[enter] > 0
        ]
        if not ratios:
            return False
        _pivot(rows, basis, min(ratios)[2], enter)


def _pivot(rows: list[list[Fraction]], basis: list[int], r: int, col: int) -> None:
    _eliminate(rows, r, col)
    basis[r] = col


def _eliminate(rows: list[list[Fraction]], r: int, col: int) -> None:
    """Scale row `r` so `col` is 1 there, and clear `col` from every other row."""
    lead = rows[r][col]
    rows[r] = [x / lead for x in rows[r]]
    for i, row in enumerate(rows):
        if i != r and row[col]:
            factor = row[col]
            rows[i] = [a - factor * b for a, b in zip(row, rows[r], strict=True)]
