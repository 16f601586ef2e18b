"""Shortcuts for wiring real PTB objects to a FakeBotApi, and for waiting on a running bot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.ext import ApplicationBuilder

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.request import FakeRequest


def fake_bot(api: FakeBotApi) -> Bot:
    """A real `telegram.Bot` whose requests go to `api` (use it as `async with`)."""
    return Bot(api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api))


def fake_application_builder(api: FakeBotApi) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder with token and both request objects set; add the rest and build."""
    builder = ApplicationBuilder().token(api.token).request(FakeRequest(api))
    return builder.get_updates_request(FakeRequest(api))


async def wait_until(condition: Callable[[], object], seconds: float = 3.0) -> None:
    """Poll `condition` every 10 ms until it is truthy (AssertionError after `seconds`)."""
    for _ in range(max(int(seconds * 100), 1)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition still false after {seconds}s")
