"""A real SMTP server on loopback (aiosmtpd), keeping every message it is given."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.processes import LOOPBACK, free_port


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """A mailbox and the SMTP_URL that reaches it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        yield mailbox, f"smtp://{LOOPBACK}:{port}"
    finally:
        controller.stop()


def parts(message: EmailMessage) -> dict[str, bytes | str]:
    """Each leaf part by content type: text as str, images as bytes."""
    found: dict[str, bytes | str] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found[part.get_content_type()] = part.get_content()
    return found
