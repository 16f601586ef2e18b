"""Weekly figures for the digest: counts by GROUP BY, and one week's scrubbed words.

Every query first narrows responses.started_at to a range (ix_responses_started_at_service).
Nothing returned can name a person: counts, service codes and scrubbed text only, with at most a
number that tells one person's texts from another's within a single read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from storage.models import Answer, Response

Scope = Collection[str] | None  # service codes; None is every service
Span = tuple[datetime, datetime]  # [start, end) in UTC
WORDS_QUESTIONS = ("working_well", "could_be_better", "unmet_need")


@dataclass(frozen=True)
class Group:
    """What responses were about: a service, or None with service_status saying why not."""

    service_code: str | None
    service_status: str


@dataclass(frozen=True)
class GroupFigures:
    group: Group
    responses: int
    people: int
    ratings: dict[str, int]  # choice -> answers; skipped ratings are counted in `skipped`
    skipped: dict[str, int]  # question -> answers skipped


@dataclass(frozen=True)
class WeekFigures:
    responses: int
    people: int
    groups: tuple[GroupFigures, ...]
    # language -> people: each person once, in the language their latest response began in,
    # so that these add up to `people` (one person's many answers cannot make a count of 5).
    languages: dict[str, int]


@dataclass(frozen=True)
class WeekCounts:
    """Responses and distinct people in each span asked for, and responses per group in each."""

    responses: tuple[int, ...]
    people: tuple[int, ...]
    groups: dict[Group, tuple[int, ...]]


@dataclass(frozen=True)
class WrittenText:
    group: Group
    question: str
    language: str
    text: str
    # The same for every text of one person in one read, so that people can be counted; it is
    # numbered afresh each read and cannot be matched to a pseudonym or another week.
    person: int


@dataclass(frozen=True)
class QuoteCandidate:
    """The words of one response whose writer agreed to be quoted, and how they rated it."""

    group: Group
    rating: str | None
    texts: tuple[tuple[str, str], ...]  # (question, text)


@asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One consistent read, so that the figures of one digest add up to each other."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        async with connection.begin():
            yield connection


def _where(span: Span, scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [Response.started_at >= span[0], Response.started_at < span[1]]
    if scope is not None:
        # Responses about no listed service belong to every scope: they name no provider.
        in_scope = Response.service_code.in_(sorted(scope))
        conditions.append(or_(Response.service_code.is_(None), in_scope))
    return conditions


def _words(questions: Collection[str]) -> list[ColumnElement[bool]]:
    return [Answer.question.in_(sorted(questions)), ~Answer.skipped, Answer.text.is_not(None)]


_KEY = (Response.service_code, Response.service_status)
_PEOPLE = func.count(distinct(Response.pseudonym))


async def week_figures(db: AsyncConnection, span: Span, scope: Scope = None) -> WeekFigures:
    """Responses, people, ratings and skips per group; the span's totals and languages."""
    where = _where(span, scope)
    total = (await db.execute(select(func.count(), _PEOPLE).where(*where))).one()
    counts = await db.execute(select(*_KEY, func.count(), _PEOPLE).where(*where).group_by(*_KEY))
    keys = (*_KEY, Answer.question, Answer.choice, Answer.skipped)
    answers = await db.execute(
        select(*keys, func.count())
        .join(Answer, Answer.response_id == Response.id)
        .where(*where)
        .group_by(*keys)
    )
    tallies: dict[tuple[Group, str], Counter[str]] = defaultdict(Counter)
    for code, status, question, choice, skipped, n in answers:
        group = Group(code, status)
        if skipped:
            tallies[group, "skipped"][question] += n
        elif question == "rating" and choice is not None:
            tallies[group, "ratings"][choice] += n
    groups = [
        GroupFigures(g, n, people, *(dict(tallies[g, kind]) for kind in ("ratings", "skipped")))
        for g, n, people in sorted(
            ((Group(c, s), n, p) for c, s, n, p in counts), key=lambda row: order(row[0])
        )
    ]
    return WeekFigures(total[0], total[1], tuple(groups), await _languages(db, where))


async def _languages(db: AsyncConnection, where: list[ColumnElement[bool]]) -> dict[str, int]:
    """People per language, each counted once: by the latest of their responses in `where`."""
    latest = func.row_number().over(
        partition_by=Response.pseudonym, order_by=(Response.started_at.desc(), Response.id.desc())
    )
    rows = select(Response.language, latest.label("n")).where(*where).subquery()
    found = await db.execute(
        select(rows.c.language, func.count()).where(rows.c.n == 1).group_by(rows.c.language)
    )
    return {language: n for language, n in found}


def order(group: Group) -> tuple[str, str]:
    """A stable order for groups when nothing better is known."""
    return (group.service_status, group.service_code or "")


async def weekly_counts(
    db: AsyncConnection, spans: Sequence[Span], scope: Scope = None
) -> WeekCounts:
    """Responses and people per span, and responses per group per span, in two GROUP BYs."""
    week = case(
        *[
            (and_(Response.started_at >= s, Response.started_at < e), i)
            for i, (s, e) in enumerate(spans)
        ],
        else_=literal(-1),
    )
    where = _where((min(s for s, _ in spans), max(e for _, e in spans)), scope)
    rows = select(week.label("week"), *_KEY, Response.pseudonym).where(*where).subquery()
    totals = await db.execute(
        select(rows.c.week, func.count(), func.count(distinct(rows.c.pseudonym))).group_by(
            rows.c.week
        )
    )
    found = {w: (n, p) for w, n, p in totals}
    keys = (rows.c.week, rows.c.service_code, rows.c.service_status)
    per_group: dict[Group, list[int]] = defaultdict(lambda: [0] * len(spans))
    for w, code, status, n in await db.execute(select(*keys, func.count()).group_by(*keys)):
        if w >= 0:
            per_group[Group(code, status)][w] = n
    empty = (0, 0)
    return WeekCounts(
        tuple(found.get(i, empty)[0] for i in range(len(spans))),
        tuple(found.get(i, empty)[1] for i in range(len(spans))),
        {g: tuple(per_group[g]) for g in sorted(per_group, key=order)},
    )


async def week_texts(
    db: AsyncConnection,
    span: Span,
    scope: Scope = None,
    questions: Collection[str] = WORDS_QUESTIONS,
) -> tuple[WrittenText, ...]:
    """The scrubbed words written in one span, to count themes and words in (bounded to it)."""
    result = await db.execute(
        select(*_KEY, Answer.question, Answer.language, Answer.text, Response.pseudonym)
        .join(Answer, Answer.response_id == Response.id)
        .where(*_where(span, scope), *_words(questions))
        .order_by(Response.id, Answer.question)
    )
    people: dict[str, int] = {}
    return tuple(
        WrittenText(Group(c, s), q, lang, text or "", people.setdefault(who, len(people)))
        for c, s, q, lang, text, who in result
    )


async def quote_candidates(
    db: AsyncConnection, span: Span, scope: Scope = None
) -> tuple[QuoteCandidate, ...]:
    """The words of responses whose writers agreed to be quoted, with the rating beside them."""
    rating = aliased(Answer)
    rated = and_(rating.response_id == Response.id, rating.question == "rating", ~rating.skipped)
    result = await db.execute(
        select(Response.id, *_KEY, rating.choice, Answer.question, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .outerjoin(rating, rated)
        .where(*_where(span, scope), Response.quote_consent.is_(True), *_words(WORDS_QUESTIONS))
        .order_by(Response.id, Answer.question)
    )
    candidates = []
    # The response id only keeps one response's words together; it is not handed back.
    for _, group in groupby(result, key=lambda row: row[0]):
        rows = list(group)
        texts = tuple((row[4], row[5] or "") for row in rows)
        candidates.append(QuoteCandidate(Group(rows[0][1], rows[0][2]), rows[0][3], texts))
    return tuple(candidates)


async def words_seen(
    db: AsyncConnection, span: Span, words: Sequence[str], scope: Scope = None
) -> dict[str, int]:
    """How many texts in the span contain each word (letters only), counted in one pass."""
    if not all(word.isalpha() for word in words):
        raise ValueError("words_seen takes words made of letters only")  # no LIKE wildcards
    text: Any = Answer.text
    # SQLite's lower() folds ASCII only, so also look for the word as it starts a sentence.
    found = [or_(func.lower(text).like(f"%{w}%"), text.like(f"%{w.capitalize()}%")) for w in words]
    columns = [func.coalesce(func.sum(case((f, 1), else_=0)), 0) for f in found]
    if not columns:
        return {}
    query = select(*columns).select_from(Response).join(Answer, Answer.response_id == Response.id)
    row = (await db.execute(query.where(*_where(span, scope), *_words(WORDS_QUESTIONS)))).one()
    return {w: int(n) for w, n in zip(words, row, strict=True)}


async def quiet_services(db: AsyncConnection, span: Span, codes: Sequence[str]) -> tuple[str, ...]:
    """The codes, of those given, that no response in the span was about."""
    heard = await db.execute(
        select(Response.service_code)
        .where(*_where(span, None), Response.service_code.in_(list(codes)))
        .distinct()
    )
    found = {code for (code,) in heard}
    return tuple(code for code in codes if code not in found)
