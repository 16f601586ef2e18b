"""The week's figures as CSV for a spreadsheet: hidden counts say so in words, never the number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from digests.model import Digest, Needs, Ratings, ThemeCount
from digests.suppression import Cell
from digests.texts import digest_texts

Row = tuple[str, str, str, str]  # section, service code, service, measure; the value follows
Show = Callable[[Cell], str]


def digest_csv(digest: Digest) -> str:
    """One row per figure: week, section, service_code, service, measure, value."""
    t = digest_texts()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(t.raw["csv"]["header"])
    for (section, code, name, measure), value in _rows(digest):
        cells = [digest.week, t(f"csv.sections.{section}"), code, name, measure, value]
        writer.writerow([_inert(cell) for cell in cells])
    return out.getvalue()


def _inert(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula; service names come from a file.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _rows(d: Digest) -> Iterator[tuple[Row, str]]:
    t = digest_texts()

    def n(cell: Cell) -> str:
        return str(cell) if isinstance(cell, int) else t("suppressed", below=d.suppress_below)

    for measure, cell in (
        ("answers", d.responses), ("people", d.people),
        ("average answers, four weeks before", d.average_responses),
        ("average people, four weeks before", d.average_people),
    ):  # fmt: skip
        yield ("week", "", "", measure), n(cell)
    for g in d.groups:
        where = ("service", g.code or g.status, g.name)
        yield (*where, "answers"), n(g.responses)
        if g.ratings is not None:
            yield from (((*where, m), v) for m, v in _ratings(g.ratings, n))
        yield from (((*where, m), v) for m, v in _themes(g.themes, n, "people, "))
    yield from ((("all", "", "", m), v) for m, v in _ratings(d.all_services, n))
    for section, needs in (("no_services", d.no_services), ("unmet_needs", d.unmet_needs)):
        yield from (((section, "", "", m), v) for m, v in _needs(needs, n))
    yield from ((("languages", "", "", code), n(c)) for code, c in d.languages)
    yield from ((("skipped", "", "", question), n(c)) for question, c in d.skipped)


def _ratings(r: Ratings, show: Show) -> Iterator[tuple[str, str]]:
    withheld = digest_texts()("withheld")
    for measure, cell in (
        ("positive", r.positive), ("neither", r.neither), ("negative", r.negative),
        ("don't know", r.dont_know), ("rated", r.rated),
    ):  # fmt: skip
        yield measure, show(cell)
    for measure, value in (("% positive", r.percent_positive), ("% negative", r.percent_negative)):
        yield measure, withheld if value is None else str(value)


def _themes(themes: tuple[ThemeCount, ...], n: Show, what: str = "") -> Iterator[tuple[str, str]]:
    """Themes at a service count people; themes of needs count answers, as needs do."""
    for theme in themes:
        yield f"{what}theme: {theme.key}", n(theme.count)


def _needs(needs: Needs, n: Show) -> Iterator[tuple[str, str]]:
    if needs.people is not None:
        yield "people", n(needs.people)
    yield "answers", n(needs.answers)
    yield from _themes(needs.themes, n)
