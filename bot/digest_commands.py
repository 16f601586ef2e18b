"""`listening-post clock` (weekly digests to commissioners) and `digest` (print one week)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import Forbidden, NetworkError
from telegram.ext import AIORateLimiter, ExtBot

from bot.clock import Channel, Undeliverable, run_clock
from bot.http import AiohttpRequest
from bot.runtime import require_migrated
from bot.settings import ConfigError, Settings
from conversations.services import load_services
from digests.csv_export import digest_csv
from digests.deliver import send_by_email, send_by_telegram
from digests.mail import SmtpServer
from digests.model import Digest
from digests.render import email_html, plain_text
from digests.source import DigestSource
from digests.weeks import Week, parse_week
from storage.deliveries import Deliveries
from storage.engine import create_engine
from storage.migrate import require_current, upgrade
from storage.staff import Staff, StaffRepository

log = logging.getLogger("listening_post")

FORMATS: dict[str, Callable[[Digest], str]] = {
    "text": plain_text,
    "html": email_html,
    "csv": digest_csv,
}


async def clock(settings: Settings, stop: asyncio.Event) -> None:
    """Send each commissioner the week's digest once, on time or as soon as the clock is back."""
    engine = create_engine(settings.database_url, settings.database_timeout)
    bot: ExtBot[Any] = ExtBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
        rate_limiter=AIORateLimiter(max_retries=3),  # waits out Telegram's RetryAfter
    )
    try:
        services = load_services(settings.services_file)
        channels = delivery_channels(bot, settings.smtp_server())
        await _meet_telegram(bot)  # before migrating: a refused token stops the clock unchanged
        if settings.is_sqlite:
            await upgrade(engine)
        else:
            await require_migrated(engine)
        source = DigestSource(
            engine, services, settings.timezone, settings.suppress_below, settings.themes()
        )

        async def build(member: Staff, week: Week) -> Digest:
            return await source.week(week, member.services)

        log.info(
            "the clock is running: digests go out %s at %s (%s)%s",
            settings.digest_day.capitalize(), settings.digest_time, settings.timezone,
            ", by Telegram and e-mail" if "email" in channels else ", by Telegram",
        )  # fmt: skip
        await run_clock(
            settings, StaffRepository(engine), Deliveries(engine), build, channels, stop
        )
    finally:
        await bot.shutdown()  # does nothing if it never started
        await engine.dispose()
    log.info("stopped")


async def _meet_telegram(bot: ExtBot[Any]) -> None:
    """A refused token stops the clock at once (InvalidToken: the CLI says so in one line); a
    Telegram that is away is tried at each check."""
    try:
        await bot.initialize()
    except NetworkError as exc:
        log.warning("Telegram is not answering (%s); will try at each check", type(exc).__name__)


def delivery_channels(bot: ExtBot[Any], smtp: SmtpServer | None) -> dict[str, Channel]:
    async def telegram(member: Staff, digest: Digest) -> None:
        try:
            await bot.initialize()  # does nothing once it has worked
            await send_by_telegram(bot, member.chat_id, digest)
        except Forbidden as exc:
            raise Undeliverable("they have blocked the bot") from exc

    channels: dict[str, Channel] = {"telegram": telegram}
    if smtp is not None:

        async def email(member: Staff, digest: Digest) -> None:
            if member.email:
                await send_by_email(smtp, member.email, digest)

        channels["email"] = email
    return channels


async def print_digest(
    settings: Settings, week: str | None, form: str, out: Callable[[str], None]
) -> None:
    """One week's digest over every service, as text, HTML or CSV (the week just ended if none)."""
    try:
        chosen = parse_week(week, settings.timezone) if week else None
    except ValueError as exc:
        raise ConfigError(f"--week: {exc}") from None
    engine = create_engine(settings.database_url, settings.database_timeout)
    try:
        if settings.is_sqlite:
            await upgrade(engine)
        else:
            await require_current(engine)  # one-off: a database that is away stops it too
        source = DigestSource(
            engine, load_services(settings.services_file), settings.timezone,
            settings.suppress_below, settings.themes(),
        )  # fmt: skip
        digest = await (source.week(chosen) if chosen else source.last_week())
    finally:
        await engine.dispose()
    out(FORMATS[form](digest))
