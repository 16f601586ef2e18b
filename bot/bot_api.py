"""A plain Bot for commands that only ask Telegram something, and a first call to meet it."""

from __future__ import annotations

from telegram import Bot

from bot.http import AiohttpRequest
from bot.settings import Settings


def plain_bot(settings: Settings) -> Bot:
    return Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    )


async def meet(settings: Settings) -> str:
    """The bot's username (getMe). A refused token raises InvalidToken and an absent Bot API
    NetworkError, so a command that meets it first stops before it has changed anything."""
    async with plain_bot(settings) as bot:
        return bot.username
