"""The bot's own network layer (bot/http.py) against a Bot API on loopback, as in production."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.http import AiohttpRequest
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chats import BOT_ID, BOT_USERNAME
from tests.fakes.people import Person
from tests.fakes.server import BotApiServer
from tests.fakes.updates import UpdateFactory

ALEX = Person(1001, "Alex")


def _bot(token: str, base_url: str, **timeouts: float) -> Bot:
    return Bot(
        token,
        base_url=base_url,
        base_file_url=base_url.replace("/bot", "/file/bot"),
        request=AiohttpRequest(**timeouts),  # type: ignore[arg-type]
        get_updates_request=AiohttpRequest(**timeouts),  # type: ignore[arg-type]
    )


async def test_messages_buttons_uploads_downloads_and_long_polls_go_through() -> None:
    api = FakeBotApi()
    factory = UpdateFactory(api)
    async with BotApiServer(api) as server, _bot(api.token, server.base_url) as bot:
        assert bot.username == BOT_USERNAME
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
        await bot.send_message(
            ALEX.chat_id, "<b>Rate</b> us", parse_mode="HTML", reply_markup=markup
        )
        assert api.last_message_to(ALEX.chat_id).text == "Rate us"
        pressed = factory.press(ALEX, api.last_message_to(ALEX.chat_id), "Yes")
        assert await bot.answer_callback_query(pressed["callback_query"]["id"]) is True

        upload = InputFile(b"week,answers\n2026-W46,12\n", filename="digest.csv")
        document = (await bot.send_document(ALEX.chat_id, upload)).document
        assert document is not None and document.file_name == "digest.csv"
        file = await bot.get_file(document.file_id)
        assert await file.download_as_bytearray() == bytearray(b"week,answers\n2026-W46,12\n")

        waiting = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        api.push_update(factory.text(ALEX, "hello"))
        updates = await asyncio.wait_for(waiting, 3)
        assert updates[0].effective_message is not None
        assert updates[0].effective_message.text == "hello"
    assert api.refusals == []


async def test_telegrams_refusal_reaches_the_caller_as_ptbs_error() -> None:
    api = FakeBotApi()
    async with BotApiServer(api) as server, _bot(api.token, server.base_url) as bot:
        too_long = InlineKeyboardButton("No", callback_data="n" * 65)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(
                ALEX.chat_id, "x", reply_markup=InlineKeyboardMarkup([[too_long]])
            )


@pytest.fixture
async def silent_api() -> AsyncIterator[str]:
    """A Bot API that answers getMe and then never answers anything else."""

    async def call(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            me = {"id": BOT_ID, "is_bot": True, "first_name": "LP", "username": BOT_USERNAME}
            return web.json_response({"ok": True, "result": me})
        await asyncio.sleep(30)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", call)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/bot"
    await runner.cleanup()


async def test_a_bot_api_that_does_not_answer_times_out(silent_api: str) -> None:
    token = FakeBotApi().token
    async with _bot(token, silent_api, read_timeout=0.3) as bot:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await bot.send_message(ALEX.chat_id, "anyone there?")
        assert asyncio.get_running_loop().time() - started < 5


async def test_an_unreachable_bot_api_is_a_network_error_that_does_not_show_the_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = FakeBotApi().token
    with pytest.raises(NetworkError) as raised:
        async with _bot(token, f"http://127.0.0.1:{port}/bot"):
            pass
    assert token not in str(raised.value)
    assert token.split(":")[1] not in repr(raised.value)


async def test_a_request_that_was_shut_down_refuses_to_send() -> None:
    request = AiohttpRequest()
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot/getMe", "POST")
