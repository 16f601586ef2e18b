"""/digest for commissioners (this week so far, or `/digest last`); others get the usual reply."""

from __future__ import annotations

import logging

from telegram import Chat, Update

from conversations import handlers
from conversations import language as lang
from conversations.context import Context
from digests.deliver import send_by_telegram

log = logging.getLogger(__name__)


async def digest(update: Update, context: Context) -> None:
    chat, user = update.effective_chat, update.effective_user
    deps = context.deps
    member = None
    if chat is not None and chat.type == Chat.PRIVATE:
        member = await deps.staff.by_chat(chat.id)
    if chat is None or user is None or member is None:
        # No hint that staff commands exist: exactly what any unknown command gets.
        await handlers.unknown_command(update, context)
        return
    if not await deps.repo.claim_update(update.update_id):
        return  # Telegram delivered it again; the digest went out the first time
    which = (context.args or [""])[0].lower()
    if which not in ("", "last"):
        messages = deps.walker.book.messages
        language = lang.from_app(user.language_code, messages.languages) or "en"
        await context.bot.send_message(chat.id, messages.get("staff_digest_usage", language))
        return
    source = deps.digests
    built = await (
        source.last_week(member.services) if which == "last" else source.so_far(member.services)
    )
    await send_by_telegram(context.bot, chat.id, built)
    log.info("a commissioner asked for a digest")
