"""Every setting, read once from the environment or `.env`; nothing else reads os.environ."""

from __future__ import annotations

import functools
import re
import ssl
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.services import default_services_file
from digests.mail import SmtpServer, tls_context
from digests.themes import Themes, ThemesFileError, default_themes_file, load_themes

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///listening-post.db"
DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it in one line, without its value."""


class Settings(BaseSettings):
    """What a deployer can set. Names match the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    bot_token: SecretStr
    database_url: str = DEFAULT_DATABASE_URL
    bot_api_url: str = DEFAULT_BOT_API_URL
    pseudonym_key: SecretStr | None = None
    services_file: Path = Field(default_factory=default_services_file)
    # The themes the digest counts. Read here with the other settings, so a mistake made while
    # editing it stops every command with one line, instead of a digest failing on Monday.
    themes_file: Path = Field(default_factory=default_themes_file, validate_default=True)
    timezone: Annotated[str, Field(min_length=1)] = "Europe/London"
    # Seconds to wait for a busy or unreachable database before giving up on an update (which
    # is then redelivered): SQLite's busy timeout, PostgreSQL's connect and pool timeouts.
    database_timeout: Annotated[float, Field(gt=0, le=120)] = 15
    # Messages a second to all chats together (Telegram's guidance: about 30); 0 lifts the cap,
    # for a self-hosted Bot API or a benchmark. RetryAfter from Telegram is honoured either way.
    telegram_max_rate: Annotated[float, Field(ge=0, le=1000)] = 30
    # Weekly digests (`clock`): sent on this day and local time (TIMEZONE) for the week before.
    digest_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    digest_time: str = "09:00"
    # Counts below this are shown as "fewer than N" and their percentages withheld.
    suppress_below: Annotated[int, Field(ge=2, le=100)] = 5
    # E-mail for commissioners with an address: SMTP_URL (smtp://user:password@host:587, or
    # smtps:// for TLS from the start), or the separate settings below.
    smtp_url: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "listening-post@localhost"
    # PEM certificates to trust for the SMTP server instead of the system's (a private CA).
    smtp_ca_file: Path | None = None
    # Webhook deployment (`serve`, `set-webhook`).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_path: str = "/telegram"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # Telegram tokens are "<digits>:<35ish url-safe chars>"; catching a pasted typo here
        # beats a confusing 401 from Telegram later.
        token = value.get_secret_value().strip()
        head, sep, tail = token.partition(":")
        if not (sep and head.isdigit() and len(tail) >= 20):
            raise ValueError("does not look like a token from @BotFather")
        return SecretStr(token)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("bot_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram only calls HTTPS webhooks)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()
        ):
            raise ValueError("must be 16-256 characters of letters, digits, _ and -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_/-]{0,100}", value):
            raise ValueError("must be a path such as /telegram")
        return value

    @field_validator("themes_file")
    @classmethod
    def _themes_file(cls, value: Path) -> Path:
        try:
            load_themes(value)
        except ThemesFileError as exc:
            raise ValueError(exc.reason) from None
        return value

    def themes(self) -> Themes:
        """The themes of THEMES_FILE (checked when the settings were read)."""
        try:
            return load_themes(self.themes_file)
        except ThemesFileError as exc:  # changed since the settings were read
            raise ConfigError(str(exc)) from None

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SmtpServer.from_url(value.get_secret_value(), "check")
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _ca_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                tls_context(value)
            except (OSError, ssl.SSLError):
                raise ValueError(f"cannot be read as PEM certificates: {value}") from None
        return value

    @field_validator("smtp_from")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value.strip()):
            raise ValueError("must be an e-mail address such as digest@council.example")
        return value.strip()

    def smtp_server(self) -> SmtpServer | None:
        """Where digests are e-mailed from; None when no SMTP server is set."""
        if self.smtp_url is not None:
            url = self.smtp_url.get_secret_value()
            return SmtpServer.from_url(url, self.smtp_from, self.smtp_ca_file)
        if self.smtp_host is None:
            return None
        password = self.smtp_password.get_secret_value() if self.smtp_password else None
        return SmtpServer(
            self.smtp_host, self.smtp_port, self.smtp_user, password,
            sender=self.smtp_from, ca_file=self.smtp_ca_file,
        )  # fmt: skip

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be a 24-hour time such as 09:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known time zone such as Europe/London") from exc
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def async_database_url(url: str) -> str:
    """Accept the URL spellings platforms hand out and pick the async driver for each."""
    url = url.strip()
    for prefix in (
        "postgres://",
        "postgresql://",
        "postgresql+psycopg2://",
        "postgresql+psycopg://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return url
    raise ValueError("must be a postgresql:// or sqlite:/// URL")


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings()  # type: ignore[call-arg]  # filled from the environment
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        reason = (
            "is required"
            if error["type"] == "missing"
            else error["msg"].removeprefix("Value error, ")
        )
        raise ConfigError(f"{name} {reason}") from None


@functools.cache
def get_settings() -> Settings:
    return load_settings()
