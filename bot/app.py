"""Build the python-telegram-bot Application and register every handler, in order, in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.http import AiohttpRequest
from bot.runtime import Runtime
from bot.settings import Settings
from conversations import digest_command, guards, handlers
from conversations.context import BotData, Context, Deps, LPApplication
from conversations.flow import COMMANDS
from conversations.walk import Walker
from digests.source import DigestSource
from storage.repository import StorageUnavailable
from storage.staff import StaffRepository

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
KEEP_PROCESSED = timedelta(hours=48)
PRUNE_EVERY = timedelta(hours=1)
PRUNE_FIRST = timedelta(seconds=30)

log = logging.getLogger(__name__)


class ListeningPostApplication(Application):  # type: ignore[type-arg]
    """An Application whose process_update raises when the update's work was not committed,
    or its replies not sent (one of guards.UNFINISHED).

    PTB hands handler errors to error handlers and returns normally; the poller and the webhook
    need to know, so they can leave the update unacknowledged and have it delivered again.
    """

    async def process_update(self, update: object) -> None:
        failures: list[Exception] = []
        token = guards.unfinished.set(failures)
        try:
            await super().process_update(update)
        finally:
            guards.unfinished.reset(token)
        if failures:
            raise failures[0]


def build_application(
    settings: Settings,
    runtime: Runtime,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> LPApplication:
    builder: Any = (
        ApplicationBuilder()
        .application_class(ListeningPostApplication)
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3))
        .updater(None)  # updates arrive through our own poller or webhook, acked after commit
    )
    # Tests put their network-layer stand-in for Telegram here; production talks over aiohttp.
    builder = builder.request(request or AiohttpRequest())
    builder = builder.get_updates_request(updates_request or AiohttpRequest())
    app: LPApplication = builder.build()
    app.bot_data.deps = Deps(
        repo=runtime.repo,
        walker=Walker(runtime.book, runtime.services),
        pseudonyms=runtime.pseudonyms,
        staff=StaffRepository(runtime.engine),
        digests=DigestSource(
            runtime.engine,
            runtime.services,
            settings.timezone,
            settings.suppress_below,
            settings.themes(),
        ),
    )
    register_handlers(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(prune_processed, interval=PRUNE_EVERY, first=PRUNE_FIRST)
    return app


async def prune_processed(context: Context) -> None:
    """Forget update ids older than Telegram would ever redeliver (it gives up within a day)."""
    try:
        await context.deps.repo.prune_processed(KEEP_PROCESSED)
    except StorageUnavailable:
        log.warning("could not prune processed updates; will try again later")


def register_handlers(app: LPApplication) -> None:
    private = filters.ChatType.PRIVATE
    # Group -1 runs first: the bot leaves groups before any feedback handler sees a message.
    app.add_handler(ChatMemberHandler(guards.membership, ChatMemberHandler.MY_CHAT_MEMBER), -1)
    app.add_handler(MessageHandler(~private, guards.leave_group), -1)

    # Group 0, first match wins, so order matters: edits and forwards before commands and text,
    # known commands before the unknown-command catch-all, media last.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    app.add_handler(MessageHandler(filters.FORWARDED, handlers.forwarded))
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help_))
    app.add_handler(CommandHandler("stop", handlers.stop))
    app.add_handler(CommandHandler("language", handlers.language))
    app.add_handler(CommandHandler("forget", handlers.forget))
    app.add_handler(CommandHandler("join", handlers.join))
    app.add_handler(CommandHandler("digest", digest_command.digest))
    app.add_handler(CallbackQueryHandler(handlers.answer_button, pattern=r"^q:"))
    app.add_handler(CallbackQueryHandler(handlers.choose_language, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(handlers.forget_answer, pattern=r"^forget:"))
    app.add_handler(CallbackQueryHandler(handlers.stale_button))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT, handlers.words))
    app.add_handler(MessageHandler(filters.VOICE | filters.AUDIO, handlers.voice))
    app.add_handler(MessageHandler(filters.Sticker.ALL, handlers.sticker))
    app.add_handler(
        MessageHandler(filters.LOCATION | filters.CONTACT | filters.VENUE, handlers.private_details)
    )
    app.add_handler(MessageHandler(filters.ALL, handlers.only_words))
    app.add_error_handler(guards.on_error)


@asynccontextmanager
async def initialised(app: LPApplication) -> AsyncIterator[LPApplication]:
    """`async with app`, closing the bot's HTTP sessions even when initialising it fails (a
    refused token, an absent Bot API): PTB then leaves them open, and asyncio complains."""
    try:
        async with app:
            yield app
    finally:
        await app.bot.shutdown()  # does nothing once the application has shut it down


async def publish_commands(app: LPApplication) -> None:
    """Fill Telegram's command menu, in each language, so nobody has to remember a command."""
    messages = app.bot_data.deps.walker.book.messages
    for code in messages.languages:
        commands = [BotCommand(name, messages.get(f"cmd_{name}", code)) for name in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=None if code == "en" else code)
