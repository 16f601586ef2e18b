"""The fake server's message methods: send, edit and delete, with Telegram's refusals."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from tests.fakes.chats import BOT_USER, Chats, StoredMessage
from tests.fakes.errors import TelegramRefusal, bad_request
from tests.fakes.html_text import FormattedText, format_text
from tests.fakes.wire import UploadedFile

Params = dict[str, Any]
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_PHOTO_SIZES = ((90, 90), (320, 320), (800, 800))


class Messaging:
    """sendMessage, sendPhoto, sendDocument, editMessage*, deleteMessage(s) over `Chats`."""

    def __init__(self, chats: Chats, clock: Callable[[], float], strict_html: bool) -> None:
        self.chats, self.clock, self.strict_html = chats, clock, strict_html
        self._file_numbers = itertools.count(1)

    def reachable(self, chat_id: int | str) -> dict[str, Any]:
        """The chat, unless the bot was blocked by the user or removed from the group."""
        chat = self.chats.chat(chat_id)
        if chat["id"] in self.chats.blocked:
            if chat["type"] == "private":
                raise TelegramRefusal("Forbidden: bot was blocked by the user", 403)
            kind = "supergroup" if chat["type"] == "supergroup" else "group"
            raise TelegramRefusal(f"Forbidden: bot was kicked from the {kind} chat", 403)
        return chat

    def send_message(self, p: Params) -> dict[str, Any]:
        message = self._new(p)
        self._put_text(message, self._format(p, "text", "entities"), "text", "entities")
        return self._keep(message, p)

    def send_photo(self, p: Params) -> dict[str, Any]:
        file_id, unique, content = self._file(p["photo"], "photo")
        message = self._new(p)
        message["photo"] = [
            {"file_id": f"{file_id}-{w}", "file_unique_id": f"{unique}{w}", "width": w,
             "height": h, "file_size": len(content)}
            for w, h in _PHOTO_SIZES
        ]  # fmt: skip
        for size in message["photo"]:
            self.chats.files[size["file_id"]] = content
        return self._captioned(message, p)

    def send_document(self, p: Params) -> dict[str, Any]:
        file_id, unique, content = self._file(p["document"], "document")
        upload = p["document"] if isinstance(p["document"], UploadedFile) else None
        message = self._new(p)
        message["document"] = {"file_id": file_id, "file_unique_id": unique}
        if upload is not None:
            message["document"]["file_name"] = upload.filename
            message["document"]["mime_type"] = upload.mime_type or "application/octet-stream"
        message["document"]["file_size"] = len(content)
        return self._captioned(message, p)

    def edit_text(self, p: Params) -> dict[str, Any] | bool:
        def apply(new: dict[str, Any]) -> None:
            if "text" not in new:
                raise bad_request("there is no text in the message to edit")
            self._put_text(new, self._format(p), "text", "entities")

        return self._edit(p, apply)

    def edit_caption(self, p: Params) -> dict[str, Any] | bool:
        def apply(new: dict[str, Any]) -> None:
            if "text" in new:
                raise bad_request("there is no caption in the message to edit")
            formatted = self._format(p, "caption", "caption_entities")
            self._put_text(new, formatted, "caption", "caption_entities")

        return self._edit(p, apply)

    def edit_reply_markup(self, p: Params) -> dict[str, Any] | bool:
        return self._edit(p, None)

    def delete(self, p: Params) -> bool:
        chat = self.chats.chat(p["chat_id"])
        self.chats.find(chat["id"], p["message_id"], "message to delete not found")
        del self.chats.messages[chat["id"]][p["message_id"]]
        return True

    def delete_many(self, p: Params) -> bool:
        chat = self.chats.chat(p["chat_id"])
        for message_id in p["message_ids"]:
            self.chats.messages.get(chat["id"], {}).pop(message_id, None)
        return True

    def _new(self, p: Params) -> dict[str, Any]:
        chat = self.reachable(p["chat_id"])
        message: dict[str, Any] = {
            "message_id": self.chats.allocate_message_id(chat["id"]),
            "from": dict(BOT_USER),
            "chat": chat,
            "date": int(self.clock()),
        }
        reply = p.get("reply_parameters")
        if reply:
            target = self.chats.messages.get(chat["id"], {}).get(reply["message_id"])
            if target is not None:
                message["reply_to_message"] = _without_reply(target.raw)
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        return message

    def _format(self, p: Params, key: str = "text", entities: str = "entities") -> FormattedText:
        mode = p.get("parse_mode")
        formatted = format_text(p.get(key, ""), mode, strict=self.strict_html)
        if mode is None and p.get(entities):
            return FormattedText(formatted.text, list(p[entities]))
        return formatted

    @staticmethod
    def _put_text(message: dict[str, Any], text: FormattedText, key: str, entities: str) -> None:
        message.pop(entities, None)
        if text.text:
            message[key] = text.text
        else:
            message.pop(key, None)
        if text.entities:
            message[entities] = text.entities

    def _captioned(self, message: dict[str, Any], p: Params) -> dict[str, Any]:
        formatted = self._format(p, "caption", "caption_entities")
        self._put_text(message, formatted, "caption", "caption_entities")
        return self._keep(message, p)

    def _keep(self, message: dict[str, Any], p: Params) -> dict[str, Any]:
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # only inline keyboards are echoed back
        self.chats.store(StoredMessage(message, parse_mode=p.get("parse_mode")))
        return copy.deepcopy(message)

    def _edit(
        self, p: Params, apply: Callable[[dict[str, Any]], None] | None
    ) -> dict[str, Any] | bool:
        if "inline_message_id" in p:
            return True
        chat = self.reachable(p["chat_id"])
        stored = self.chats.find(chat["id"], p["message_id"], "message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        new = copy.deepcopy(stored.raw)
        new.pop("edit_date", None)
        if apply is not None:
            apply(new)
        new.pop("reply_markup", None)  # omitting reply_markup in an edit removes the keyboard
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        old = {k: v for k, v in stored.raw.items() if k != "edit_date"}
        if new == old:
            raise bad_request(NOT_MODIFIED)
        new["edit_date"] = int(self.clock())
        if apply is not None:
            stored.parse_mode = p.get("parse_mode")
        stored.raw = new
        return copy.deepcopy(new)

    def _file(self, media: UploadedFile | str, kind: str) -> tuple[str, str, bytes]:
        if isinstance(media, str) and media in self.chats.files:
            return media, f"u{media}"[:16], self.chats.files[media]
        if isinstance(media, str) and not media.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        number = next(self._file_numbers)
        content = media.content if isinstance(media, UploadedFile) else media.encode()
        file_id = f"{kind}-{number:06d}"
        self.chats.files[file_id] = content
        return file_id, f"U{kind[:3]}{number:06d}", content


def _without_reply(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in copy.deepcopy(raw).items() if k != "reply_to_message"}
