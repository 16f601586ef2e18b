"""`listening-post digest`: a deployer prints any week's digest of every service."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.cli import main
from bot.runtime import Runtime
from bot.settings import get_settings
from digests.weeks import parse_week
from tests.conftest import PSEUDONYM_KEY
from tests.fakes.bot_api import FAKE_TOKEN
from tests.seeding import Seeder

W40 = parse_week("2026-W40")


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str, runtime: Runtime, program_logging: None
) -> None:
    for name, value in {
        "BOT_TOKEN": FAKE_TOKEN,
        "DATABASE_URL": database_url,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


async def _seed(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.many(7, rating="very_good", at=W40.start)
    await seed.many(5, "harbour-recovery", rating="poor", at=W40.start)


def _digest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["digest", *args])
    get_settings.cache_clear()
    out, err = capsys.readouterr()
    return status, out, err


async def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`main` runs its own event loop, so it gets a thread of its own here."""
    return await asyncio.to_thread(_digest, capsys, *args)


async def test_a_week_prints_as_text_html_or_csv(
    environment: None, runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    await _seed(runtime)
    status, text, _ = await _run(capsys, "--week", "2026-W40")
    assert status == 0
    assert "Listening Post: what people told us, week 2026-W40" in text
    assert "Riverside Hostel (example): 7 answers, 100% positive, 0% negative" in text
    # A reader is told why two questions' skips are missing, not left to wonder.
    assert "Skips of the experience and needs questions are not listed" in text

    status, html, _ = await _run(capsys, "--week", "2026-W40", "--format", "html")
    assert status == 0 and html.lstrip().lower().startswith("<!doctype html>")

    status, table, _ = await _run(capsys, "--week", "2026-W40", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table)))
    harbour = {r["measure"]: r["value"] for r in rows if r["service"].startswith("Harbour")}
    assert status == 0 and harbour["answers"] == "5" and harbour["negative"] == "5"


async def test_a_badly_written_week_is_one_line_and_exit_2(
    environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for week in ("47", "2026-W60"):
        status, out, err = await _run(capsys, "--week", week)
        assert status == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith("listening-post: --week")
