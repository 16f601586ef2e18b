"""A digest as plain data: every count already through suppression, every text already chosen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from digests.quotes import Quote
from digests.suppression import Cell


@dataclass(frozen=True)
class ThemeCount:
    key: str
    label: str
    count: Cell  # at a service, people who mentioned the theme; in needs, answers that do


@dataclass(frozen=True)
class Ratings:
    """Friends and Family Test answers; percentages are of answers other than "don't know"."""

    positive: Cell
    neither: Cell
    negative: Cell
    dont_know: Cell
    rated: Cell
    percent_positive: int | None  # None: withheld, because a count it needs is hidden
    percent_negative: int | None


@dataclass(frozen=True)
class GroupSection:
    """One service, or the people who named none ("not_listed", "no_services", "not_said")."""

    code: str | None
    status: str
    name: str
    responses: Cell
    ratings: Ratings | None  # None where the rating question is never asked
    themes: tuple[ThemeCount, ...]
    quotes: tuple[Quote, ...]
    # Fewer people than the threshold: ratings, themes and quotes are withheld. People are not
    # counted per group in the digest, so this cannot be played off against the total.
    small: bool


@dataclass(frozen=True)
class Needs:
    """What people said they need that no service gives them."""

    people: Cell | None  # None where people are not counted
    answers: Cell
    themes: tuple[ThemeCount, ...]
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Trend:
    """Responses per group for the weeks up to this one, oldest first, for a chart."""

    weeks: tuple[str, ...]
    groups: tuple[tuple[str, tuple[Cell, ...]], ...]  # (group name, one cell per week)
    totals: tuple[Cell, ...]


@dataclass(frozen=True)
class Digest:
    week: str
    first_day: date
    last_day: date
    so_far: bool
    suppress_below: int
    responses: Cell
    people: Cell
    average_responses: Cell  # over the four weeks before, rounded
    average_people: Cell
    groups: tuple[GroupSection, ...]
    all_services: Ratings
    no_services: Needs
    unmet_needs: Needs
    new_words: tuple[str, ...]
    languages: tuple[tuple[str, Cell], ...]  # language code, answers
    skipped: tuple[tuple[str, Cell], ...]  # question, answers skipped
    quiet: tuple[str, ...]  # names of services nobody spoke about in four weeks
    trend: Trend
