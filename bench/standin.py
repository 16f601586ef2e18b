"""A minimal Bot API stand-in on loopback: answers what the bots call, remembers what they sent.

Unlike tests/fakes (which validates every call against the Bot API spec, see
bench/standin_cost.py for what that costs per call), this answers the few methods a webhook bot
uses in the benchmark with realistic results and keeps only what the simulated people need: per
chat, the message-id sequence (shared by the person's and the bot's messages, as in Telegram)
and the bot's newest message, so a button press can reference it.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 4242
TOKEN = f"{BOT_ID}:AAListeningPostBenchmarkToken000000000"  # a fake, for loopback only
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Listening Post",
    "username": "ListeningPostBenchBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_TAG = re.compile(r"<[^>]+>")


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)


@dataclass
class StandIn:
    """Bot API state for the benchmark: message ids and the bot's newest message per chat."""

    token: str = TOKEN
    calls: Counter[str] = field(default_factory=Counter)
    _last_id: dict[int, int] = field(default_factory=dict)
    _last_sent: dict[int, dict[str, Any]] = field(default_factory=dict)
    _query_ids: set[str] = field(default_factory=set)

    def next_message_id(self, chat_id: int) -> int:
        """The next id in a chat; the person's messages and the bot's share one sequence."""
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def last_sent(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's newest message to `chat_id`, as Telegram returned it."""
        return self._last_sent.get(chat_id)

    def expect_query(self, query_id: str) -> None:
        """A callback query about to be delivered; answerCallbackQuery must name a known one."""
        self._query_ids.add(query_id)

    def forget_chat(self, chat_id: int) -> None:
        """Drop a finished conversation's state, so memory stays bounded in long runs."""
        self._last_id.pop(chat_id, None)
        self._last_sent.pop(chat_id, None)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        return app

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params: dict[str, Any] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        method = request.match_info["method"].lower()
        self.calls[method] += 1
        if method == "getme":
            return _ok(BOT_USER)
        if method == "sendmessage":
            return self._send_message(params)
        if method == "answercallbackquery":
            if params.get("callback_query_id") not in self._query_ids:
                return _error(400, "Bad Request: query is too old or query ID is invalid")
            self._query_ids.discard(params["callback_query_id"])
            return _ok(True)
        return _ok(True)  # deleteWebhook, setMyCommands, leaveChat ...: nothing to remember

    def _send_message(self, params: dict[str, Any]) -> web.Response:
        try:
            chat_id = int(params["chat_id"])
            text = str(params["text"])
        except (KeyError, ValueError):
            return _error(400, "Bad Request: chat_id and text are required")
        if params.get("parse_mode") == "HTML":
            text = html.unescape(_TAG.sub("", text))
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": "Person"},
            "date": int(time.time()),
            "text": text,
        }
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self._last_sent[chat_id] = message
        return _ok(message)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def buttons(message: dict[str, Any] | None) -> set[str]:
    """The callback_data of every inline button on a message."""
    rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
    return {button.get("callback_data", "") for row in rows for button in row}
