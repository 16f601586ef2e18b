"""A deployer's view: settings from the environment, one clear line for each mistake, exit 2."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.keys import pseudonym_key
from bot.settings import Settings, async_database_url, get_settings

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
REPO = Path(__file__).resolve().parents[1]


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_missing_token_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    result = cli(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip() == "listening-post: BOT_TOKEN is required"
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN does not look like a token from @BotFather"),
        ({"DATABASE_URL": "mysql://db/feedback"}, "DATABASE_URL must be a postgresql://"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE is not a known time zone"),
        ({"BOT_API_URL": "api.telegram.org"}, "BOT_API_URL must start with http://"),
        ({"DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, "PSEUDONYM_KEY is required with Post"),
        ({"PSEUDONYM_KEY": "short"}, "PSEUDONYM_KEY must be at least 32 characters"),
        ({"SERVICES_FILE": "/nonexistent/services.yaml"}, "SERVICES_FILE cannot be read"),
        ({"WEBHOOK_URL": "http://x.example/telegram"}, "WEBHOOK_URL must start with https://"),
        ({"WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET must be 16-256 characters"),
        ({"PORT": "eighty"}, "PORT Input should be a valid integer"),
        ({"SMTP_URL": "smtp://u:hunter2@mail:submission"}, "SMTP_URL must look like smtp://"),
        ({"SMTP_URL": "mail.council.example"}, "SMTP_URL must look like smtp://"),
        ({"SMTP_FROM": "the council"}, "SMTP_FROM must be an e-mail address"),
        ({"DIGEST_TIME": "9am"}, "DIGEST_TIME must be a 24-hour time such as 09:00"),
        ({"DIGEST_DAY": "someday"}, "DIGEST_DAY Input should be 'monday'"),
        ({"SUPPRESS_BELOW": "1"}, "SUPPRESS_BELOW Input should be greater than or equal to 2"),
    ],
)
def test_each_bad_setting_gets_one_line_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    program_logging: None,
    env: dict[str, str],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PSEUDONYM_KEY", "TEST_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ({"BOT_TOKEN": TOKEN} | env).items():
        monkeypatch.setenv(name, value)
    for command in ("run", "check"):
        get_settings.cache_clear()
        assert main([command]) == 2
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert len(lines) == 1 and named in lines[0], err
        assert TOKEN not in out + err and "hunter2" not in out + err
    get_settings.cache_clear()


def test_serve_refuses_to_start_without_a_webhook_secret(tmp_path: Path) -> None:
    result = cli(tmp_path, "serve", BOT_TOKEN=TOKEN)
    assert result.returncode == 2
    assert result.stderr.strip() == "listening-post: WEBHOOK_SECRET is required to serve a webhook"


def test_a_malformed_services_file_says_where(tmp_path: Path) -> None:
    services = tmp_path / "services.yaml"
    services.write_text("services:\n  - code: Bad Code!\n    name: {en: X}\n", encoding="utf-8")
    result = cli(tmp_path, "check", BOT_TOKEN=TOKEN, SERVICES_FILE=str(services))
    assert result.returncode == 2
    assert "services.0.code" in result.stderr and "lowercase" in result.stderr


def test_check_prints_what_it_found_on_the_embedded_default(tmp_path: Path) -> None:
    result = cli(tmp_path, "check", BOT_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "database: sqlite+aiosqlite:///listening-post.db" in out
    assert "services: 4 from" in out and "riverside-hostel" in out
    assert "language pl (Polski): complete" in out
    assert "pseudonym key: will be generated in listening-post.key" in out
    assert "database reachable: yes" in out
    assert TOKEN not in out


def test_platform_postgres_urls_use_asyncpg() -> None:
    assert async_database_url("postgres://u:p@h:5432/d") == "postgresql+asyncpg://u:p@h:5432/d"
    assert async_database_url("postgresql://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert async_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def test_without_a_key_the_embedded_default_generates_a_private_key_file_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite:///{tmp_path}/lp.db")  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        key = pseudonym_key(settings)
    path = tmp_path / "listening-post.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "generated a new key" in caplog.text and str(path) in caplog.text
    assert key.decode() not in caplog.text
    assert pseudonym_key(settings) == key  # the same key next time: people are recognised
