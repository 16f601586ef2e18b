"""Build one week's digest: read aggregates in one snapshot, suppress small numbers, pick quotes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.services import Services
from digests import tables
from digests.model import Digest, GroupSection, Needs, Ratings, ThemeCount, Trend
from digests.quotes import Quote, choose_quotes
from digests.suppression import SUPPRESSED, Cell
from digests.texts import digest_texts
from digests.themes import Themes, load_themes
from digests.weeks import Week
from digests.words import frequent_words, new_words
from storage import aggregates as store
from storage.aggregates import (
    Group,
    GroupFigures,
    QuoteCandidate,
    WeekCounts,
    WeekFigures,
    WrittenText,
)

TREND_WEEKS = 12
QUOTES_PER_GROUP = 3
SERVICE_WORDS = frozenset({"working_well", "could_be_better"})
NEED_WORDS = frozenset({"unmet_need"})
QUESTIONS = ("rating", "working_well", "could_be_better", "unmet_need", "quote_consent")
_UNLISTED = ("not_listed", "not_said", "no_services")


@dataclass(frozen=True)
class _Read:
    """Everything the digest needs from storage, read in one consistent snapshot."""

    figures: WeekFigures
    weekly: WeekCounts
    written: tuple[WrittenText, ...]
    candidates: tuple[QuoteCandidate, ...]
    quiet: tuple[str, ...]
    new_words: tuple[str, ...]


async def build_digest(
    engine: AsyncEngine,
    services: Services,
    week: Week,
    scope: Collection[str] | None = None,
    suppress_below: int = 5,
    *,
    until: datetime | None = None,
    themes: Themes | None = None,
) -> Digest:
    """The digest for `week` (up to `until`, for "this week so far") over the services in scope."""
    end = min(until, week.end) if until else week.end
    spans = [w.span for w in week.before(TREND_WEEKS - 1)] + [(week.start, end)]
    codes = [s.code for s in services.items if scope is None or s.code in scope]
    async with store.snapshot(engine) as db:
        written = await store.week_texts(db, spans[-1], scope)
        frequent = frequent_words((t.text for t in written), at_least=suppress_below)
        seen = await store.words_seen(
            db, (spans[-5][0], week.start), [w for w, _ in frequent], scope
        )
        read = _Read(
            await store.week_figures(db, spans[-1], scope),
            await store.weekly_counts(db, spans, scope),
            written,
            await store.quote_candidates(db, spans[-1], scope),
            await store.quiet_services(db, (spans[-4][0], end), codes),
            new_words(frequent, seen),
        )
    last = (end - timedelta(microseconds=1)).astimezone(ZoneInfo(week.zone)).date()
    built = _Builder(services, week, suppress_below, themes or load_themes(), read)
    return built.digest(last, so_far=end < week.end)


class _Builder:
    def __init__(self, services: Services, week: Week, below: int, themes: Themes, read: _Read):
        self.services, self.week, self.below, self.themes, self.read = (
            services, week, below, themes, read,
        )  # fmt: skip
        self.groups = sorted(read.figures.groups, key=lambda g: self.rank(g.group))
        self.small = {g.group for g in self.groups if g.people < below}
        self.unquoted = list(read.candidates)

    def digest(self, last_day: date, so_far: bool) -> Digest:
        k, read = self.below, self.read
        asked = [g.group for g in self.groups if g.group.service_status != "no_services"]
        # Groups of fewer than k people are left out of every rating figure, the total too:
        # hiding their rows inside the table would cost many other cells to protect.
        rated = [g for g in self.groups if g.group in asked and g.group not in self.small]
        rating_rows, overall = tables.ratings(rated, k)
        by_group = {g.group: r for g, r in zip(rated, rating_rows, strict=True)}
        trend_rows, trend_totals = tables.trend(read.weekly, k)
        this_week = {g: row[-1] for g, row in zip(read.weekly.groups, trend_rows, strict=True)}
        sections = tuple(self.section(g, this_week.get(g, 0), by_group.get(g)) for g in asked)
        before = trend_totals[-5:-1]
        previous = [n for n in before if isinstance(n, int)]
        averages = (
            tables.single(_mean(previous), k) if len(previous) == len(before) else SUPPRESSED,
            tables.single(_mean(read.weekly.people[-5:-1]), k),
        )
        return Digest(
            self.week.label, self.week.monday, last_day, so_far, k,
            trend_totals[-1], tables.single(read.figures.people, k), *averages,
            sections, overall, self.no_services(), self.unmet_needs(), read.new_words,
            self.tally(lambda g: g.languages, None), self.tally(lambda g: g.skipped, QUESTIONS),
            tuple(self.name(Group(code, "service")) for code in read.quiet),
            self.trend(trend_rows, trend_totals),
        )  # fmt: skip

    def section(self, group: Group, responses: Cell, ratings: Ratings | None) -> GroupSection:
        small = group in self.small
        texts = [t for t in self.read.written if t.group == group and t.question in SERVICE_WORDS]
        return GroupSection(
            group.service_code, group.service_status, self.name(group), responses, ratings,
            () if small else self.theme_counts(texts),
            () if small else self.quotes({group}, SERVICE_WORDS), small,
        )  # fmt: skip

    def no_services(self) -> Needs:
        group = Group(None, "no_services")
        found = next((g for g in self.groups if g.group == group), None)
        texts = [t for t in self.read.written if t.group == group and t.question in NEED_WORDS]
        shown = found is not None and group not in self.small
        return Needs(
            tables.single(found.people if found else 0, self.below),
            tables.single(len(texts), self.below),
            self.theme_counts(texts) if shown else (),
            self.quotes({group}, NEED_WORDS) if shown else (),
        )

    def unmet_needs(self) -> Needs:
        texts = [t for t in self.read.written if t.question in NEED_WORDS]
        speaking = {g.group for g in self.groups} - self.small
        return Needs(
            None,
            tables.single(len(texts), self.below),
            self.theme_counts(texts),
            self.quotes(speaking, NEED_WORDS),
        )

    def quotes(self, groups: Collection[Group], questions: Collection[str]) -> tuple[Quote, ...]:
        """Quotes from these groups' consenting responses; each response is quoted once at most."""
        pool = [c for c in self.unquoted if c.group in groups]
        seed = f"{self.week.label}:" + ",".join(
            sorted(g.service_code or g.service_status for g in groups)
        )
        picked = choose_quotes(pool, seed, questions, QUOTES_PER_GROUP)
        used = {id(pool[i]) for i, _ in picked}
        self.unquoted = [c for c in self.unquoted if id(c) not in used]
        return tuple(quote for _, quote in picked)

    def theme_counts(self, texts: Iterable[WrittenText]) -> tuple[ThemeCount, ...]:
        found = self.themes.count((t.text, t.language) for t in texts)
        mentioned = [t for t in self.themes.items if found[t.key]]
        cells = tables.counts([found[t.key] for t in mentioned], self.below)
        ranked = sorted(zip(mentioned, cells, strict=True), key=lambda tc: -found[tc[0].key])
        return tuple(ThemeCount(t.key, t.label, cell) for t, cell in ranked)

    def tally(
        self, pick: Callable[[GroupFigures], Mapping[str, int]], order: tuple[str, ...] | None
    ) -> tuple[tuple[str, Cell], ...]:
        totals: Counter[str] = Counter()
        for g in self.groups:
            totals.update(pick(g))
        keys = list(order) if order else sorted(totals, key=lambda key: (-totals[key], key))
        return tuple(
            zip(keys, tables.counts([totals[key] for key in keys], self.below), strict=True)
        )

    def trend(self, rows: list[tuple[Cell, ...]], totals: tuple[Cell, ...]) -> Trend:
        weeks = (*(w.label for w in self.week.before(TREND_WEEKS - 1)), self.week.label)
        named = sorted(
            zip(self.read.weekly.groups, rows, strict=True), key=lambda gr: self.rank(gr[0])
        )
        return Trend(weeks, tuple((self.name(g), row) for g, row in named), totals)

    def rank(self, group: Group) -> tuple[int, int]:
        codes = [s.code for s in self.services.items]
        if group.service_code in codes:
            return (0, codes.index(group.service_code))
        status = group.service_status
        return (1, _UNLISTED.index(status) if status in _UNLISTED else len(_UNLISTED))

    def name(self, group: Group) -> str:
        service = self.services.get(group.service_code)
        if service is not None:
            return service.name("en")
        return group.service_code or digest_texts()(f"groups.{group.service_status}")


def _mean(values: list[int] | tuple[int, ...]) -> int:
    return int(sum(values) / len(values) + 0.5) if values else 0
