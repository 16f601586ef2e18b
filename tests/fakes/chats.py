"""What the fake server remembers: chats, their messages, pending callback queries and files."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.errors import TelegramRefusal, bad_request

BOT_ID = 4242
BOT_USERNAME = "ListeningPostTestBot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Listening Post",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
_MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
_GONE = ("left", "kicked")


@dataclass
class StoredMessage:
    """One message as the server holds it; `raw` is the Message JSON."""

    raw: dict[str, Any]
    parse_mode: str | None = None
    from_bot: bool = True


@dataclass(frozen=True)
class SentMessage:
    """A snapshot of a message the bot sent, in the shape tests want to assert on."""

    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    buttons: list[list[tuple[str, str | None]]]
    raw: dict[str, Any] = field(repr=False)

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard as Telegram echoes it, if any."""
        markup = self.raw.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def callback_data(self, label: str) -> str:
        """The callback_data of the button labelled `label` (AssertionError if absent)."""
        for row in self.buttons:
            for text, data in row:
                if text == label and data is not None:
                    return data
        raise AssertionError(f"no callback button {label!r} in {self.buttons}")

    @classmethod
    def of(cls, stored: StoredMessage) -> SentMessage:
        raw = copy.deepcopy(stored.raw)
        return cls(
            chat_id=raw["chat"]["id"],
            message_id=raw["message_id"],
            text=raw.get("text", raw.get("caption")),
            parse_mode=stored.parse_mode,
            buttons=buttons_of(raw),
            raw=raw,
        )


def buttons_of(message: SentMessage | dict[str, Any]) -> list[list[tuple[str, str | None]]]:
    """Rows of (label, callback_data) of a message's inline keyboard; [] if it has none."""
    raw = message.raw if isinstance(message, SentMessage) else message
    keyboard = (raw.get("reply_markup") or {}).get("inline_keyboard", [])
    return [[(button["text"], button.get("callback_data")) for button in row] for row in keyboard]


class Chats:
    """The chats the bot is in, with every message the server knows of in each."""

    def __init__(self) -> None:
        self.known: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.blocked: set[int] = set()
        self.callback_ids: set[str] = set()
        self.files: dict[str, bytes] = {}
        self._last_id: dict[int, int] = {}

    def chat(self, chat_id: int | str) -> dict[str, Any]:
        """The Chat object for `chat_id`, synthesised from the id's sign if never seen."""
        if isinstance(chat_id, str):
            chat_id = self._resolve_username(chat_id)
        if chat_id in self.known:
            return dict(self.known[chat_id])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def allocate_message_id(self, chat_id: int) -> int:
        """The next message id in a chat; bot and user messages share one sequence."""
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def store(self, message: StoredMessage) -> None:
        chat_id, message_id = message.raw["chat"]["id"], message.raw["message_id"]
        self.messages.setdefault(chat_id, {})[message_id] = message
        self._last_id[chat_id] = max(self._last_id.get(chat_id, 0), message_id)

    def find(self, chat_id: int | str, message_id: int, missing: str) -> StoredMessage:
        """The stored message, or Telegram's "... not found" refusal worded by `missing`."""
        chat = self.chat(chat_id)["id"]
        found = self.messages.get(chat, {}).get(message_id)
        if found is None:
            raise bad_request(missing)
        return found

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        messages = self.messages.get(chat_id, {})
        return [SentMessage.of(m) for _, m in sorted(messages.items()) if m.from_bot]

    def observe(self, update: dict[str, Any]) -> None:
        """Learn from an update Telegram delivers: chats, message ids, queries, files, blocks."""
        for key in _MESSAGE_KEYS:
            if key in update:
                self._observe_message(update[key])
        query = update.get("callback_query")
        if query:
            self.callback_ids.add(query["id"])
        member = update.get("my_chat_member")
        if member:
            chat_id = member["chat"]["id"]
            self.known[chat_id] = member["chat"]
            status = member["new_chat_member"]["status"]
            (self.blocked.add if status in _GONE else self.blocked.discard)(chat_id)

    def _observe_message(self, message: dict[str, Any]) -> None:
        chat = message["chat"]
        self.known[chat["id"]] = chat
        current = self.messages.get(chat["id"], {}).get(message["message_id"])
        if current is None or not current.from_bot:
            self.store(StoredMessage(copy.deepcopy(message), from_bot=False))
        for value in message.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "file_id" in item and "file_unique_id" in item:
                    self.files.setdefault(item["file_id"], f"fake {item['file_id']}".encode())

    def _resolve_username(self, name: str) -> int:
        if name.lstrip("-").isdigit():
            return int(name)
        for chat_id, chat in self.known.items():
            if "@" + str(chat.get("username", "")).lower() == name.lower():
                return chat_id
        raise TelegramRefusal("Bad Request: chat not found", 400)
