"""The fake Telegram refuses what real Telegram refuses, and real PTB code runs against it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chats import BOT_ID, BOT_USERNAME
from tests.fakes.harness import fake_application_builder, fake_bot, wait_until
from tests.fakes.people import Person
from tests.fakes.server import BotApiServer
from tests.fakes.spec import SPEC_ENV_VAR, VENDORED_SPEC, BotApiSpec, spec_path
from tests.fakes.updates import UpdateFactory

SHARED_SPEC = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "telegram-bot-api" / "api.json"
)
ALEX = Person(1001, "Alex", username="alex_test")
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "answer:yes"}]]}


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def factory(api: FakeBotApi) -> UpdateFactory:
    return UpdateFactory(api)


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with fake_bot(api) as b:
        yield b


async def refusal(api: FakeBotApi, method: str, **params: Any) -> str:
    status, body = await api.handle(method, params)
    assert status == body["error_code"] != 200 and body["ok"] is False, body
    return str(body["description"])


async def sent(api: FakeBotApi, **params: Any) -> dict[str, Any]:
    status, body = await api.handle("sendMessage", {"chat_id": ALEX.chat_id, **params})
    assert status == 200, body
    return dict(body["result"])


# --- the spec --------------------------------------------------------------------------------


def test_vendored_spec_is_bot_api_10_and_matches_the_shared_copy() -> None:
    assert BotApiSpec.load(VENDORED_SPEC).version == "Bot API 10.0"
    if not SHARED_SPEC.exists():
        pytest.skip("no shared copy of the spec next to this checkout")
    assert json.loads(SHARED_SPEC.read_text()) == json.loads(VENDORED_SPEC.read_text())


def test_spec_location_can_be_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, os.fspath(SHARED_SPEC))
    assert spec_path() == SHARED_SPEC
    monkeypatch.delenv(SPEC_ENV_VAR)
    assert spec_path() == VENDORED_SPEC


# --- refusals ----------------------------------------------------------------------------------


async def test_unknown_methods_and_parameters_are_refused(api: FakeBotApi) -> None:
    assert await refusal(api, "sendMesage", chat_id=1, text="hi") == "Not Found"
    assert await refusal(api, "sendMessage", chat_id=1, text="hi", colour="red") == (
        'Bad Request: unknown parameter "colour"'
    )
    assert await refusal(api, "sendMessage", chat_id=1) == "Bad Request: message text is empty"
    assert await refusal(api, "sendMessage", text="hi") == "Bad Request: chat_id is empty"
    assert "must be of type Integer or String" in await refusal(
        api, "sendMessage", chat_id=True, text="hi"
    )
    assert api.calls == [] and len(api.refusals) == 5


@pytest.mark.parametrize("data", ["x" * 65, "é" * 33, ""])
async def test_callback_data_must_be_1_to_64_bytes(api: FakeBotApi, data: str) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}
    description = await refusal(api, "sendMessage", chat_id=1, text="hi", reply_markup=markup)
    assert description == "Bad Request: BUTTON_DATA_INVALID"


async def test_64_bytes_of_multibyte_callback_data_are_accepted(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "é" * 32}]]}
    assert (await sent(api, text="hi", reply_markup=markup))["reply_markup"] == markup


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ({"text": "Go"}, "Text buttons are unallowed"),
        ({"text": "Go", "callback_data": "a", "url": "https://x.org"}, "exactly one"),
        ({"text": "Go", "callback_data": "a", "colour": "red"}, 'unknown field "colour"'),
        ({"text": 7, "callback_data": "a"}, 'field "text" of InlineKeyboardButton must be'),
    ],
)
async def test_malformed_inline_buttons_are_refused(
    api: FakeBotApi, button: dict[str, Any], expected: str
) -> None:
    markup = {"inline_keyboard": [[button]]}
    assert expected in await refusal(api, "sendMessage", chat_id=1, text="hi", reply_markup=markup)


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>block</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("2 > 1", 'unescaped ">" at byte offset 2'),
        ("fish & chips", 'unescaped "&" at byte offset 5'),
        ("<b>bold <i>both</b></i>", 'Unmatched end tag at byte offset 15, expected "</i>"'),
        ("<span>hidden</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a>link</a>", 'Tag "a" must have a non-empty "href"'),
        ("é</b>", "Unexpected end tag at byte offset 2"),
    ],
)
async def test_bad_html_is_refused(api: FakeBotApi, html: str, detail: str) -> None:
    description = await refusal(api, "sendMessage", chat_id=1, text=html, parse_mode="HTML")
    assert description.startswith(f"Bad Request: can't parse entities: {detail}")


async def test_lenient_html_mode_keeps_what_the_server_tolerates() -> None:
    api = FakeBotApi(BotApiSpec.load(strict_html=False))
    message = await sent(api, text="fish & chips > <a>https://x.org</a>", parse_mode="HTML")
    assert message["text"] == "fish & chips > https://x.org"
    assert message["entities"][0]["url"] == "https://x.org"


async def test_good_html_becomes_text_and_entities(api: FakeBotApi) -> None:
    html = (
        '<b>Thanks</b> &amp; <a href="https://example.org/?a=1&amp;b=2">more</a> '
        "<tg-spoiler>😀 x</tg-spoiler> &lt;3 &#x41;<blockquote expandable>q</blockquote>"
        '<pre><code class="language-python">print()</code></pre>'
    )
    message = await sent(api, text=html, parse_mode="HTML")
    assert message["text"] == "Thanks & more 😀 x <3 Aqprint()"
    assert message["entities"] == [
        {"offset": 0, "length": 6, "type": "bold"},
        {"offset": 9, "length": 4, "type": "text_link", "url": "https://example.org/?a=1&b=2"},
        {"offset": 14, "length": 4, "type": "spoiler"},  # 😀 is two UTF-16 code units
        {"offset": 23, "length": 1, "type": "expandable_blockquote"},
        {"offset": 24, "length": 7, "type": "pre", "language": "python"},
    ]


async def test_text_length_is_measured_after_parsing(api: FakeBotApi) -> None:
    assert await refusal(api, "sendMessage", chat_id=1, text="x" * 4097) == (
        "Bad Request: message is too long"
    )
    long_html = "<b>" + "&amp;" * 4096 + "</b>"
    assert len((await sent(api, text=long_html, parse_mode="HTML"))["text"]) == 4096
    assert await refusal(api, "sendMessage", chat_id=1, text=long_html + "!", parse_mode="HTML")
    for empty in ("", " \n ", "<b> </b>"):
        description = await refusal(api, "sendMessage", chat_id=1, text=empty, parse_mode="HTML")
        assert description == "Bad Request: message text is empty"


async def test_other_limits(api: FakeBotApi) -> None:
    assert await refusal(api, "sendMessage", chat_id=1, text="hi", parse_mode="html") == (
        "Bad Request: unsupported parse_mode"
    )
    text = "x" * 201
    assert await refusal(api, "answerCallbackQuery", callback_query_id="1", text=text) == (
        "Bad Request: MESSAGE_TOO_LONG"
    )
    assert await refusal(api, "sendChatAction", chat_id=1, action="dancing") == (
        "Bad Request: wrong parameter action in request"
    )
    commands = [{"command": "Start", "description": "Begin"}]
    assert await refusal(api, "setMyCommands", commands=commands) == (
        "Bad Request: BOT_COMMAND_INVALID"
    )


async def test_wire_form_parameters_are_decoded_like_telegram_does(api: FakeBotApi) -> None:
    params = {"chat_id": "1001", "text": "123", "reply_markup": json.dumps(KEYBOARD)}
    status, body = await api.handle("sendMessage", {**params, "disable_notification": "true"})
    assert status == 200 and body["result"]["text"] == "123"
    assert api.calls[-1].params["chat_id"] == 1001
    assert api.calls[-1].params["reply_markup"] == KEYBOARD


async def test_get_updates_offsets_and_webhooks(api: FakeBotApi, factory: UpdateFactory) -> None:
    for word in ("one", "two", "three"):
        api.push_update(factory.text(ALEX, word))

    async def texts(**params: Any) -> list[str]:
        status, body = await api.handle("getUpdates", params)
        assert status == 200, body
        return [update["message"]["text"] for update in body["result"]]

    assert await texts(offset=2, limit=1) == ["two"]
    assert await texts() == ["two", "three"]  # update 1 was confirmed by offset=2
    assert await texts(offset=-1) == ["three"]
    await api.handle("setWebhook", {"url": "https://bot.example.org/hook"})
    assert "webhook is active" in await refusal(api, "getUpdates")
    await api.handle("deleteWebhook", {"drop_pending_updates": True})
    assert await texts() == []


# --- real PTB through FakeRequest --------------------------------------------------------------


async def test_ptb_bot_round_trip(api: FakeBotApi, bot: Bot, factory: UpdateFactory) -> None:
    assert (bot.id, bot.username) == (BOT_ID, BOT_USERNAME)  # Bot.initialize called getMe
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="answer:yes")]])
    message = await bot.send_message(
        ALEX.chat_id, "<b>Was it good?</b>", "HTML", reply_markup=markup
    )
    assert message.text == "Was it good?" and message.reply_markup == markup
    shown = api.last_message_to(ALEX.chat_id)
    assert (shown.text, shown.parse_mode, shown.message_id) == ("Was it good?", "HTML", 1)
    assert shown.buttons == api.buttons_of(shown) == [[("Yes", "answer:yes")]]

    query = Update.de_json(factory.press(ALEX, shown, "Yes"), bot).callback_query
    assert query is not None and query.data == "answer:yes"
    assert await query.answer("Thanks!") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()  # a query can be answered once

    edited = await bot.edit_message_text("Thanks", ALEX.chat_id, shown.message_id)
    assert isinstance(edited, type(message)) and api.last_message_to(ALEX.chat_id).buttons == []
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Thanks", ALEX.chat_id, shown.message_id)
    assert await bot.leave_chat(-100200300) is True
    assert [call.method for call in api.calls][-2:] == ["editMessageText", "leaveChat"]


async def test_ptb_sees_telegram_errors(
    api: FakeBotApi, bot: Bot, factory: UpdateFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(ALEX.chat_id, "1 < 2", parse_mode="HTML")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter warns on construction
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(ALEX.chat_id, "hi")
    assert flood.value.retry_after == dtm.timedelta(seconds=7)
    api.fail_next("sendMessage", 500)
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.send_message(ALEX.chat_id, "hi")
    api.observe_update(factory.blocked_by(ALEX))
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALEX.chat_id, "hi")
    assert api.messages_to(ALEX.chat_id) == []


async def test_uploads_are_recorded(api: FakeBotApi, bot: Bot) -> None:
    document = InputFile(b"id,score\n1,5\n", filename="export.csv")
    message = await bot.send_document(
        ALEX.chat_id, document, caption="<i>Export</i>", parse_mode="HTML"
    )
    assert message.document is not None and message.document.file_name == "export.csv"
    upload = api.calls_of("sendDocument")[0].params["document"]
    assert (upload.filename, upload.content) == ("export.csv", b"id,score\n1,5\n")
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"id,score\n1,5\n")


async def test_other_methods_answer_with_spec_valid_results(api: FakeBotApi, bot: Bot) -> None:
    # FakeBotApi checks each result against the spec (check_results=True), so calling is enough
    photo = await bot.send_photo(ALEX.chat_id, InputFile(b"png", filename="a.png"), caption="c")
    assert photo.photo and photo.caption == "c"
    await bot.set_my_commands([BotCommand("start", "Begin")], scope=BotCommandScopeChat(1001))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1001)) == (
        BotCommand("start", "Begin"),
    )
    assert (await bot.get_chat(ALEX.chat_id)).id == ALEX.chat_id
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.send_chat_action(ALEX.chat_id, "typing") is True
    assert await bot.set_my_description("Feedback, anonymously") is True
    assert (await bot.get_my_description()).description == "Feedback, anonymously"
    assert await bot.delete_message(ALEX.chat_id, photo.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ALEX.chat_id, photo.message_id)


async def test_get_updates_long_polls_for_a_pushed_update(
    api: FakeBotApi, bot: Bot, factory: UpdateFactory
) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    api.push_update(factory.text(ALEX, "The waiting room was cold"))
    updates = await asyncio.wait_for(waiting, 1)
    assert [u.message.text for u in updates if u.message] == ["The waiting room was cold"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_a_real_application_runs_against_the_fake(
    api: FakeBotApi, factory: UpdateFactory
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        await update.effective_message.reply_text(f"Hi {context.args}", reply_markup=markup)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Gone")

    app = fake_application_builder(api).build()
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(pressed)])
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        api.push_update(factory.command(ALEX, "/start", args="svc-code"))
        await wait_until(lambda: api.messages_to(ALEX.chat_id))
        assert api.last_message_to(ALEX.chat_id).text == "Hi ['svc-code']"
        api.push_update(factory.press(ALEX, api.last_message_to(ALEX.chat_id), "Go"))
        await wait_until(lambda: api.last_message_to(ALEX.chat_id).text == "Gone")
        await app.updater.stop()
        await app.stop()
    assert api.refusals == []


# --- the same fake over HTTP -------------------------------------------------------------------


async def test_ptb_talks_to_the_fake_over_http(api: FakeBotApi, factory: UpdateFactory) -> None:
    async with BotApiServer(api) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        bot = Bot(api.token, base_url=server.base_url, base_file_url=server.base_file_url)
        async with bot:
            assert bot.username == BOT_USERNAME
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
            await bot.send_message(ALEX.chat_id, "Rate us", reply_markup=markup)
            pressed = factory.press(ALEX, api.last_message_to(ALEX.chat_id), "Yes")
            assert await bot.answer_callback_query(pressed["callback_query"]["id"]) is True
            assert await bot.leave_chat(-4001) is True
            with pytest.raises(BadRequest, match="Button_data_invalid"):
                too_long = InlineKeyboardButton("No", callback_data="n" * 65)
                await bot.send_message(
                    ALEX.chat_id, "x", reply_markup=InlineKeyboardMarkup([[too_long]])
                )
            waiting = asyncio.create_task(bot.get_updates(timeout=5))
            await asyncio.sleep(0.05)
            api.push_update(factory.voice(ALEX))
            voice = (await asyncio.wait_for(waiting, 2))[0].effective_message
            assert voice is not None and voice.voice is not None
            upload = InputFile(b"a,b\n", filename="export.csv")  # multipart over HTTP
            document = (await bot.send_document(ALEX.chat_id, upload)).document
            assert document is not None and document.file_name == "export.csv"
            file = await bot.get_file(document.file_id)
            assert await file.download_as_bytearray() == bytearray(b"a,b\n")
        async with aiohttp.ClientSession() as session:  # a JSON body, as other clients send
            url = f"{server.base_url}{api.token}/sendMessage"
            async with session.post(url, json={"chat_id": 1, "text": "hi", "x": 1}) as response:
                assert response.status == 400
                body = await response.json()
        assert body["description"] == 'Bad Request: unknown parameter "x"'


async def test_stopping_the_server_ends_a_pending_long_poll(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        server = BotApiServer(api)
        await server.start()
        url = f"{server.base_url}{api.token}/getUpdates?timeout=30"
        polling = asyncio.create_task(session.get(url))
        await asyncio.sleep(0.05)
        async with asyncio.timeout(2):
            await server.stop()
            with pytest.raises(aiohttp.ClientError):
                await polling


# --- updates ------------------------------------------------------------------------------------


async def test_factory_updates_are_valid_and_parse_in_ptb(api: FakeBotApi, bot: Bot) -> None:
    factory, spec = UpdateFactory(api), api.spec
    command = factory.command(ALEX, "/start", args="svc-code")
    rate = InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="r:1")]])
    await bot.send_message(ALEX.chat_id, "Rate", reply_markup=rate)
    sent_message = api.last_message_to(ALEX.chat_id)
    built = [
        factory.text(ALEX, "hello"),
        command,
        factory.callback(ALEX, sent_message, "r:1"),
        factory.callback(ALEX, 77, "legacy", text="old message"),
        factory.photo(ALEX, caption="the queue"),
        factory.voice(ALEX),
        factory.sticker(ALEX),
        factory.document(ALEX),
        factory.location(ALEX),
        factory.contact(ALEX),
        factory.video(ALEX),
        factory.video_note(ALEX),
        factory.audio(ALEX),
        factory.animation(ALEX),
        factory.edited_text(ALEX, "hello again"),
        factory.forwarded_text(ALEX, "from a friend"),
        factory.group_text(-4001, ALEX, "hi all"),
        factory.added_to_group(-4001, ALEX),
        factory.blocked_by(ALEX),
    ]
    assert sorted(u["update_id"] for u in built) == list(range(1, len(built) + 1))
    for data in built:
        spec.validate_object("Update", data)
        assert Update.de_json(data, bot).update_id == data["update_id"]
    start = Update.de_json(command, bot)
    assert start.message is not None and start.message.text == "/start svc-code"
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    member = Update.de_json(built[-1], bot).my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    assert ALEX.chat_id in api.blocked_chats
    with pytest.raises(ValueError, match="not on that message"):
        factory.callback(ALEX, sent_message, "r:2")
