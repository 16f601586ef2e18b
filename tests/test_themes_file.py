"""A deployer's own themes (THEMES_FILE): `check` reports them, a mistake in them stops every
command with one line, and every digest counts them instead of the shipped ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from bot import digest_commands
from bot.cli import main
from bot.runtime import Runtime
from bot.settings import Settings, get_settings
from digests.source import DigestSource
from digests.weeks import parse_week, week_just_ended, week_so_far
from storage.staff_models import StaffMember
from tests.conftest import PSEUDONYM_KEY
from tests.fakes.bot_api import FAKE_TOKEN
from tests.fakes.server import BotApiServer
from tests.harness import Harness
from tests.processes import eventually
from tests.seeding import Seeder

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
W40 = parse_week("2026-W40")
OWN_THEMES = """\
themes:
  - key: mornings
    label: Mornings
    keywords:
      en: [breakfast*, "too early"]
      pl: [śniadani*]
  - key: noise
    label: Noise
    keywords:
      en: [noise, noisy, loud]
"""
BREAKFAST = {"could_be_better": "Breakfast ends too early"}
@pytest.fixture
def own_themes(tmp_path: Path) -> Path:
    path = tmp_path / "our-themes.yaml"
    path.write_text(OWN_THEMES, encoding="utf-8")
    return path


@pytest.fixture
def settings(database_url: str, own_themes: Path) -> Settings:
    """The suite's settings, with the deployer's own themes file (so `harness` has it too)."""
    return Settings(
        bot_token=SecretStr(FAKE_TOKEN),
        database_url=database_url,
        pseudonym_key=SecretStr(PSEUDONYM_KEY),
        themes_file=own_themes,
    )


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, program_logging: None
) -> Iterator[pytest.MonkeyPatch]:
    """A deployer's shell in an empty folder: the embedded default database, a token."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PSEUDONYM_KEY", "TEST_DATABASE_URL", "THEMES_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _words(lines: list[str]) -> str:
    return "\n".join(lines)


def test_check_reports_the_deployers_own_themes(
    environment: pytest.MonkeyPatch, own_themes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _main(capsys, "check")
    assert status == 0
    assert "themes: 11 with keywords in en, pl, from" in out  # the shipped file by default

    environment.setenv("THEMES_FILE", str(own_themes))
    status, out, err = _main(capsys, "check")
    assert status == 0, err
    assert f"themes: 2 with keywords in en, pl, from {own_themes}" in out


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("themes:\n  - key: food\n    label: Food\n    keywords: {pl: [jedzenie]}\n",
         "themes.0.keywords: every theme needs English keywords (en)"),
        ("themes: [\n", "is not valid YAML"),
        (None, "cannot be read"),
    ],
)  # fmt: skip
def test_a_broken_themes_file_stops_every_command_with_one_line_naming_it(
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    named: str,
) -> None:
    path = tmp_path / "themes.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    environment.setenv("THEMES_FILE", str(path))
    for command in ("check", "run", "clock", "digest"):
        status, out, err = _main(capsys, command)
        lines = err.strip().splitlines()
        assert status == 2 and out == "", command
        assert len(lines) == 1 and lines[0].startswith("listening-post: THEMES_FILE"), err
        assert named in lines[0] and str(path) in lines[0]
        assert TOKEN not in err


async def test_a_digest_built_with_the_settings_themes_counts_them(
    settings: Settings, runtime: Runtime
) -> None:
    await Seeder(runtime).many(6, rating="good", words=BREAKFAST, at=W40.start)
    source = DigestSource(
        runtime.engine, runtime.services, settings.timezone, 5, themes=settings.themes()
    )
    [riverside] = [g for g in (await source.week(W40)).groups if g.code == "riverside-hostel"]
    assert [(t.label, t.count) for t in riverside.themes] == [("Mornings", 6)]


async def test_listening_post_digest_counts_the_deployers_own_themes(
    environment: pytest.MonkeyPatch,
    database_url: str,
    runtime: Runtime,
    own_themes: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await Seeder(runtime).many(6, rating="good", words=BREAKFAST, at=W40.start)
    for name, value in {
        "BOT_TOKEN": FAKE_TOKEN,
        "DATABASE_URL": database_url,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
        "THEMES_FILE": str(own_themes),
    }.items():
        environment.setenv(name, value)
    # `main` runs its own event loop, so it gets a thread of its own.
    status, out, err = await asyncio.to_thread(_main, capsys, "digest", "--week", "2026-W40")
    assert status == 0, err
    assert "Themes: Mornings 6" in out and "Food" not in out


async def test_digest_in_telegram_counts_the_deployers_own_themes(harness: Harness) -> None:
    now = datetime.now(UTC)
    at = max(now - timedelta(minutes=1), week_so_far(now, "Europe/London")[0].start)  # this week
    await Seeder(harness.runtime).many(6, rating="good", words=BREAKFAST, at=at)
    commissioner = await harness.commissioner()
    words = _words([m.text or "" for m in await commissioner.command("/digest")])
    assert "Themes: Mornings 6" in words and "Food" not in words


async def test_the_clock_counts_the_deployers_own_themes(
    harness: Harness, settings: Settings
) -> None:
    now = datetime.now(UTC)
    await Seeder(harness.runtime).many(
        6, rating="good", words=BREAKFAST, at=week_just_ended(now, settings.timezone).start
    )
    commissioner = await harness.commissioner()
    async with harness.runtime.engine.begin() as connection:  # joined well before it was due
        await connection.execute(
            update(StaffMember)
            .where(StaffMember.chat_id == commissioner.chat_id)
            .values(joined_at=now - timedelta(days=30))
        )
    stop = asyncio.Event()
    async with BotApiServer(harness.telegram) as bot_api:
        # Due at midnight starting this week: already past whenever the test runs.
        due = {"bot_api_url": bot_api.base_url, "digest_day": "monday", "digest_time": "00:00"}
        clock = asyncio.create_task(digest_commands.clock(settings.model_copy(update=due), stop))
        try:
            await eventually("the weekly digest", lambda: len(commissioner.inbox()) > 1, 20)
        finally:
            stop.set()
            await clock
    words = _words([m.text or "" for m in commissioner.inbox()])
    assert "Themes: Mornings 6" in words and "Food" not in words
