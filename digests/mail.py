"""E-mail a digest: HTML with a plain-text alternative and the chart inline, over SMTP."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 30
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    tls: bool = False  # TLS from the first byte (smtps, port 465); otherwise STARTTLS if offered
    sender: str = "listening-post@localhost"
    # The certificates to trust for the server, instead of the system's: for a server whose
    # certificate a council's own authority signed. Never a reason to skip verification.
    ca_file: Path | None = None

    @classmethod
    def from_url(cls, url: str, sender: str, ca_file: Path | None = None) -> SmtpServer:
        """smtp://user:password@host:587 or smtps://user:password@host:465."""
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:  # its message would quote part of the URL
            port = -1
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
            raise ValueError("must look like smtp://user:password@host:587")
        return cls(
            host=parts.hostname,
            port=port or (465 if parts.scheme == "smtps" else 587),
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=parts.scheme == "smtps",
            sender=sender,
            ca_file=ca_file,
        )


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str  # may contain the placeholder {chart_cid} where the chart goes
    chart_png: bytes | None = None


def compose(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, mail.to, mail.subject
    message.set_content(mail.text)
    cid = make_msgid(domain="listening-post.local")
    message.add_alternative(mail.html.replace("{chart_cid}", cid[1:-1]), subtype="html")
    if mail.chart_png is not None:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(mail.chart_png, "image", "png", cid=cid, filename="chart.png")
    return message


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verify the server's certificate and name, against `ca_file` if given, else the system's."""
    return ssl.create_default_context(cafile=ca_file)


def _send(server: SmtpServer, message: EmailMessage) -> None:
    context = tls_context(server.ca_file)
    smtp: smtplib.SMTP = (
        smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
        if server.tls
        else smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    )
    with smtp:
        if not server.tls:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif server.user and server.host not in _LOOPBACK:
                raise smtplib.SMTPException("the server offers no TLS; the password stays unsent")
        if server.user and server.password:
            smtp.login(server.user, server.password)
        smtp.send_message(message)


async def send_mail(server: SmtpServer, mail: Mail) -> None:
    """Send without blocking the event loop (smtplib is synchronous)."""
    await asyncio.to_thread(_send, server, compose(mail, server.sender))
