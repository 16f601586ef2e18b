"""UpdateFactory: realistic, spec-valid Update JSON for what people do to the bot."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chats import BOT_USER, SentMessage, buttons_of
from tests.fakes.html_text import utf16_len
from tests.fakes.people import FIXED_DATE, Person, attachment, group_chat
from tests.fakes.spec import BotApiSpec

Update = dict[str, Any]
MEDIA_KINDS = (
    "photo", "voice", "sticker", "document", "location", "contact",
    "video", "video_note", "audio", "animation",
)  # fmt: skip
FORWARDED_FROM = Person(5_550_001, "Sam", username="sam_original")


class UpdateFactory:
    """Builds updates with increasing update_id and message_id and a fixed date.

    Given `api`, message ids come from the fake server's per-chat sequence (shared with the
    bot's own messages, as in Telegram) and every update is shown to it, so callback queries
    can be answered even when the update is fed to `Application.process_update` directly.
    Every update is validated against the spec unless `validate=False`.
    """

    def __init__(
        self,
        api: FakeBotApi | None = None,
        *,
        date: int = FIXED_DATE,
        first_update_id: int = 1,
        validate: bool = True,
    ) -> None:
        self.api = api
        self.date = date
        self.spec = (api.spec if api else BotApiSpec.load()) if validate else None
        self._update_ids = itertools.count(first_update_id)
        self._numbers = itertools.count(1)
        self._message_ids: dict[int, int] = {}
        self._last_text: dict[int, dict[str, Any]] = {}

    def text(self, person: Person, text: str) -> Update:
        message = self._message(person.private_chat(), person, text=text)
        self._last_text[person.chat_id] = message
        return self._update(message=message)

    def command(self, person: Person, command: str, args: str | None = None) -> Update:
        """A command such as "/start", with `args` after a space (deep-link payloads)."""
        if not command.startswith("/"):
            raise ValueError("commands start with '/'")
        text = f"{command} {args}" if args else command
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
        message = self._message(person.private_chat(), person, text=text, entities=[entity])
        return self._update(message=message)

    def callback(
        self, person: Person, message: SentMessage | int, data: str, *, text: str = "…"
    ) -> Update:
        """The person pressed a button with `data` on `message` (a SentMessage, or an id)."""
        if isinstance(message, SentMessage):
            offered = [d for row in message.buttons for _, d in row]
            if data not in offered:
                raise ValueError(f"{data!r} is not on that message; its buttons: {offered}")
            shown = copy.deepcopy(message.raw)
        else:
            chat = person.private_chat()
            shown = {"message_id": message, "from": dict(BOT_USER), "chat": chat,
                     "date": self.date, "text": text}  # fmt: skip
        query = {
            "id": f"{person.user_id}{next(self._numbers):06d}",
            "from": person.user(),
            "message": shown,
            "chat_instance": str(-8_000_000_000_000 - shown["chat"]["id"]),
            "data": data,
        }
        return self._update(callback_query=query)

    def press(self, person: Person, message: SentMessage, label: str) -> Update:
        """The person pressed the button labelled `label`."""
        for row in buttons_of(message):
            for text, data in row:
                if text == label and data is not None:
                    return self.callback(person, message, data)
        raise ValueError(f"no callback button {label!r}; buttons: {buttons_of(message)}")

    def media(self, person: Person, kind: str, caption: str | None = None) -> Update:
        """A message carrying one attachment of `kind` (see MEDIA_KINDS)."""
        fields = attachment(kind, next(self._numbers), person)
        if caption is not None:
            fields["caption"] = caption
        return self._update(message=self._message(person.private_chat(), person, **fields))

    def photo(self, person: Person, caption: str | None = None) -> Update:
        return self.media(person, "photo", caption)

    def voice(self, person: Person) -> Update:
        return self.media(person, "voice")

    def sticker(self, person: Person) -> Update:
        return self.media(person, "sticker")

    def document(self, person: Person, caption: str | None = None) -> Update:
        return self.media(person, "document", caption)

    def location(self, person: Person) -> Update:
        return self.media(person, "location")

    def contact(self, person: Person) -> Update:
        return self.media(person, "contact")

    def video(self, person: Person, caption: str | None = None) -> Update:
        return self.media(person, "video", caption)

    def video_note(self, person: Person) -> Update:
        return self.media(person, "video_note")

    def audio(self, person: Person) -> Update:
        return self.media(person, "audio")

    def animation(self, person: Person) -> Update:
        return self.media(person, "animation")

    def edited_text(self, person: Person, text: str, message_id: int | None = None) -> Update:
        """The person edited their last text message (or `message_id`) to say `text`."""
        last = self._last_text.get(person.chat_id)
        if message_id is None and last is None:
            raise ValueError("nothing to edit: this person has sent no text yet")
        message = {**(last or {}), "text": text, "edit_date": self.date + 60}
        message.update({"from": person.user(), "chat": person.private_chat(), "date": self.date})
        message["message_id"] = message_id or (last or {})["message_id"]
        message.pop("entities", None)
        return self._update(edited_message=message)

    def forwarded_text(self, person: Person, text: str, origin: Person | None = None) -> Update:
        """The person forwarded a text someone else (`origin`) wrote."""
        source = origin or FORWARDED_FROM
        forward = {"type": "user", "date": self.date - 3600, "sender_user": source.user()}
        message = self._message(person.private_chat(), person, text=text, forward_origin=forward)
        return self._update(message=message)

    def group_text(
        self, group_chat_id: int, person: Person, text: str, title: str = "Test group"
    ) -> Update:
        return self._update(
            message=self._message(group_chat(group_chat_id, title), person, text=text)
        )

    def added_to_group(
        self, group_chat_id: int, person: Person, title: str = "Test group"
    ) -> Update:
        """`person` added the bot to a group: its status there goes from left to member."""
        return self._membership(group_chat(group_chat_id, title), person, "left", "member")

    def blocked_by(self, person: Person) -> Update:
        """The person blocked the bot: in their private chat it goes from member to kicked."""
        return self._membership(person.private_chat(), person, "member", "kicked")

    def unblocked_by(self, person: Person) -> Update:
        return self._membership(person.private_chat(), person, "kicked", "member")

    def _membership(self, chat: dict[str, Any], person: Person, old: str, new: str) -> Update:
        def member(status: str) -> dict[str, Any]:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": dict(BOT_USER), **extra}

        changed = {"chat": chat, "from": person.user(), "date": self.date,
                   "old_chat_member": member(old), "new_chat_member": member(new)}  # fmt: skip
        return self._update(my_chat_member=changed)

    def _message(self, chat: dict[str, Any], person: Person, **fields: Any) -> dict[str, Any]:
        message_id = self._next_message_id(chat["id"])
        return {"message_id": message_id, "from": person.user(), "chat": chat,
                "date": self.date, **fields}  # fmt: skip

    def _next_message_id(self, chat_id: int) -> int:
        if self.api is not None:
            return self.api.chats.allocate_message_id(chat_id)
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _update(self, **payload: Any) -> Update:
        update: Update = {"update_id": next(self._update_ids), **payload}
        if self.spec is not None:
            self.spec.validate_object("Update", update)
        if self.api is not None:
            self.api.observe_update(update)
        return update
