"""The error a fake Telegram answers with, worded the way the real Bot API words it."""

from __future__ import annotations

from typing import Any


class TelegramRefusal(Exception):
    """Telegram said no: `description` and `error_code` become the `ok: false` envelope."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        """The JSON body Telegram sends back for this refusal."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> TelegramRefusal:
    """A 400 whose description starts with "Bad Request: " like every real one does."""
    return TelegramRefusal(f"Bad Request: {detail}", 400)
