"""Joining as staff with an invite code. Anyone else sees only the ordinary replies."""

from __future__ import annotations

import html
import logging

from telegram import BotCommand, BotCommandScopeChat, Chat, Update
from telegram.constants import ParseMode

from conversations import language as lang
from conversations.context import Context
from conversations.flow import STAFF_COMMANDS
from storage.repository import database_away

log = logging.getLogger(__name__)

JOIN_PREFIX = "join-"


async def join(update: Update, context: Context, code: str) -> bool:
    """Make this chat staff if the code is good; False (and nothing said) if not."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != Chat.PRIVATE or not code:
        return False
    deps = context.deps
    # Unreachable: left for Telegram to deliver again, not answered with an apology.
    with database_away():
        member = await deps.staff.join(
            code, chat.id, deps.pseudonyms.join_key(chat.id), update.update_id
        )
    if member is None:
        log.info("an invite code was refused")
        return False
    messages = deps.walker.book.messages
    language = lang.from_app(user.language_code, messages.languages) or "en"
    names = [deps.walker.services.get(code) for code in member.services or ()]
    scope = ", ".join(html.escape(s.name(language)) for s in names if s) or messages.get(
        "staff_all_services", language
    )
    text = messages.get("staff_joined", language).replace("{services}", scope)
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)
    # Their own command menu gains /digest; nobody else's shows it.
    menu = [BotCommand(name, messages.get(f"cmd_{name}", language)) for name in STAFF_COMMANDS]
    await context.bot.set_my_commands(menu, scope=BotCommandScopeChat(chat.id))
    log.info("a new %s joined", member.role)
    return True
