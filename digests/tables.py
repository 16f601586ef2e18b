"""One week's published counts as one web of sums, so that each is hidden or shown once.

Suppressing table by table let a hidden count be worked out across tables. Here every count the
digest publishes goes in with the sums a reader could do with it, and digests.suppression sees
them all at once:

- each group's answers in a week add up to the week's (the chart and the headline), and the
  four weeks before to the total their average is taken from;
- a service's positive, neither, negative and "don't know" add up to its ratings, and these with
  the answers that gave none (never published) to its answers; each column adds up to the
  services together;
- needs, and each theme in them, of people who don't use services and of everyone else add up
  to all needs; needs are part of the answers, as skips and words are for the words questions;
- the people in each language add up to the week's people: each is counted in one language;
- the people who mentioned a theme at a service are never more than its answers (each of
  them gave one at least).

How many people stopped before a question is never published; a reader may guess that nobody
did, and is right when nobody did, so then the sums through it are theirs to do. Other counts
(people in the weeks before, people who don't use services) stand alone. Skips of the rating
and needs questions are not published at all: answers less ratings, and answers less needs,
give them (with those who stopped), so "fewer than 5" could not be kept without hiding ratings
or answers beside it. That difference is left to be worked out: it is of people who said
nothing, not of what anyone said.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from digests.model import Ratings
from digests.suppression import SUPPRESSED, Cell, Figures, Key, protect
from storage.aggregates import Group, GroupFigures, WeekCounts

# The Friends and Family Test's own groups: fewer, larger cells than the six answers.
RATING_GROUPS = {
    "positive": ("very_good", "good"),
    "neither": ("neither",),
    "negative": ("poor", "very_poor"),
    "dont_know": ("dont_know",),
}
ALL: Final = "all services"
NO_SERVICES = Group(None, "no_services")
WORDS = ("working_well", "could_be_better", "unmet_need")
SKIPS = ("working_well", "could_be_better", "quote_consent")  # those whose answers stay unknown
# What a reader loses when a count is hidden, on top of its size (see digests.suppression).
HEADLINE, AVERAGE, SERVICE, TOGETHER, DETAIL = 1000, 200, 60, 40, 0
FOUR_WEEKS: Final[Key] = ("answers", "four weeks before")


def answers(group: Group | None, week: int) -> Key:
    """A group's answers in the week numbered `week` of the trend, or every group's (None)."""
    return ("answers", group, week)


def needs(group: Group | None) -> Key:
    return ("needs", group)


@dataclass(frozen=True)
class Written:
    """How many answers had words this week, and which needs' themes they mention."""

    texts: Mapping[str, int]  # question -> answers with words for it
    needs_no_services: int  # of the needs, those of people who don't use services
    need_themes: Mapping[str, int]
    no_services_themes: Mapping[str, int] | None  # None where that group is not shown


class Ledger:
    """Every count one week's digest publishes, tied by the sums a reader could do with them."""

    def __init__(self, weekly: WeekCounts, groups: Sequence[GroupFigures], rated: Sequence[Group]):
        self.figures, self.now = Figures(), len(weekly.responses) - 1
        self.weekly, self.rated = weekly, list(rated)
        self._trend()
        by_group = {g.group: g for g in groups}
        self._ratings([by_group[g] for g in self.rated])

    def single(self, key: Key, value: int, cost: int = DETAIL) -> Key:
        """A count with no sum published beside it."""
        return self.figures.add(key, value, cost)

    def publish(self, below: int) -> Published:
        return Published(protect(self.figures, below), self.now)

    def _trend(self) -> None:
        f, now, weekly = self.figures, self.now, self.weekly
        for group, row in weekly.groups.items():
            for week, n in enumerate(row):
                f.add(answers(group, week), n, SERVICE if week == now else DETAIL)
        for week, n in enumerate(weekly.responses):
            total = f.add(answers(None, week), n, HEADLINE) if week == now else None
            total = total or f.unknown(answers(None, week), n)  # earlier weeks' are not shown
            f.add_up((answers(g, week) for g in weekly.groups), total)
        before = range(max(0, now - 4), now)
        f.add(FOUR_WEEKS, sum(weekly.responses[w] for w in before), AVERAGE)
        f.add_up((answers(None, w) for w in before), FOUR_WEEKS)

    def _ratings(self, groups: Sequence[GroupFigures]) -> None:
        f = self.figures
        for g in groups:
            cells = [
                f.add(("rating", g.group, c), sum(g.ratings.get(x, 0) for x in choices), SERVICE)
                for c, choices in RATING_GROUPS.items()
            ]
            rated = f.add(("rated", g.group), sum(f.values[c] for c in cells), SERVICE + 1)
            f.add_up(cells, rated)
            none = f.unknown(("not rated", g.group), g.responses - f.values[rated])
            f.add_up((rated, none), answers(g.group, self.now))
        for c in RATING_GROUPS:
            parts: list[Key] = [("rating", g.group, c) for g in groups]
            f.add(("rating", ALL, c), sum(f.values[p] for p in parts), TOGETHER)
            f.add_up(parts, ("rating", ALL, c))
        together: list[Key] = [("rating", ALL, c) for c in RATING_GROUPS]
        f.add(("rated", ALL), sum(f.values[p] for p in together), TOGETHER + 1)
        f.add_up(together, ("rated", ALL))

    def service_themes(self, group: Group, found: Mapping[str, int], below: int) -> None:
        """People per theme at a service: each gave one of its answers, so never more than they.

        Only a theme of `below` people or more gets that line. A smaller one is hidden, and its
        line, with the rest unknown too, would tell a reader only that answers are at least 0;
        nor would it protect the theme more, as the most it could be is the service's answers,
        never fewer than the `below` people a service needs for its themes to be shown. Leaving
        those lines out keeps the sums small enough to build a digest in a fraction of a second.
        """
        f, every = self.figures, answers(group, self.now)
        for theme, n in found.items():
            mine = f.add(("theme", group, theme), n, DETAIL)
            if n >= below:
                rest = f.unknown(("theme", "not", group, theme), f.values[every] - n)
                f.add_up((mine, rest), every)

    def words(self, written: Written, skipped: Mapping[str, int]) -> None:
        """Skips and needs, each with the answers it is part of."""
        f, total = self.figures, answers(None, self.now)
        for question in SKIPS:
            f.add(("skipped", question), skipped.get(question, 0), DETAIL)
        for question in WORDS[:2]:
            wrote = f.unknown(("wrote", question), written.texts.get(question, 0))
            parts = [wrote, ("skipped", question), *self._not_asked(1)]
            self._reached(parts, [total], ("stopped", question))
        # Skips of the needs question are not published, so what is left of the answers is not
        # known to a reader: it only says that needs are never more than answers.
        every = f.add(needs(None), written.texts.get("unmet_need", 0), TOGETHER)
        f.add_up((every, f.unknown(("no need", ALL), f.values[total] - f.values[every])), total)
        theirs = f.add(needs(NO_SERVICES), written.needs_no_services, TOGETHER)
        others = f.unknown(("needs", "others"), f.values[every] - f.values[theirs])
        f.add_up((theirs, others), every)
        if NO_SERVICES in self.weekly.groups:
            nos = answers(NO_SERVICES, self.now)
            rest = f.unknown(("no need", NO_SERVICES), f.values[nos] - f.values[theirs])
            f.add_up((theirs, rest), nos)
        shown = written.no_services_themes
        for theme, n in written.need_themes.items():
            all_of = f.add(("theme", needs(None), theme), n, DETAIL)
            if shown is not None:
                mine = f.add(("theme", needs(NO_SERVICES), theme), shown.get(theme, 0), DETAIL)
                others = f.unknown(("theme", "others", theme), n - f.values[mine], guard=True)
                f.add_up((mine, others), all_of)

    def languages(self, counts: Mapping[str, int], people: Key) -> list[Key]:
        """People per language: each person is counted in one, so they add up to `people`."""
        keys = [self.figures.add(("language", code), n, DETAIL) for code, n in counts.items()]
        if keys:
            self.figures.add_up(keys, people)
        return keys

    def _not_asked(self, times: int) -> list[Key]:
        """People who don't use services are not asked about a service: `times` questions."""
        return [answers(NO_SERVICES, self.now)] * times if NO_SERVICES in self.weekly.groups else []

    def _reached(self, parts: list[Key], whole: list[Key], stopped: Key) -> None:
        """The answers to a question (`parts`) are those that reached it (`whole`), less those
        that stopped before. Nobody is told how many stopped, but a reader may guess that
        nobody did, and is right when nobody did: then the sum is theirs to do."""
        f = self.figures
        left = sum(f.values[k] for k in whole) - sum(f.values[k] for k in parts)
        if left >= 0:  # always, for answers given through the conversation
            rest = f.know(stopped, 0) if left == 0 else f.unknown(stopped, left)
            f.balance([*parts, rest], whole)


@dataclass(frozen=True)
class Published:
    """The figures as the digest shows them."""

    cells: Mapping[Key, Cell]
    now: int

    def __getitem__(self, key: Key) -> Cell:
        return self.cells[key]

    def ratings(self, group: Group | str) -> Ratings:
        positive, neither, negative, dont_know = (self[("rating", group, c)] for c in RATING_GROUPS)
        rated = self[("rated", group)]
        return Ratings(
            positive, neither, negative, dont_know, rated,
            percent(positive, rated, dont_know), percent(negative, rated, dont_know),
        )  # fmt: skip

    def trend(self, groups: Collection[Group]) -> tuple[list[tuple[Cell, ...]], tuple[Cell, ...]]:
        """Each group's answers week by week, and each week's total where it can be shown."""
        rows = [tuple(self[answers(g, w)] for w in range(self.now + 1)) for g in groups]
        totals = [sum(c for c in col if isinstance(c, int)) for col in zip(*rows, strict=True)]
        shown: list[Cell] = [
            SUPPRESSED if SUPPRESSED in col else total
            for col, total in zip(zip(*rows, strict=True), totals, strict=True)
        ] or [0] * (self.now + 1)
        shown[-1] = self[answers(None, self.now)]
        return rows, tuple(shown)


def percent(part: Cell, rated: Cell, dont_know: Cell) -> int | None:
    """Part of the answers other than "don't know", rounded half up; None if any is hidden."""
    if SUPPRESSED in (part, rated, dont_know):
        return None
    assert isinstance(part, int) and isinstance(rated, int) and isinstance(dont_know, int)
    base = rated - dont_know
    return int(100 * part / base + 0.5) if base > 0 else None
