"""What api.json's field lists cannot say: limits after parsing, button rules, enum values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.fakes.errors import TelegramRefusal, bad_request
from tests.fakes.html_text import PARSE_MODES, format_text

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset((
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
))  # fmt: skip
# Fields of InlineKeyboardButton that decorate it rather than say what it does.
BUTTON_DECORATIONS = frozenset(("text", "icon_custom_emoji_id", "style"))
BUTTON_STYLES = frozenset(("danger", "success", "primary"))
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
# Telegram's own words for a few out-of-range strings; others get a generic description.
_LENGTH_ERRORS = {
    ("InlineKeyboardButton", "callback_data"): "BUTTON_DATA_INVALID",
    ("answerCallbackQuery", "text"): "MESSAGE_TOO_LONG",
    ("BotCommand", "command"): "BOT_COMMAND_INVALID",
    ("BotCommand", "description"): "BOT_COMMAND_DESCRIPTION_INVALID",
}
_EDITS = frozenset(("editMessageText", "editMessageCaption", "editMessageReplyMarkup"))


def missing_parameter(method: str, name: str) -> TelegramRefusal:
    """The refusal for a required parameter that was not sent."""
    if name == "text" and method in ("sendMessage", "editMessageText"):
        return bad_request("message text is empty")
    if name in ("chat_id", "user_id", "callback_query_id", "message_id"):
        return bad_request(f"{name} is empty")
    return bad_request(f'parameter "{name}" is required')


def length_refusal(
    owner: str, name: str, where: str, limit: tuple[int, int, str]
) -> TelegramRefusal:
    """The refusal for a string outside the length range its description gives."""
    special = _LENGTH_ERRORS.get((owner, name))
    if special:
        return bad_request(special)
    low, high, unit = limit
    return bad_request(f"{where} must be {low}-{high} {unit} long")


def check_method(method: str, params: Mapping[str, Any], *, strict_html: bool) -> None:
    """Method-level checks, run after every parameter has the right type."""
    for key, value in params.items():
        if key == "parse_mode" or key.endswith("_parse_mode"):
            _check_parse_mode(value)
    mode = params.get("parse_mode")
    if method in ("sendMessage", "editMessageText"):
        text = format_text(params["text"], mode, strict=strict_html).text
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
    elif isinstance(params.get("caption"), str):
        caption = format_text(params["caption"], mode, strict=strict_html).text
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    if method == "sendChatAction" and params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    if method in _EDITS and "inline_message_id" not in params:
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")


def check_type(type_name: str, obj: Mapping[str, Any]) -> None:
    """Object-level checks for the few types whose fields constrain each other."""
    if type_name == "InlineKeyboardButton":
        _check_inline_button(obj)
    elif type_name == "BotCommand":
        command = obj.get("command")
        if isinstance(command, str) and not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")


def _check_parse_mode(value: Any) -> None:
    if value not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")


def _check_inline_button(button: Mapping[str, Any]) -> None:
    actions = [key for key in button if key not in BUTTON_DECORATIONS]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"got {', '.join(sorted(actions))}"
        )
    url = button.get("url")
    if isinstance(url, str) and not url.startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")
    style = button.get("style")
    if style is not None and style not in BUTTON_STYLES:
        raise bad_request(f'can\'t parse inline keyboard button: unknown style "{style}"')
