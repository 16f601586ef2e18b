"""Registering the webhook: the deployer's release step, against a Bot API on loopback."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.settings import ConfigError, Settings
from bot.webhook_admin import set_webhook, webhook_info
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.server import BotApiServer

SECRET = "another-webhook-secret-0123456789"


@pytest.fixture
def deployed(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_url": "https://feedback.example.org/telegram",
            "webhook_secret": SecretStr(SECRET),
        }
    )


async def test_set_webhook_registers_url_secret_and_updates_and_can_be_repeated(
    deployed: Settings,
) -> None:
    telegram = FakeBotApi()
    said: list[str] = []
    async with BotApiServer(telegram) as server:
        here = deployed.model_copy(update={"bot_api_url": server.base_url})
        await set_webhook(here, said.append)
        await set_webhook(here, said.append)  # a second release changes nothing
    calls = telegram.calls_of("setWebhook")
    assert len(calls) == 2 and calls[0].params == calls[1].params
    params = calls[0].params
    assert params["url"] == "https://feedback.example.org/telegram"
    assert params["secret_token"] == SECRET
    assert params["allowed_updates"] == [
        "message", "edited_message", "callback_query", "my_chat_member"
    ]  # fmt: skip
    assert params["drop_pending_updates"] is False
    assert 1 <= params["max_connections"] <= 100
    assert said == ["webhook set: https://feedback.example.org/telegram"] * 2
    assert SECRET not in "".join(said)


async def test_webhook_info_prints_what_telegram_knows(deployed: Settings) -> None:
    telegram = FakeBotApi()
    said: list[str] = []
    async with BotApiServer(telegram) as server:
        here = deployed.model_copy(update={"bot_api_url": server.base_url})
        await set_webhook(here, lambda _line: None)
        await webhook_info(here, said.append)
    assert said[0] == "url: https://feedback.example.org/telegram"
    assert said[1] == "pending updates: 0"
    assert "allowed updates: message, edited_message, callback_query, my_chat_member" in said


async def test_set_webhook_without_a_url_names_the_setting(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_URL is required"):
        await set_webhook(settings, print)


async def test_a_webhook_url_telegram_refuses_is_a_setting_named_in_one_line(
    deployed: Settings,
) -> None:
    telegram = FakeBotApi()
    telegram.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")
    async with BotApiServer(telegram) as server:
        here = deployed.model_copy(update={"bot_api_url": server.base_url})
        with pytest.raises(ConfigError) as refused:
            await set_webhook(here, print)
    assert str(refused.value) == (
        "WEBHOOK_URL was refused by the Bot API: Bad webhook: failed to resolve host"
    )
