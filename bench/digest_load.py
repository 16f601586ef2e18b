"""Seeded databases for the digest benchmark: bulk inserts, kept between runs when asked.

A database is named after everything that decides its rows, so one of the same name and answer
count is the same data and is reused instead of seeded again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import asyncpg
from sqlalchemy import URL, func, insert, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.digest_seed import ANSWER_COLUMNS, RESPONSE_COLUMNS, history, rows
from digests.weeks import Week
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import Answer, Response

SEED_VERSION = 1  # raise when digest_seed or digest_words draw different rows


@dataclass(frozen=True)
class Plan:
    end: Week  # the week measured: the last of the history
    per_week: float  # mean responses a week, the same for every table size
    answers: int

    @property
    def name(self) -> str:
        week = self.end.label.lower().replace("-", "")
        return f"bench_digest_v{SEED_VERSION}_{week}_{round(self.per_week)}_{self.answers}"

    @cached_property
    def weeks(self) -> int:
        return len(history(self.end, self.per_week, self.answers)[0])


@dataclass(frozen=True)
class Seeded:
    backend: str
    url: str  # for storage.engine.create_engine
    plan: Plan
    seconds: float | None  # None: a database seeded by an earlier run was reused


async def sqlite(directory: Path, plan: Plan) -> Seeded:
    """A SQLite file, written one transaction per batch through the app's own engine."""
    path = directory / f"{plan.name}.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        if await _holds(engine, plan):
            return Seeded("sqlite", url, plan, None)
        await engine.dispose()
        _remove(path)
        started = time.perf_counter()
        await upgrade(engine)
        for responses, answers in rows(plan.end, plan.per_week, plan.answers):
            async with engine.begin() as connection:
                await connection.execute(insert(Response), _dicts(RESPONSE_COLUMNS, responses))
                await connection.execute(insert(Answer), _dicts(ANSWER_COLUMNS, answers))
        return Seeded("sqlite", url, plan, time.perf_counter() - started)
    finally:
        await engine.dispose()


async def postgres(server: str, plan: Plan) -> Seeded:
    """A PostgreSQL database of its own, filled by COPY, then vacuumed and analysed as
    autovacuum would leave it after a bulk load."""
    url = _database(server, plan.name)
    engine = create_engine(_async(url))
    try:
        if await _holds(engine, plan):
            return Seeded("postgresql", _async(url), plan, None)
        await engine.dispose()
        await _admin(server, f'DROP DATABASE IF EXISTS "{plan.name}" WITH (FORCE)')
        await _admin(server, f'CREATE DATABASE "{plan.name}"')
        started = time.perf_counter()
        await upgrade(engine)
        copying = await asyncpg.connect(_plain(url))
        try:
            for responses, answers in rows(plan.end, plan.per_week, plan.answers):
                async with copying.transaction():
                    await copying.copy_records_to_table(
                        "responses", records=responses, columns=RESPONSE_COLUMNS
                    )
                    await copying.copy_records_to_table(
                        "answers", records=answers, columns=ANSWER_COLUMNS
                    )
            # Rows came with their ids, so move the sequences past them as inserts would have.
            await copying.execute(
                "SELECT setval(pg_get_serial_sequence('responses', 'id'), max(id)) FROM responses"
            )
            await copying.execute(
                "SELECT setval(pg_get_serial_sequence('answers', 'id'), max(id)) FROM answers"
            )
            await copying.execute("VACUUM ANALYZE responses, answers")
        finally:
            await copying.close()
        return Seeded("postgresql", _async(url), plan, time.perf_counter() - started)
    finally:
        await engine.dispose()


async def drop(seeded: Seeded, server: str | None) -> None:
    if seeded.backend == "sqlite":
        _remove(Path(make_url(seeded.url).database or ""))
    elif server is not None:
        await _admin(server, f'DROP DATABASE IF EXISTS "{seeded.plan.name}" WITH (FORCE)')


async def _holds(engine: AsyncEngine, plan: Plan) -> bool:
    """Whether the database already holds this plan's rows; brings its schema up to date."""
    try:
        async with engine.connect() as connection:
            found = (await connection.execute(select(func.count()).select_from(Answer))).scalar()
    except (DBAPIError, OSError):
        return False  # no such database, or no tables yet
    if found != plan.answers:
        return False
    await upgrade(engine)  # a kept database gets indexes added since it was seeded
    return True


def _remove(path: Path) -> None:
    """A SQLite file and its write-ahead log."""
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()


def _dicts(columns: tuple[str, ...], values: list[tuple[object, ...]]) -> list[dict[str, object]]:
    return [dict(zip(columns, row, strict=True)) for row in values]


def _database(server: str, name: str) -> URL:
    return make_url(server).set(drivername="postgresql+asyncpg", database=name)


def _async(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _plain(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server: str, statement: str) -> None:
    url = make_url(server).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def footprint(seeded: Seeded) -> tuple[int, float]:
    """Responses in the table, and megabytes the database takes with its indexes."""
    engine = create_engine(seeded.url)
    try:
        async with engine.connect() as connection:
            responses = await connection.execute(select(func.count()).select_from(Response))
            count = int(responses.scalar() or 0)
            if seeded.backend == "sqlite":
                size = "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"
            else:
                size = "SELECT pg_database_size(current_database())"
            found = (await connection.execute(text(size))).scalar()
    finally:
        await engine.dispose()
    return count, int(found or 0) / 1e6
