"""A digest laid out once as headed sections of styled text, for every renderer to draw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from digests.model import Digest, GroupSection, Needs, Ratings, ThemeCount
from digests.quotes import Quote
from digests.suppression import Cell
from digests.texts import Texts, digest_texts


@dataclass(frozen=True)
class Span:
    text: str  # plain text: renderers escape it
    style: str = ""  # "", "b" (bold) or "i" (italic)


Line = tuple[Span, ...]
Paragraph = tuple[Line, ...]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footer: tuple[str, ...]


def layout(digest: Digest) -> Document:
    """The digest in the words of digest_texts.yaml."""
    return _Layout(digest, digest_texts()).document()


def _say(text: str) -> Paragraph:
    return ((Span(text),),)


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


class _Layout:
    def __init__(self, digest: Digest, texts: Texts) -> None:
        self.d, self.t = digest, texts
        self.names = {(g.code, g.status): g.name for g in digest.groups}

    def n(self, cell: Cell) -> str:
        return (
            str(cell)
            if isinstance(cell, int)
            else self.t("suppressed", below=self.d.suppress_below)
        )

    def percent(self, value: int | None, what: str) -> str:
        what = self.t(f"services.{what}")
        if value is None:
            return self.t("services.withheld", what=what)
        return self.t("services.percent", n=value, what=what)

    def document(self) -> Document:
        d, t = self.d, self.t
        period = "period_so_far" if d.so_far else "period"
        return Document(
            t("title", week=d.week),
            t(period, first=_day(d.first_day), last=_day(d.last_day)),
            (
                self.headline(), self.services(),
                self.needs("no_services", d.no_services), self.needs("unmet_needs", d.unmet_needs),
                self.listing("new_words", d.new_words, words=", ".join(d.new_words)),
                self.counted("languages", d.languages, self.language),
                self.counted("skipped", d.skipped, lambda q: t(f"skipped.questions.{q}")),
                self.listing("quiet", d.quiet, names=", ".join(d.quiet)),
            ),
            tuple(t.many("footer", below=d.suppress_below)),
        )  # fmt: skip

    def headline(self) -> Section:
        d, t = self.d, self.t
        now = t("headline.text", responses=self.n(d.responses), people=self.n(d.people))
        before = t(
            "headline.before",
            responses=self.n(d.average_responses),
            people=self.n(d.average_people),
        )
        return Section(t("headline.heading"), (((Span(now),), (Span(before),)),))

    def services(self) -> Section:
        paragraphs = [self.group(g) for g in self.d.groups]
        all_rated = self.d.all_services
        if all_rated.rated != 0:
            paragraphs.append(_say(self.t("services.all", **self.rating_values(all_rated))))
        if not paragraphs:
            paragraphs.append(_say(self.t("services.none")))
        return Section(self.t("services.heading"), tuple(paragraphs))

    def rating_values(self, ratings: Ratings) -> dict[str, str]:
        return {
            "positive": self.percent(ratings.percent_positive, "positive"),
            "negative": self.percent(ratings.percent_negative, "negative"),
            "rated": self.n(ratings.rated),
        }

    def group(self, g: GroupSection) -> Paragraph:
        values = {"responses": self.n(g.responses), "below": self.d.suppress_below}
        if g.small:
            key = "services.small"
        elif g.ratings is None or g.ratings.rated == 0:
            key = "services.unrated"
        else:
            key, values = "services.line", {**values, **self.rating_values(g.ratings)}
        lines: list[Line] = [(Span(g.name, "b"), Span(self.t(key, **values)))]
        if g.themes:
            lines.append((Span(self.t("services.themes", themes=self.themes(g.themes))),))
        lines += [self.quote(q, self.t(f"quotes.{q.feeling}")) for q in g.quotes]
        return tuple(lines)

    def needs(self, key: str, needs: Needs) -> Section:
        values = {"answers": self.n(needs.answers), "people": self.n(needs.people or 0)}
        heard = needs.people if needs.people is not None else needs.answers
        lines: list[Line] = [(Span(self.t(f"{key}.text" if heard else f"{key}.none", **values)),)]
        if needs.themes:
            lines.append((Span(self.t("needs_themes", themes=self.themes(needs.themes))),))
        lines += [
            self.quote(q, self.source(q) if key == "unmet_needs" else "") for q in needs.quotes
        ]
        return Section(self.t(f"{key}.heading"), (tuple(lines),))

    def themes(self, themes: tuple[ThemeCount, ...]) -> str:
        return ", ".join(
            self.t("services.theme", label=c.label, count=self.n(c.count)) for c in themes
        )

    def source(self, quote: Quote) -> str:
        if quote.group.service_status == "no_services":
            return self.t("quotes.from_no_services")
        name = self.names.get((quote.group.service_code, quote.group.service_status))
        return self.t("quotes.from", name=name) if name else ""

    def quote(self, quote: Quote, about: str) -> Line:
        words = Span(f"“{quote.text}”", "i")
        return (words, Span(f" ({about})")) if about else (words,)

    def listing(self, key: str, items: tuple[str, ...], **values: object) -> Section:
        text = self.t(f"{key}.text", below=self.d.suppress_below, **values) if items else None
        return Section(self.t(f"{key}.heading"), (_say(text or self.t(f"{key}.none")),))

    def counted(
        self, key: str, items: tuple[tuple[str, Cell], ...], label: Callable[[str], str]
    ) -> Section:
        shown = [
            self.t(f"{key}.item", language=label(k), question=label(k), count=self.n(c))
            for k, c in items
        ]
        text = ", ".join(shown) if shown else self.t("languages.none")
        # A section may say what it leaves out, and why (skipped: what suppression keeps back).
        note = (_say(self.t(f"{key}.note")),) if self.t.has(f"{key}.note") else ()
        return Section(self.t(f"{key}.heading"), (_say(text), *note))

    def language(self, code: str) -> str:
        key = f"languages.names.{code}"
        return self.t(key) if self.t.has(key) else code
