"""`set-webhook` and `webhook-info`: register the webhook with Telegram and show what it knows."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from telegram.error import BadRequest

from bot.app import ALLOWED_UPDATES
from bot.bot_api import plain_bot
from bot.settings import ConfigError, Settings

# Telegram's default and a sensible ceiling for a few web processes on a small database.
MAX_CONNECTIONS = 40


async def set_webhook(settings: Settings, out: Callable[[str], None]) -> None:
    """Point Telegram at WEBHOOK_URL. Safe to repeat; pending updates are kept, never dropped."""
    if settings.webhook_url is None:
        raise ConfigError("WEBHOOK_URL is required to set the webhook")
    if settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET is required to set the webhook")
    if urlsplit(settings.webhook_url).path != settings.webhook_path:
        out(f"note: WEBHOOK_URL's path is not WEBHOOK_PATH ({settings.webhook_path})")
    async with plain_bot(settings) as bot:
        try:
            await bot.set_webhook(
                url=settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
                drop_pending_updates=False,
            )
        except BadRequest as exc:  # e.g. "bad webhook: Failed to resolve host"
            raise ConfigError(f"WEBHOOK_URL was refused by the Bot API: {exc.message}") from None
    out(f"webhook set: {settings.webhook_url}")


async def webhook_info(settings: Settings, out: Callable[[str], None]) -> None:
    async with plain_bot(settings) as bot:
        info = await bot.get_webhook_info()
    out(f"url: {info.url or '(none: the bot is not using a webhook)'}")
    out(f"pending updates: {info.pending_update_count}")
    out(f"max connections: {info.max_connections}")
    out(f"allowed updates: {', '.join(info.allowed_updates or ()) or '(all)'}")
    if info.last_error_date:
        out(f"last error: {info.last_error_date.isoformat()} {info.last_error_message}")
    else:
        out("last error: none")
