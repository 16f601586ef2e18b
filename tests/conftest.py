"""Real parts everywhere but the edge: a real PTB Application, real handlers, a real database.

Telegram is faked at the network layer (tests/fakes), and every test runs on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_application
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings, async_database_url
from storage import staff_models  # noqa: F401  (its tables are reset too)
from storage.engine import create_engine
from storage.models import Base
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.harness import Harness

# PTB warns about timedelta fields (e.g. RetryAfter) unless opted in; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PSEUDONYM_KEY = "test-key-" + "0" * 40
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        names = ", ".join([*Base.metadata.tables, "alembic_version"])
        await connection.execute(text(f"DROP TABLE IF EXISTS {names} CASCADE"))
    await engine.dispose()


def _admin(url: str, statement: str) -> None:
    """Run one statement outside any transaction, on a loop of its own (tests may hold one)."""

    async def run() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def program_logging() -> Iterator[None]:
    """Let a test run the program's own logging set-up, and undo it afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own, so parallel runs on one server don't collide."""
    assert POSTGRES_URL is not None
    server = make_url(async_database_url(POSTGRES_URL))
    name = f"listening_post_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _admin(server.render_as_string(False), f'CREATE DATABASE "{name}"')
    except DBAPIError:  # no CREATEDB right: share the given database, reset per test
        yield server.render_as_string(False)
        return
    yield server.set(database=name).render_as_string(False)
    _admin(server.render_as_string(False), f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for each test, migrated from nothing by Alembic."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/listening-post.db"
    url: str = request.getfixturevalue("postgres_url")
    await _reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        bot_token=FAKE_TOKEN,
        database_url=database_url,
        pseudonym_key=PSEUDONYM_KEY,
    )


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    opened = await open_runtime(settings, migrate=True)
    yield opened
    await opened.close()


@pytest.fixture
def telegram() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def harness(
    settings: Settings, runtime: Runtime, telegram: FakeBotApi
) -> AsyncIterator[Harness]:
    from tests.fakes.request import FakeRequest

    app = build_application(settings, runtime, request=FakeRequest(telegram))
    async with app:
        yield Harness(app, telegram, runtime)
