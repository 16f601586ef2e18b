"""What a reader can work out from published figures, by trying every sum they could do.

test_digest_published.py runs this over whole digests; the tests here run it over the audit's
own example, so that a check that finds nothing there means something.
"""

from __future__ import annotations

from fractions import Fraction

HIDDEN = "fewer than 5"
Equation = dict[str, int]  # name -> coefficient, "1" -> a constant; the terms add up to 0
Value = int | str


def worked_out(
    equations: list[Equation], shown: dict[str, Value], truth: dict[str, int]
) -> list[str]:
    """Hidden figures that the sums pin to one value, with no count below 0 (their least and
    greatest values are the same).

    Names starting with "?" are counts never published (how many answers gave no rating): they
    are unknowns to the reader, like hidden figures, but nobody is told them, so they are not
    checked. `truth` holds every unknown's real value: a solution the sums must allow. A name
    neither shown nor starting with "?" is a figure listed as none (a theme nobody mentioned).
    """
    names = {k for e in equations for k in e if k != "1"}
    unknowns = {k for k in names if k.startswith("?") or shown.get(k) == HIDDEN}
    found = []
    for group in _apart([e for e in equations if unknowns & e.keys()], unknowns):
        columns = sorted(unknowns & {k for e in group for k in e})
        rows, real = [], [truth.get(k, 0) for k in columns]
        for e in group:  # what is shown goes in; a figure not listed at all is shown as none
            known = sum(c * int(shown.get(k, 0)) for k, c in e.items() if k not in unknowns)
            row = [e.get(k, 0) for k in columns]
            assert sum(c * x for c, x in zip(row, real, strict=True)) + known == 0, f"untrue: {e}"
            rows.append(row)
        found += [
            name
            for i, name in enumerate(columns)
            if not name.startswith("?") and _least(rows, real, i) == _most(rows, real, i)
        ]
    return sorted(found)


def at_most(
    equations: list[Equation], shown: dict[str, Value], truth: dict[str, int], name: str
) -> Fraction | None:
    """The greatest value the hidden figure `name` can take with every sum true and no count
    below 0, or None if nothing limits it."""
    unknowns = {k for e in equations for k in e if k.startswith("?") or shown.get(k) == HIDDEN}
    group = next(
        (
            g
            for g in _apart([e for e in equations if unknowns & e.keys()], unknowns)
            if any(name in e for e in g)
        ),
        [],
    )
    columns = sorted(unknowns & {k for e in group for k in e})
    if name not in columns:
        return None
    rows = [[e.get(k, 0) for k in columns] for e in group]
    return _most(rows, [truth.get(k, 0) for k in columns], columns.index(name))


def _apart(equations: list[Equation], unknowns: set[str]) -> list[list[Equation]]:
    """The equations in groups that share no unknown: each can be solved on its own."""
    groups: list[tuple[set[str], list[Equation]]] = []
    for e in equations:
        mine = unknowns & e.keys()
        joined = [g for g in groups if g[0] & mine]
        groups = [g for g in groups if not g[0] & mine]
        groups.append(
            (mine.union(*(g[0] for g in joined)), [e, *(x for g in joined for x in g[1])])
        )
    return [g[1] for g in groups]


def _most(rows: list[list[int]], real: list[int], i: int) -> Fraction | None:
    least = _least(rows, real, i, -1)
    return None if least is None else -least


def _least(rows: list[list[int]], real: list[int], i: int, sign: int = 1) -> Fraction | None:
    """The least value of sign * unknown i with every sum true and nothing below 0, or None if
    there is none (a plain two-phase simplex, Bland's rule; the sums allow `real`)."""
    width, height = len(real), len(rows)
    table = []
    for r, row in enumerate(rows):
        rhs = sum(c * x for c, x in zip(row, real, strict=True))
        flip = -1 if rhs < 0 else 1
        table.append([Fraction(flip * c) for c in row] + [Fraction(r == k) for k in range(height)])
        table[-1].append(Fraction(flip * rhs))
    basis = list(range(width, width + height))
    _run(table, basis, [Fraction(0)] * width + [Fraction(1)] * height, width + height)
    for r in reversed(range(height)):  # what is left of phase one goes: swapped, or a spare row
        if basis[r] >= width:
            swap = next((j for j in range(width) if table[r][j]), None)
            if swap is None:
                del table[r], basis[r]
            else:
                _pivot(table, basis, r, swap)
    goal = [Fraction(sign if j == i else 0) for j in range(width + height)]
    if not _run(table, basis, goal, width):
        return None
    return sum((goal[b] * row[-1] for b, row in zip(basis, table, strict=True)), Fraction(0))


def _run(table: list[list[Fraction]], basis: list[int], cost: list[Fraction], columns: int) -> bool:
    """Minimise cost . x, entering only the first `columns` columns; False if unbounded."""
    while True:
        reduced = [
            cost[j] - sum(cost[b] * row[j] for b, row in zip(basis, table, strict=True))
            for j in range(columns)
        ]
        enter = next((j for j in range(columns) if reduced[j] < 0 and j not in basis), None)
        if enter is None:
            return True
        ratios = [
            (row[-1] / row[enter], basis[r], r) for r, row in enumerate(table) if row[enter] > 0
        ]
        if not ratios:
            return False
        _pivot(table, basis, min(ratios)[2], enter)


def _pivot(table: list[list[Fraction]], basis: list[int], r: int, enter: int) -> None:
    table[r] = [x / table[r][enter] for x in table[r]]
    for k, row in enumerate(table):
        if k != r and row[enter]:
            table[k] = [a - row[enter] * b for a, b in zip(row, table[r], strict=True)]
    basis[r] = enter


def test_the_audits_example_is_caught() -> None:
    """Riverside answers 10, rated 8 and "skipped: rating" hidden: 10 - 8 gives it away."""
    shown: dict[str, Value] = {"answers": 10, "rated": 8, "skipped rating": HIDDEN}
    equations = [{"rated": 1, "skipped rating": 1, "answers": -1}]
    assert worked_out(equations, shown, {"skipped rating": 2}) == ["skipped rating"]


def test_two_hidden_beside_a_total_are_not_caught_but_two_that_must_be_0_are() -> None:
    shown: dict[str, Value] = {"a": HIDDEN, "b": HIDDEN, "c": 9, "total": 12}
    equations = [{"a": 1, "b": 1, "c": 1, "total": -1}]
    assert worked_out(equations, shown, {"a": 2, "b": 1}) == []
    shown["c"], shown["total"] = 3, 3
    assert worked_out(equations, shown, {"a": 0, "b": 0}) == ["a", "b"]


def test_a_count_never_published_can_still_pin_a_hidden_one_by_being_at_least_0() -> None:
    """Answers are never fewer than ratings: with Riverside's answers hidden beside its 8
    ratings, 9 answers in all leave Lantern 0 or 1; 8 in all pin both."""
    shown: dict[str, Value] = {"week": 9, "riverside": HIDDEN, "lantern": HIDDEN, "rated": 8}
    equations = [
        {"riverside": 1, "lantern": 1, "week": -1},
        {"rated": 1, "?not rated": 1, "riverside": -1},
    ]
    truth = {"riverside": 8, "lantern": 1, "?not rated": 0}
    assert worked_out(equations, shown, truth) == []  # not pinned, if narrow (see suppression)
    assert worked_out(equations, shown | {"week": 8}, truth | {"lantern": 0}) == [
        "lantern",
        "riverside",
    ]
