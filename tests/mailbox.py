"""A real SMTP server on loopback (aiosmtpd), keeping every message it is given.

It can offer STARTTLS with a certificate made for the test, and ask for a login; it notes every
login it was given and whether it came over TLS.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import ssl
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.processes import LOOPBACK, free_port


@dataclass(frozen=True)
class Login:
    mechanism: str  # "PLAIN" or "LOGIN"
    user: str
    accepted: bool
    over_tls: bool


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, and its private key."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


class Mailbox:
    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.users = dict(users or {})
        self.logins: list[Login] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator: check the password and note whether TLS was on."""
        assert isinstance(data, LoginPassword)
        user = data.login.decode()
        accepted = self.users.get(user) == data.password.decode()
        self.logins.append(Login(mechanism, user, accepted, over_tls=session.ssl is not None))
        return AuthResult(success=accepted)


@contextmanager
def smtp_server(
    *,
    host: str = LOOPBACK,
    certificate: Certificate | None = None,
    users: Mapping[str, str] | None = None,
    mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN"),
) -> Iterator[tuple[Mailbox, str]]:
    """A mailbox and the SMTP_URL that reaches it (without the login; tests add their own).

    With a certificate, the server offers STARTTLS and refuses AUTH and mail before it. With
    users, it offers AUTH by `mechanisms`; without a certificate it would even take a password
    in the clear, so a client that sent one would show in `logins`, not just be refused.
    """
    mailbox = Mailbox(users)
    port = free_port()
    options: dict[str, Any] = {}
    if certificate is not None:
        options |= {"tls_context": certificate.server_context(), "require_starttls": True}
    if users is not None:
        options |= {
            "authenticator": mailbox.authenticate,
            "auth_require_tls": False,
            "auth_exclude_mechanism": {"PLAIN", "LOGIN"} - set(mechanisms),
        }
    controller = Controller(mailbox, hostname=host, port=port, **options)
    controller.start()
    try:
        yield mailbox, f"smtp://{host}:{port}"
    finally:
        controller.stop()


def self_signed_certificate(folder: Path) -> Certificate:
    """Made now by the openssl command (the `cryptography` package is not installed here)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate for STARTTLS")
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return Certificate(cert, key)


def parts(message: EmailMessage) -> dict[str, bytes | str]:
    """Each leaf part by content type: text as str, images as bytes."""
    found: dict[str, bytes | str] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found[part.get_content_type()] = part.get_content()
    return found
