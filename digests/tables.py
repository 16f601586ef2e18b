"""Turn the week's aggregates into published figures, each table through suppression once."""

from __future__ import annotations

from collections.abc import Sequence

from digests.model import Ratings
from digests.suppression import SUPPRESSED, Cell, Table, suppress
from storage.aggregates import GroupFigures, WeekCounts

# The Friends and Family Test's own groups: fewer, larger cells than the six answers.
RATING_GROUPS = {
    "positive": ("very_good", "good"),
    "neither": ("neither",),
    "negative": ("poor", "very_poor"),
    "dont_know": ("dont_know",),
}


def ratings(groups: Sequence[GroupFigures], below: int) -> tuple[list[Ratings], Ratings]:
    """Ratings per group, and for the groups together (the table's column totals)."""
    if not groups:
        return [], _ratings((0, 0, 0, 0), 0)
    cells = tuple(
        tuple(sum(g.ratings.get(c, 0) for c in choices) for choices in RATING_GROUPS.values())
        for g in groups
    )
    columns = tuple(sum(column) for column in zip(*cells, strict=True))
    shown = suppress(Table(cells, tuple(map(sum, cells)), columns, sum(columns)), below)
    assert shown.row_totals is not None and shown.column_totals is not None
    rows = [_ratings(row, total) for row, total in zip(shown.cells, shown.row_totals, strict=True)]
    return rows, _ratings(shown.column_totals, shown.grand_total)


def _ratings(cells: Sequence[Cell], rated: Cell | None) -> Ratings:
    positive, neither, negative, dont_know = cells
    total = rated if rated is not None else SUPPRESSED
    return Ratings(
        positive, neither, negative, dont_know, total,
        percent(positive, total, dont_know), percent(negative, total, dont_know),
    )  # fmt: skip


def percent(part: Cell, rated: Cell, dont_know: Cell) -> int | None:
    """Part of the answers other than "don't know", rounded half up; None if any is hidden."""
    if SUPPRESSED in (part, rated, dont_know):
        return None
    assert isinstance(part, int) and isinstance(rated, int) and isinstance(dont_know, int)
    base = rated - dont_know
    return int(100 * part / base + 0.5) if base > 0 else None


def counts(values: Sequence[int], below: int) -> list[Cell]:
    """Counts with no total published beside them, so only the small ones are hidden."""
    return [single(value, below) for value in values]


def trend(weekly: WeekCounts, below: int) -> tuple[list[tuple[Cell, ...]], tuple[Cell, ...]]:
    """Responses per group per week, with each week's total, as one table."""
    rows = tuple(weekly.groups.values())
    if not rows:
        return [], tuple(weekly.responses)
    shown = suppress(Table(rows, column_totals=weekly.responses), below)
    return list(shown.cells), shown.column_totals or ()


def single(value: int, below: int) -> Cell:
    """One count on its own: hidden if small (a zero is shown; it is nobody)."""
    return SUPPRESSED if 0 < value < below else value
