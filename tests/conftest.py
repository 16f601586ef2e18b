"""Real parts everywhere but the edge: a real PTB Application, real handlers, a real database.

Telegram is faked at the network layer (tests/fakes), and every test runs on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL too.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings, async_database_url
from storage.models import Base
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.harness import Harness

# PTB warns about timedelta fields (e.g. RetryAfter) unless opted in; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PSEUDONYM_KEY = "test-key-" + "0" * 40
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


async def _reset_postgres(url: str) -> None:
    from storage.engine import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        names = ", ".join([*Base.metadata.tables, "alembic_version"])
        await connection.execute(text(f"DROP TABLE IF EXISTS {names} CASCADE"))
    await engine.dispose()


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for each test, migrated from nothing by Alembic."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/listening-post.db"
    assert POSTGRES_URL is not None
    url = async_database_url(POSTGRES_URL)
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
