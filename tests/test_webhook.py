"""Telegram's webhook: only Telegram gets in, nothing is lost, nothing is processed twice."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.runtime import Runtime
from bot.settings import Settings
from bot.webhook import RUNTIME, SECRET_HEADER, init_app
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.people import Person
from tests.fakes.request import FakeRequest
from tests.fakes.updates import UpdateFactory

SECRET = "a-webhook-secret-of-some-length_42"


@dataclass
class Webhook:
    client: TestClient[Any, Any]
    telegram: FakeBotApi
    updates: UpdateFactory
    settings: Settings

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post("/telegram", json=update, headers=headers)
        return response.status

    def replies_to(self, person: Person) -> list[str]:
        return [m.text or "" for m in self.telegram.messages_to(person.chat_id)]

    async def count(self, table: str) -> int:
        from sqlalchemy import text

        engine = self.client.server.app[RUNTIME].engine
        async with engine.connect() as connection:
            return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar())


@pytest.fixture
async def webhook(
    settings: Settings, runtime: Runtime, telegram: FakeBotApi
) -> AsyncIterator[Webhook]:
    """The server on a migrated database (on PostgreSQL, `serve` leaves migrating to release)."""
    configured = settings.model_copy(
        update={"webhook_secret": SecretStr(SECRET), "database_timeout": 1.0}
    )
    app = init_app(configured, request=FakeRequest(telegram))
    async with TestClient(TestServer(app)) as client:
        yield Webhook(client, telegram, UpdateFactory(telegram), configured)


async def test_a_request_without_the_right_secret_is_refused(webhook: Webhook) -> None:
    person = Person(800_000_001)
    start = webhook.updates.command(person, "/start")
    assert await webhook.post(start, secret=None) == 403
    assert await webhook.post(start, secret="a-webhook-secret-of-some-length_43") == 403
    assert webhook.replies_to(person) == []
    assert await webhook.post(start) == 200
    assert len(webhook.replies_to(person)) == 1


async def test_a_secret_header_that_is_not_even_utf8_is_refused_plainly(webhook: Webhook) -> None:
    # Client libraries refuse to send such a header, so this request is written by hand.
    person = Person(800_000_004)
    body = json.dumps(webhook.updates.command(person, "/start")).encode()
    server = webhook.client.server
    for secret in (b"\xff\xfe-not-utf-8", SECRET.encode()[:-1] + b"\xe9"):
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            b"POST /telegram HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\n"
            + SECRET_HEADER.encode() + b": " + secret + b"\r\n"
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )  # fmt: skip
        status_line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        assert status_line.split()[1] == b"403", status_line
    assert webhook.replies_to(person) == []


async def test_only_json_of_a_sensible_size_is_accepted(webhook: Webhook) -> None:
    headers = {SECRET_HEADER: SECRET}
    form = await webhook.client.post("/telegram", data="update_id=1", headers=headers)
    assert form.status == 415
    broken = await webhook.client.post(
        "/telegram", data=b"{not json", headers=headers | {"Content-Type": "application/json"}
    )
    assert broken.status == 400
    huge = io.BytesIO(json.dumps({"update_id": 1, "padding": "x" * (1024 * 1024)}).encode())
    too_big = await webhook.client.post(
        "/telegram", data=huge, headers=headers | {"Content-Type": "application/json"}
    )
    assert too_big.status == 413


async def test_the_same_update_posted_three_times_is_processed_once(webhook: Webhook) -> None:
    person = Person(800_000_002)
    await webhook.post(webhook.updates.command(person, "/start", args="riverside-hostel"))
    await webhook.post(
        webhook.updates.press(person, webhook.telegram.last_message_to(person.chat_id), "Start")
    )
    rating = webhook.telegram.last_message_to(person.chat_id)
    tap = webhook.updates.press(person, rating, "Very good")
    assert [await webhook.post(tap) for _ in range(3)] == [200, 200, 200]
    assert (
        webhook.replies_to(person)[-1]
        == "What is working well for you? Write a few words, or tap Skip."
    )
    assert webhook.replies_to(person).count(webhook.replies_to(person)[-1]) == 1
    assert await webhook.count("answers") == 1


async def test_a_locked_database_gets_503_then_the_redelivery_is_stored_once(
    webhook: Webhook, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("locks the SQLite file; PostgreSQL outages are tested with real processes")
    person = Person(800_000_003)
    await webhook.post(webhook.updates.command(person, "/start", args="riverside-hostel"))
    start = webhook.updates.press(person, webhook.telegram.last_message_to(person.chat_id), "Start")
    blocker = sqlite3.connect(
        database_url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None
    )
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert await webhook.post(start) == 503
        assert (await webhook.client.get("/healthz")).status == 503
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert webhook.replies_to(person)[-1].startswith("Hello.")  # nothing said while down
    assert (await webhook.client.get("/healthz")).status == 200
    assert await webhook.post(start) == 200
    assert webhook.replies_to(person)[-1] == (
        "Overall, how was your experience of Riverside Hostel (example)?"
    )
    assert await webhook.count("responses") == 1


async def test_health_is_ok_when_the_database_answers(webhook: Webhook) -> None:
    response = await webhook.client.get("/healthz")
    assert response.status == 200


def test_serve_refuses_to_start_without_a_secret(settings: Settings) -> None:
    from bot.settings import ConfigError

    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is required"):
        init_app(settings)
