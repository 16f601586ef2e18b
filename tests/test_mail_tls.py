"""Digest e-mail through a server that wants STARTTLS and a login (SMTP_URL smtp://user:pw@host:587):
the password goes only over TLS, to a certificate that was verified, and the mail arrives."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from urllib.parse import quote

import pytest
from pydantic import SecretStr

from bot.settings import ConfigError, Settings, load_settings
from digests.mail import Mail, send_mail
from tests.fakes.bot_api import FAKE_TOKEN
from tests.mailbox import Certificate, Login, self_signed_certificate, smtp_server

USER = "digest@council.example"
PASSWORD = "p@ss w/rd:1"  # characters a URL must escape
MAIL = Mail(
    to="commissioner@council.example",
    subject="Listening Post: what people told us, week 2026-W40",
    text="6 answers from 6 people.",
    html="<p>6 answers from 6 people.</p>",
)


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return self_signed_certificate(tmp_path)


def _smtp_url(url: str) -> str:
    """The server's URL with the login in it, as a deployer writes SMTP_URL."""
    return url.replace("smtp://", f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@")


def _settings(url: str, ca_file: Path | None) -> Settings:
    return Settings(
        bot_token=SecretStr(FAKE_TOKEN),
        smtp_url=SecretStr(_smtp_url(url)),
        smtp_from="digest@council.example",
        smtp_ca_file=ca_file,
    )


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_mail_goes_over_starttls_and_the_login_only_once_tls_is_on(
    certificate: Certificate, mechanism: str
) -> None:
    wanting_tls = smtp_server(
        certificate=certificate, users={USER: PASSWORD}, mechanisms=(mechanism,)
    )
    with wanting_tls as (mailbox, url):
        server = _settings(url, certificate.cert).smtp_server()
        assert server is not None
        await send_mail(server, MAIL)
    assert mailbox.logins == [Login(mechanism, USER, accepted=True, over_tls=True)]
    [message] = mailbox.messages
    assert message["Subject"] == MAIL.subject and message["From"] == "digest@council.example"
    assert mailbox.recipients == [[MAIL.to]]


async def test_a_certificate_nobody_trusts_gets_no_password_and_no_mail(
    certificate: Certificate,
) -> None:
    with smtp_server(certificate=certificate, users={USER: PASSWORD}) as (mailbox, url):
        server = _settings(url, None).smtp_server()  # the system's authorities only
        assert server is not None
        with pytest.raises(ssl.SSLCertVerificationError):
            await send_mail(server, MAIL)
    assert mailbox.logins == [] and mailbox.messages == []


async def test_a_server_offering_no_tls_gets_no_password() -> None:
    # 127.0.0.2 is this machine too, but not by a name the mailer treats as local.
    with smtp_server(host="127.0.0.2", users={USER: PASSWORD}) as (mailbox, url):
        server = _settings(url, None).smtp_server()
        assert server is not None
        with pytest.raises(smtplib.SMTPException, match="offers no TLS"):
            await send_mail(server, MAIL)
    assert mailbox.logins == [] and mailbox.messages == []


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_an_unreadable_smtp_ca_file_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "council-ca.pem"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("SMTP_CA_FILE", str(path))
    with pytest.raises(ConfigError, match=r"^SMTP_CA_FILE cannot be read as PEM certificates"):
        load_settings()
