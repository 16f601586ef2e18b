"""Telegram handlers: turn each update into one committed turn, then send what the walker said.

Order of work in every handler: pseudonymise, lock and read state, store, commit, then reply.
Replies go out only after commit, so a person never sees a question whose answer was lost.
Work that needs no stored state (scrubbing and reading typed words) is done before the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from conversations import staff
from conversations.context import Context
from conversations.guards import bot_api_away
from conversations.prompts import Outcome, Reply
from conversations.walk import Walker
from storage.turn import Turn

log = logging.getLogger(__name__)

Action = Callable[[Walker, Turn], Awaitable[Outcome]]

# More than this many updates a minute from one person gets one polite reply and is not stored,
# so one phone cannot flood the store.
FLOOD_LIMIT = 20
FLOOD_WINDOW = timedelta(minutes=1)


async def _turn(update: Update, context: Context, action: Action) -> None:
    user = update.effective_user
    if user is None:
        return
    deps = context.deps
    who = deps.pseudonyms.of(user.id)
    # One update of a person at a time, through sending: their questions arrive in order.
    async with deps.repo.one_at_a_time(who) as held:
        async with held.turn(update.update_id) as turn:
            if turn.duplicate:
                outcome = Outcome.from_json(turn.unsent) if turn.unsent else None
            else:
                outcome = await _decide(deps.walker, turn, user.language_code, action)
                turn.outbox = outcome.to_json()
        if outcome is None:
            log.info("skipped an update that was already processed")
            return
        await send(update, context, outcome)
        await held.mark_replied(update.update_id)


async def _decide(walker: Walker, turn: Turn, app_language: str | None, action: Action) -> Outcome:
    """The flood limit first; then what the walker makes of the update."""
    count = turn.count_message(FLOOD_WINDOW)
    if count > FLOOD_LIMIT:
        log.info("flood limit reached; update dropped")
        slow_down = walker.prompts.say("slow_down", turn.state.language)
        return Outcome([slow_down] if count == FLOOD_LIMIT + 1 else [])
    walker.settle_language(turn, app_language)
    return await action(walker, turn)


async def send(update: Update, context: Context, outcome: Outcome) -> None:
    """Answer a tapped button (so its spinner stops) and send the replies, in order.

    Telegram away (a network error, or still asking us to wait after the rate limiter's
    retries) raises RepliesUndelivered: the replies stay kept with the update until sent.
    """
    with bot_api_away():
        await _send(update, context, outcome)


async def _send(update: Update, context: Context, outcome: Outcome) -> None:
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(outcome.toast)
        except BadRequest:  # too old to answer (a redelivery): the replies matter more
            log.info("a button's spinner could not be stopped")
    chat = update.effective_chat
    if chat is None:
        return
    try:
        for reply in outcome.replies:
            await context.bot.send_message(
                chat.id, reply.text, parse_mode=ParseMode.HTML, reply_markup=_keyboard(reply)
            )
    except Forbidden:
        log.info("a person has blocked the bot; their reply was not sent")


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def start(update: Update, context: Context) -> None:
    """/start, or /start <service-code> from a deep link: welcome the person."""
    payload = context.args[0] if context.args else None
    if payload and payload.startswith(staff.JOIN_PREFIX):
        if await staff.join(update, context, payload.removeprefix(staff.JOIN_PREFIX)):
            return
        payload = None  # a wrong code gets the ordinary welcome, with no hint of staff
    await _turn(update, context, lambda walker, turn: walker.start(turn, payload))


async def join(update: Update, context: Context) -> None:
    """/join <code>: as /start join-<code>; a wrong code looks like any unknown command."""
    code = context.args[0] if context.args else ""
    if not await staff.join(update, context, code):
        await unknown_command(update, context)


async def answer_button(update: Update, context: Context) -> None:
    """A button on a question: store the answer and ask the next question."""
    data = update.callback_query.data if update.callback_query else None
    if data:
        await _turn(update, context, lambda walker, turn: walker.press(turn, data))


async def words(update: Update, context: Context) -> None:
    """Typed words: the answer to a words question."""
    message = update.effective_message
    if message and message.text:
        said = context.deps.walker.read(message.text)  # before the turn: see Walker.read
        await _turn(update, context, lambda walker, turn: walker.words(turn, said))


async def stop(update: Update, context: Context) -> None:
    """/stop: leave the flow at any point; earlier answers stay saved."""
    await _turn(update, context, lambda walker, turn: walker.stop(turn))


async def choose_language(update: Update, context: Context) -> None:
    """A language button: switch and repeat the current question."""
    data = update.callback_query.data if update.callback_query else ""
    code = (data or "").removeprefix("lang:")
    await _turn(update, context, lambda walker, turn: walker.choose_language(turn, code))


async def forget_answer(update: Update, context: Context) -> None:
    """The /forget confirm buttons: delete everything, or nothing."""
    data = update.callback_query.data if update.callback_query else ""

    async def action(walker: Walker, turn: Turn) -> Outcome:
        if data == "forget:yes":
            return await walker.forget(turn)
        return Outcome([walker.prompts.say("forget_cancelled", turn.state.language)])

    await _turn(update, context, action)


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _say(make: Callable[[Walker, str], Reply]) -> Handler:
    """A handler that only replies, in the person's language, and stores nothing else."""

    async def handler(update: Update, context: Context) -> None:
        async def action(walker: Walker, turn: Turn) -> Outcome:
            return Outcome([make(walker, turn.state.language)])

        await _turn(update, context, action)

    return handler


def _message(key: str) -> Handler:
    return _say(lambda walker, language: walker.prompts.say(key, language))


help_ = _message("help")
unknown_command = _message("unknown_command")
edited = _message("edited")
forwarded = _message("forwarded")
voice = _message("voice")
sticker = _message("sticker")
private_details = _message("private_details")
only_words = _message("only_words")
language = _say(lambda walker, _language: walker.prompts.languages())
forget = _say(lambda walker, language: walker.prompts.forget_confirm(language))


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data we no longer recognise: stop its spinner and say it has closed."""
    await _turn(update, context, _moved_on)


async def _moved_on(walker: Walker, turn: Turn) -> Outcome:
    return Outcome(toast=walker.book.messages.get("moved_on", turn.state.language))
