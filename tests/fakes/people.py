"""People who talk to the bot in tests, and the attachments they send, as Telegram JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# 2026-01-01T09:00:00Z: fixed so that anything derived from message dates is reproducible.
FIXED_DATE = 1_767_258_000


@dataclass(frozen=True)
class Person:
    """A Telegram user; in a private chat with the bot the chat id equals the user id."""

    user_id: int
    first_name: str = "Alex"
    username: str | None = None
    language_code: str | None = "en"
    last_name: str | None = None

    @property
    def chat_id(self) -> int:
        return self.user_id

    def user(self) -> dict[str, Any]:
        """The User object Telegram puts in `from`."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user

    def private_chat(self) -> dict[str, Any]:
        """The Chat object of this person's private chat with the bot."""
        chat: dict[str, Any] = {"id": self.user_id, "type": "private"}
        chat["first_name"] = self.first_name
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


def group_chat(chat_id: int, title: str) -> dict[str, Any]:
    """A group (or, for -100… ids, supergroup) Chat object."""
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": title}


def attachment(kind: str, number: int, person: Person) -> dict[str, Any]:
    """The message fields for one attachment of `kind` (e.g. {"voice": {...}})."""
    file = {"file_id": f"{kind}-{number:06d}-file", "file_unique_id": f"U{kind[:4]}{number:06d}"}
    if kind == "photo":
        sizes = ((90, 68), (320, 240), (1280, 960))
        return {
            "photo": [
                {**_sized(file, f"-{w}"), "width": w, "height": h, "file_size": w * h // 20}
                for w, h in sizes
            ]
        }
    payloads: dict[str, dict[str, Any]] = {
        "voice": {"duration": 4, "mime_type": "audio/ogg", "file_size": 9_624},
        "audio": {"duration": 31, "performer": "Test Band", "title": "Test Song",
                  "file_name": "song.mp3", "mime_type": "audio/mpeg", "file_size": 498_124},
        "video": {"width": 1280, "height": 720, "duration": 5, "mime_type": "video/mp4",
                  "file_size": 1_048_576},
        "video_note": {"length": 240, "duration": 6, "file_size": 204_800},
        "document": {"file_name": "leaflet.pdf", "mime_type": "application/pdf",
                     "file_size": 65_536},
        "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                    "is_video": False, "emoji": "👍", "set_name": "TestStickers",
                    "file_size": 24_576},
    }  # fmt: skip
    if kind in payloads:
        return {kind: {**file, **payloads[kind]}}
    if kind == "animation":  # Telegram also fills `document` for animations
        gif = {**file, "file_name": "wave.mp4", "mime_type": "video/mp4", "file_size": 88_000}
        return {"animation": {**gif, "width": 320, "height": 240, "duration": 2}, "document": gif}
    if kind == "location":
        return {"location": {"latitude": 51.5072, "longitude": -0.1276}}
    if kind == "contact":
        contact = {"phone_number": "+447700900123", "first_name": person.first_name}
        return {"contact": {**contact, "user_id": person.user_id}}
    raise ValueError(f"unknown attachment kind {kind!r}")


def _sized(file: dict[str, Any], suffix: str) -> dict[str, Any]:
    return {"file_id": file["file_id"] + suffix, "file_unique_id": file["file_unique_id"] + suffix}
