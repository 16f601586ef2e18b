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
from digests.model import Digest, GroupSection, Needs, ThemeCount, Trend
from digests.quotes import Quote, choose_quotes
from digests.suppression import SUPPRESSED, Cell, Key
from digests.tables import NO_SERVICES
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
        frequent = frequent_words(((t.person, t.text) for t in written), at_least=suppress_below)
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
        self.languages = read.figures.languages
        needs = self.texts({g.group for g in self.groups}, NEED_WORDS)
        theirs = [t for t in needs if t.group == NO_SERVICES]
        self.written = tables.Written(
            Counter(t.question for t in read.written),
            len(theirs),
            self.found(needs),
            self.found(theirs) if self.no_services_shown else None,
        )

    def digest(self, last_day: date, so_far: bool) -> Digest:
        asked = [g.group for g in self.groups if g.group.service_status != "no_services"]
        # Groups of fewer than k people are left out of every rating figure, the total too:
        # hiding their rows inside the table would cost many other cells to protect.
        rated = [g for g in asked if g not in self.small]
        themes = {g: self.found_people(self.texts({g}, SERVICE_WORDS)) for g in rated}
        shown = self.publish(rated, themes)
        rows, totals = shown.trend(self.read.weekly.groups)
        four = shown[tables.FOUR_WEEKS]
        return Digest(
            self.week.label, self.week.monday, last_day, so_far, self.below,
            totals[-1], shown[("people",)],
            _small(_mean_of(four, 4), self.below) if isinstance(four, int) else four,
            shown[("people", "before")],
            tuple(self.section(g, shown, g in themes) for g in asked),
            shown.ratings(tables.ALL), self.no_services(shown), self.unmet_needs(shown),
            self.read.new_words,
            _listed(shown, {code: ("language", code) for code in sorted(self.languages)}),
            tuple((q, shown[("skipped", q)]) for q in tables.SKIPS),
            tuple(self.name(Group(code, "service")) for code in self.read.quiet),
            self.trend(rows, totals),
        )  # fmt: skip

    def publish(self, rated: list[Group], themes: Mapping[Group, Counter[str]]) -> tables.Published:
        """Every count of the digest, through suppression together."""
        read = self.read
        ledger = tables.Ledger(read.weekly, self.groups, rated)
        for g, found in themes.items():
            ledger.service_themes(g, found, self.below)
        ledger.words(self.written, self.total(lambda g: g.skipped))
        nos = next((g.people for g in self.groups if g.group == NO_SERVICES), 0)
        people = ledger.single(("people",), read.figures.people, tables.HEADLINE)
        ledger.languages({code: self.languages[code] for code in sorted(self.languages)}, people)
        ledger.single(("people", "before"), _mean(read.weekly.people[-5:-1]))
        ledger.single(("people", NO_SERVICES), nos)
        return ledger.publish(self.below)

    def section(self, group: Group, shown: tables.Published, rated: bool) -> GroupSection:
        small = group in self.small
        return GroupSection(
            group.service_code, group.service_status, self.name(group),
            shown[tables.answers(group, shown.now)],
            shown.ratings(group) if rated else None,
            self.theme_counts(shown, group) if rated else (),
            () if small else self.quotes({group}, SERVICE_WORDS), small,
        )  # fmt: skip

    @property
    def no_services_shown(self) -> bool:
        return any(g.group == NO_SERVICES for g in self.groups) and NO_SERVICES not in self.small

    def no_services(self, shown: tables.Published) -> Needs:
        key = tables.needs(NO_SERVICES)
        return Needs(
            shown[("people", NO_SERVICES)],
            shown[key],
            self.theme_counts(shown, key),
            self.quotes({NO_SERVICES}, NEED_WORDS) if self.no_services_shown else (),
        )

    def unmet_needs(self, shown: tables.Published) -> Needs:
        speaking = {g.group for g in self.groups} - self.small
        return Needs(
            None,
            shown[tables.needs(None)],
            self.theme_counts(shown, tables.needs(None)),
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

    def texts(self, groups: Collection[Group], questions: Collection[str]) -> list[WrittenText]:
        return [t for t in self.read.written if t.group in groups and t.question in questions]

    def found(self, texts: Iterable[WrittenText]) -> Counter[str]:
        """Texts per theme, for the themes mentioned, in the order of the themes file."""
        return self.in_order(self.themes.count((t.text, t.language) for t in texts))

    def found_people(self, texts: Iterable[WrittenText]) -> Counter[str]:
        """People per theme, each once however many of their texts mention it."""
        return self.in_order(self.themes.people((t.person, t.text, t.language) for t in texts))

    def in_order(self, found: Counter[str]) -> Counter[str]:
        return Counter({t.key: found[t.key] for t in self.themes.items if found[t.key]})

    def theme_counts(self, shown: tables.Published, scope: object) -> tuple[ThemeCount, ...]:
        labels = {t.key: t.label for t in self.themes.items}
        keys = {key: ("theme", scope, key) for key in labels}
        return tuple(ThemeCount(key, labels[key], cell) for key, cell in _listed(shown, keys))

    def total(self, pick: Callable[[GroupFigures], Mapping[str, int]]) -> Counter[str]:
        totals: Counter[str] = Counter()
        for g in self.groups:
            totals.update(pick(g))
        return totals

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


def _listed(shown: tables.Published, keys: Mapping[str, Key]) -> tuple[tuple[str, Cell], ...]:
    """The counts that are there or hidden (even at 0, to read like the rest): those shown
    largest first, then those hidden in the order given, since ranked by their true size they
    would say which is the larger."""
    cells = {name: shown.cells[key] for name, key in keys.items() if key in shown.cells}
    listed = [name for name, cell in cells.items() if cell != 0]
    return tuple(
        (name, cells[name])
        for name in sorted(listed, key=lambda n: (cells[n] == SUPPRESSED, -_count(cells[n])))
    )


def _count(cell: Cell) -> int:
    return cell if isinstance(cell, int) else 0


def _small(value: int, below: int) -> Cell:
    return SUPPRESSED if 0 < value < below else value


def _mean(values: list[int] | tuple[int, ...]) -> int:
    return _mean_of(sum(values), len(values)) if values else 0


def _mean_of(total: int, count: int) -> int:
    return int(total / count + 0.5)
