"""The fake server's method table: which Bot API method runs which piece of fake behaviour."""

from __future__ import annotations

import inspect
import json
import zlib
from collections.abc import Callable
from typing import Any

from tests.fakes.chats import BOT_USER, Chats
from tests.fakes.errors import TelegramRefusal, bad_request
from tests.fakes.messaging import Messaging
from tests.fakes.polling import UpdateQueue
from tests.fakes.spec import BotApiSpec

Params = dict[str, Any]
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_PROFILE = {  # setter -> (getter, field), for the bot's name and descriptions
    "setMyName": ("getMyName", "name"),
    "setMyDescription": ("getMyDescription", "description"),
    "setMyShortDescription": ("getMyShortDescription", "short_description"),
}


class BotMethods:
    """Handlers for everything but message contents (see `Messaging` for those)."""

    spec: BotApiSpec
    chats: Chats
    updates: UpdateQueue
    messaging: Messaging
    strict_callbacks: bool

    def __init__(self) -> None:
        self.webhook: Params = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.profile: dict[tuple[str, str], str] = {}
        self.file_paths: dict[str, str] = {}
        m = self.messaging
        self.handlers: dict[str, Callable[[Params], Any]] = {
            "getMe": lambda p: dict(BOT_USER),
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "sendMessage": m.send_message,
            "sendPhoto": m.send_photo,
            "sendDocument": m.send_document,
            "editMessageText": m.edit_text,
            "editMessageCaption": m.edit_caption,
            "editMessageReplyMarkup": m.edit_reply_markup,
            "deleteMessage": m.delete,
            "deleteMessages": m.delete_many,
            "sendChatAction": lambda p: bool(m.reachable(p["chat_id"])),
            "answerCallbackQuery": self._answer_callback_query,
            "leaveChat": self._leave_chat,
            "getChat": self._get_chat,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": self._delete_commands,
            "getMyCommands": lambda p: list(self.commands.get(_scope_key(p), [])),
            "getFile": self._get_file,
        }
        for setter, (getter, field) in _PROFILE.items():
            self.handlers[setter] = self._profile_setter(field)
            self.handlers[getter] = self._profile_getter(field)

    async def dispatch(self, method: str, params: Params) -> Any:
        """Run the handler for an already validated call."""
        handler = self.handlers.get(method)
        if handler is None:
            if self.spec.returns[method] == ("Boolean",):
                return True  # setters the fake need not remember, e.g. setChatMenuButton
            raise TelegramRefusal(f"Not Implemented: the fake Bot API lacks {method}", 501)
        result = handler(params)
        return await result if inspect.isawaitable(result) else result

    def download(self, file_path: str) -> bytes | None:
        """Contents behind a getFile file_path, as /file/bot<token>/<path> serves them."""
        file_id = self.file_paths.get(file_path)
        return None if file_id is None else self.chats.files.get(file_id)

    async def _get_updates(self, p: Params) -> list[Params]:
        if self.webhook.get("url"):
            raise TelegramRefusal(WEBHOOK_CONFLICT, 409)
        return await self.updates.get(
            p.get("offset"), p.get("limit", 100), p.get("timeout", 0), p.get("allowed_updates")
        )

    def _set_webhook(self, p: Params) -> bool:
        if p["url"] and not p["url"].startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self.updates.drop_pending()
        self.webhook = {k: v for k, v in p.items() if k in ("url", "allowed_updates")}
        return True

    def _delete_webhook(self, p: Params) -> bool:
        if p.get("drop_pending_updates"):
            self.updates.drop_pending()
        self.webhook = {}
        return True

    def _webhook_info(self, p: Params) -> Params:
        info: Params = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _answer_callback_query(self, p: Params) -> bool:
        query_id = p["callback_query_id"]
        if self.strict_callbacks and query_id not in self.chats.callback_ids:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.chats.callback_ids.discard(query_id)
        return True

    def _leave_chat(self, p: Params) -> bool:
        chat = self.chats.chat(p["chat_id"])
        if chat["type"] == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.chats.blocked.add(chat["id"])
        return True

    def _get_chat(self, p: Params) -> Params:
        gifts = self.spec.types["AcceptedGiftTypes"]  # all required booleans
        return {
            **self.chats.chat(p["chat_id"]),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _set_commands(self, p: Params) -> bool:
        self.commands[_scope_key(p)] = list(p["commands"])
        return True

    def _delete_commands(self, p: Params) -> bool:
        self.commands.pop(_scope_key(p), None)
        return True

    def _get_file(self, p: Params) -> Params:
        file_id = p["file_id"]
        if file_id not in self.chats.files:
            raise bad_request("invalid file_id")
        path = f"files/{zlib.crc32(file_id.encode()):08x}"
        self.file_paths[path] = file_id
        size = len(self.chats.files[file_id])
        return {"file_id": file_id, "file_unique_id": f"f{path[-8:]}", "file_size": size,
                "file_path": path}  # fmt: skip

    def _profile_setter(self, field: str) -> Callable[[Params], bool]:
        def setter(p: Params) -> bool:
            self.profile[(field, p.get("language_code", ""))] = p.get(field, "")
            return True

        return setter

    def _profile_getter(self, field: str) -> Callable[[Params], Params]:
        def getter(p: Params) -> Params:
            language = p.get("language_code", "")
            value = self.profile.get((field, language), self.profile.get((field, ""), ""))
            return {field: value or (BOT_USER["first_name"] if field == "name" else "")}

        return getter


def _scope_key(p: Params) -> str:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps([scope, p.get("language_code", "")], sort_keys=True)
