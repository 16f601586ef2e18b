"""A deployer's view when what the bot talks to refuses it or is not there: one line, no token.

The real `python -m bot` runs against a Bot API on loopback that refuses the token, a port
nothing listens on, and a database that is not there, as a release or a first start meets them.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.conftest import PSEUDONYM_KEY, _reset_postgres
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.fakes.server import BotApiServer
from tests.processes import REPO, Processes, free_port

REFUSED = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"  # well formed, but not the fake's token
TELEGRAM_COMMANDS = [
    ["run"],
    ["set-webhook"],
    ["webhook-info"],
    ["clock"],
    ["invite", "commissioner"],
]
DATABASE_COMMANDS = [["migrate"], ["digest"], ["staff", "list"], ["staff", "remove", "1"]]


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(FakeBotApi()) as server:
        yield server


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[Processes]:
    started = Processes(
        tmp_path,
        {
            "PTB_TIMEDELTA": "true",
            "BOT_TOKEN": REFUSED,
            "WEBHOOK_URL": "https://feedback.example.org/telegram",
            "WEBHOOK_SECRET": "a-webhook-secret-0123456789",
        },
    )
    yield started
    await started.kill_all()


async def _said(processes: Processes, *args: str, **env: str) -> tuple[int, list[str]]:
    """Run one command to its end: its exit status and every line it printed or logged."""
    process = await processes.start(*args, name=args[0], **env)
    status = await process.exit_status()
    return status, process.log().splitlines()


@pytest.mark.parametrize("command", TELEGRAM_COMMANDS, ids=" ".join)
async def test_a_refused_token_is_one_line_naming_it_and_changes_nothing(
    processes: Processes, bot_api: BotApiServer, tmp_path: Path, command: list[str]
) -> None:
    status, lines = await _said(processes, *command, BOT_API_URL=bot_api.base_url)
    assert lines == [
        f"listening-post: BOT_TOKEN was refused by the Bot API at {bot_api.base_url} (BOT_API_URL)"
    ]
    assert status == 2
    assert REFUSED not in "\n".join(lines) and "Traceback" not in "\n".join(lines)
    assert not (tmp_path / "listening-post.db").exists()  # nor an invite stored, nor a key made
    assert not (tmp_path / "listening-post.key").exists()


@pytest.mark.parametrize("command", [["run"], ["set-webhook"], ["webhook-info"]], ids=" ".join)
async def test_a_bot_api_nobody_answers_at_is_one_line_naming_it(
    processes: Processes, command: list[str]
) -> None:
    away = f"http://127.0.0.1:{free_port()}/bot"
    status, lines = await _said(processes, *command, BOT_API_URL=away)
    # One line: no traceback, and no "Unclosed client session" after it either.
    assert lines == [f"listening-post: could not reach the Bot API at {away} (BOT_API_URL)"]
    assert status == 1


async def test_a_bot_api_address_with_a_password_is_shown_without_it(
    processes: Processes,
) -> None:
    port = free_port()
    status, lines = await _said(
        processes, "webhook-info", BOT_API_URL=f"http://relay:hunter2@127.0.0.1:{port}/bot"
    )
    assert lines == [
        f"listening-post: could not reach the Bot API at http://127.0.0.1:{port}/bot (BOT_API_URL)"
    ]
    assert status == 1


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
async def test_a_database_nobody_answers_at_is_one_line_naming_it(
    processes: Processes, bot_api: BotApiServer, command: list[str]
) -> None:
    port = free_port()
    status, lines = await _said(
        processes,
        *command,
        BOT_TOKEN=FAKE_TOKEN,
        BOT_API_URL=bot_api.base_url,
        DATABASE_URL=f"postgresql://feedback:hunter2@127.0.0.1:{port}/feedback",
        PSEUDONYM_KEY=PSEUDONYM_KEY,
    )
    shown = f"postgresql+asyncpg://feedback:***@127.0.0.1:{port}/feedback"
    assert lines == [f"listening-post: could not reach the database at {shown} (DATABASE_URL)"]
    assert status == 1


async def test_a_database_folder_that_does_not_exist_is_one_line_naming_the_key(
    processes: Processes, bot_api: BotApiServer, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder"
    status, lines = await _said(
        processes,
        "run",
        BOT_TOKEN=FAKE_TOKEN,
        BOT_API_URL=bot_api.base_url,
        DATABASE_URL=f"sqlite:///{missing}/listening-post.db",
    )
    key = missing / "listening-post.key"
    assert lines == [
        f"listening-post: PSEUDONYM_KEY is not set and {key} cannot be made "
        "(No such file or directory)"
    ]
    assert status == 2


async def test_a_malformed_themes_file_in_the_installed_package_is_one_line_and_exit_2(
    processes: Processes, tmp_path: Path
) -> None:
    # The package as installed, with its own conversations/themes.yaml edited badly.
    site = tmp_path / "site"
    site.mkdir()
    for package in ("bot", "digests", "storage"):
        (site / package).symlink_to(REPO / package)
    shutil.copytree(REPO / "conversations", site / "conversations")
    (site / "conversations" / "themes.yaml").write_text("themes: [\n", encoding="utf-8")
    status, lines = await _said(processes, "digest", PYTHONPATH=str(site))
    assert len(lines) == 1 and lines[0].startswith("listening-post: THEMES_FILE"), lines
    assert "is not valid YAML" in lines[0]
    assert status == 2


UNMIGRATED_COMMANDS = [["run"], ["serve"], ["clock"], ["digest"], ["staff", "list"],
                       ["invite", "commissioner"]]  # fmt: skip


@pytest.mark.parametrize("command", UNMIGRATED_COMMANDS, ids=" ".join)
async def test_a_database_nobody_has_migrated_stops_a_command_with_one_line_saying_so(
    processes: Processes, bot_api: BotApiServer, postgres_url: str, command: list[str]
) -> None:
    # Taking updates on it would answer each with an apology and lose it.
    await _reset_postgres(postgres_url)
    status, lines = await _said(
        processes,
        *command,
        BOT_TOKEN=FAKE_TOKEN,
        BOT_API_URL=bot_api.base_url,
        DATABASE_URL=postgres_url,
        PSEUDONYM_KEY=PSEUDONYM_KEY,
        PORT=str(free_port()),
    )
    shown = make_url(postgres_url).render_as_string(hide_password=True)
    assert lines == [
        f"listening-post: the database at {shown} (DATABASE_URL) is not migrated: "
        "run `listening-post migrate` first"
    ]
    assert status == 2
