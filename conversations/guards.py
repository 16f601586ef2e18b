"""Where the bot must not listen (groups), and what happens when a handler fails."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from telegram import Chat, ChatMember, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

from conversations import language as lang
from conversations.context import Context
from storage.repository import StorageUnavailable

log = logging.getLogger(__name__)



class RepliesUndelivered(Exception):
    """Telegram could not be reached to send replies committed with their update.

    The update is left unacknowledged: Telegram delivers it again, and the replies kept with
    it go out then (conversations.handlers). A person's answer is never the bot's to lose, and
    neither is the next question.
    """


@contextmanager
def bot_api_away() -> Iterator[None]:
    """Telegram not reached (a network error, or still asking us to wait after the rate
    limiter's retries) becomes RepliesUndelivered; a refusal (BadRequest) is a bug and stays."""
    try:
        yield
    except (NetworkError, RetryAfter) as exc:
        if isinstance(exc, BadRequest):
            raise
        raise RepliesUndelivered(type(exc).__name__) from exc


# An update whose handler raised one of these is left for Telegram to deliver again.
UNFINISHED: tuple[type[Exception], ...] = (StorageUnavailable, RepliesUndelivered)

# Set per update by the application, so the poller or webhook knows not to acknowledge an update
# whose work could not be committed or whose replies could not be sent.
unfinished: ContextVar[list[Exception] | None] = ContextVar("unfinished", default=None)


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
    if isinstance(error, UNFINISHED):
        failures = unfinished.get()
        if failures is not None:
            failures.append(error)
        what = "database" if isinstance(error, StorageUnavailable) else "Bot API"
        log.warning("%s unavailable (%s); the update will be retried", what, error)
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
