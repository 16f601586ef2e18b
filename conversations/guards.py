"""Where the bot must not listen (groups), and what happens when a handler fails."""

from __future__ import annotations

import logging
import traceback
from contextvars import ContextVar

from telegram import Chat, ChatMember, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from conversations import language as lang
from conversations.context import Context
from storage.repository import StorageUnavailable

log = logging.getLogger(__name__)

# Set per update by the application, so the poller or webhook knows not to acknowledge an update
# whose storage work could not be committed (Telegram, or the poller, will deliver it again).
storage_failures: ContextVar[list[StorageUnavailable] | None] = ContextVar(
    "storage_failures", default=None
)


async def leave_group(update: Update, context: Context) -> None:
    """Feedback is private: leave any group or channel the bot finds itself in."""
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        try:
            await context.bot.leave_chat(chat.id)
        except TelegramError:
            log.info("could not leave a group chat (already gone)")
        raise ApplicationHandlerStop


async def membership(update: Update, context: Context) -> None:
    """Added to a group: leave at once. Blocked in private: nothing to do, nothing stored."""
    change = update.my_chat_member
    if change is None:
        return
    joined = change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
    if change.chat.type != Chat.PRIVATE and joined:
        await leave_group(update, context)
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log without personal data and tell the person their earlier answers are saved."""
    error = context.error
    if isinstance(error, StorageUnavailable):
        failures = storage_failures.get()
        if failures is not None:
            failures.append(error)
        log.warning("database unavailable (%s); the update will be retried", error)
        return
    # Only the exception's type and where it happened: messages can carry people's words.
    where = "; ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__ if error else None)[-4:]
    )
    log.error("handling an update failed: %s at %s", type(error).__name__, where)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != Chat.PRIVATE:
        return
    user = update.effective_user
    book = context.deps.walker.book
    language = lang.from_app(user.language_code if user else None, book.languages) or "en"
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_chat.id,
            book.messages.get("error", language),
            parse_mode=ParseMode.HTML,
        )
    except (Forbidden, TelegramError):
        log.info("could not tell the person about the failure")
