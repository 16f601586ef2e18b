"""/digest for commissioners (this week so far, or `/digest last`); others get the usual reply.

As with every update, its work is done before it counts as done: what was asked for is kept
with the update id until the digest has gone out, so a redelivered update sends it then, and
one whose digest already went out is not answered again.
"""

from __future__ import annotations

import json
import logging

from telegram import Chat, Update
from telegram.error import Forbidden

from conversations import handlers
from conversations import language as lang
from conversations.context import Context
from conversations.guards import bot_api_away
from conversations.prompts import Outcome, Reply
from digests.deliver import send_by_telegram
from storage.repository import database_away
from storage.staff import Staff

log = logging.getLogger(__name__)

WEEKS = {"": "so_far", "last": "last"}  # what follows /digest -> which digest


async def digest(update: Update, context: Context) -> None:
    """Send the digest asked for, once, however many times Telegram delivers the update."""
    chat, user = update.effective_chat, update.effective_user
    deps = context.deps
    member = None
    if chat is not None and chat.type == Chat.PRIVATE:
        with database_away():
            member = await deps.staff.by_chat(chat.id)
    if chat is None or user is None or member is None:
        # No hint that staff commands exist: exactly what any unknown command gets.
        await handlers.unknown_command(update, context)
        return
    # Held like any update of theirs, so two deliveries of this one cannot both send it.
    async with deps.repo.one_at_a_time(deps.pseudonyms.of(user.id)) as held:
        async with held.turn(update.update_id) as turn:
            if turn.duplicate:
                pending = turn.unsent  # None once the digest went out
            else:
                pending = turn.outbox = _asked(update, context)
        if pending is None:
            log.info("skipped a /digest that was already answered")
            return
        await _send(update, context, member, pending)
        await held.mark_replied(update.update_id)


def _asked(update: Update, context: Context) -> str:
    """What to send, for the outbox: an Outcome (the usage line, or nothing) and which digest.

    Shaped as an Outcome so that, should a redelivery find its sender no longer staff, the
    ordinary handlers read it as replies and find nothing of the digest to send.
    """
    which = (context.args or [""])[0].lower()
    replies = []
    if which not in WEEKS:
        messages = context.deps.walker.book.messages
        user = update.effective_user
        language = lang.from_app(user.language_code if user else None, messages.languages)
        replies.append(Reply(messages.get("staff_digest_usage", language or "en")))
    outbox = json.loads(Outcome(replies).to_json())
    outbox["digest"] = WEEKS.get(which)
    return json.dumps(outbox, ensure_ascii=False)


async def _send(update: Update, context: Context, member: Staff, pending: str) -> None:
    chat = update.effective_chat
    assert chat is not None  # only private chats of staff get this far
    await handlers.send(update, context, Outcome.from_json(pending))
    which = json.loads(pending).get("digest")
    if which is None:
        return
    source = context.deps.digests
    built = await (
        source.last_week(member.services) if which == "last" else source.so_far(member.services)
    )
    try:
        with bot_api_away():  # the request stays kept with the update until the digest is sent
            await send_by_telegram(context.bot, chat.id, built)
    except Forbidden:  # blocked the bot: no redelivery would get it through
        log.info("a commissioner has blocked the bot; their digest was not sent")
        return
    log.info("a commissioner asked for a digest")
