"""Anonymity is structural: the store cannot take an identity; /forget removes one person only."""

from __future__ import annotations

import logging

import pytest
from telegram.error import InvalidToken

from bot.logs import configure
from storage.repository import Repository
from storage.turn import PersonState
from storage.types import Pseudonym, ScrubbedText
from tests.fakes.bot_api import FAKE_TOKEN
from tests.harness import Harness, Phone


async def _give_feedback(harness: Harness, words: str) -> Phone:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    await phone.say(words)
    return phone


async def test_forget_deletes_everything_that_person_said_and_nobody_elses(
    harness: Harness,
) -> None:
    leaving = await _give_feedback(harness, "I want this gone")
    staying = await _give_feedback(harness, "Keep mine please")
    await leaving.command("/forget")
    assert leaving.buttons() == ["Yes, delete it all", "No, keep it"]
    assert len(await harness.answers()) == 4  # nothing deleted until they confirm
    await leaving.tap("Yes, delete it all")
    assert leaving.texts() == ["Done. Everything you told us has been deleted."]
    assert [a["text"] for a in await harness.answers() if a["text"]] == ["Keep mine please"]
    assert len(await harness.responses()) == 1 and len(await harness.participants()) == 1
    await staying.say("Still going")
    assert staying.said("anything you need")


async def test_forget_then_keep_it_deletes_nothing(harness: Harness) -> None:
    phone = await _give_feedback(harness, "Keep this")
    await phone.command("/forget")
    await phone.tap("No, keep it")
    assert phone.texts() == ["OK, nothing was deleted."]
    assert len(await harness.answers()) == 2


async def test_the_store_refuses_a_raw_telegram_id_or_unscrubbed_text(harness: Harness) -> None:
    repo: Repository = harness.runtime.repo
    with pytest.raises(TypeError, match="only Pseudonym"):
        async with repo.turn(123456789, None):  # type: ignore[arg-type]
            pass
    with pytest.raises(ValueError, match="64 lowercase hex"):
        Pseudonym("123456789")
    who = Pseudonym("ab" * 32)
    with pytest.raises(TypeError, match="only ScrubbedText"):
        async with repo.turn(who, None) as turn:
            turn.update_state(response_id=await turn.start_response(None, "not_said"))
            await turn.record_answer("unmet_need", text="call 07700 900123")  # type: ignore[arg-type]
    assert await harness.answers() == [] and await harness.responses() == []


async def test_pseudonyms_and_words_stay_out_of_reprs() -> None:
    assert "ab" not in repr(Pseudonym("ab" * 32))
    assert "secret" not in repr(ScrubbedText("secret words"))
    assert repr(PersonState()).startswith("PersonState(")


async def test_logs_hold_no_token_message_text_or_identifiers(
    harness: Harness, capsys: pytest.CaptureFixture[str], program_logging: None
) -> None:
    token = harness.app.bot.token
    configure(token, logging.DEBUG)
    phone = harness.phone(first_name="Bartholomew", username="bart_feedback")
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    await phone.say("Everything about the night shift is unusual")
    await phone.deliver(harness.updates.photo(phone.person))
    harness.telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await phone.say("Night staff again")  # an error, logged by the error handler
    logging.getLogger("anything").info("a library printing a URL: /bot%s/getMe", token)
    logged = capsys.readouterr().err
    assert "handling an update failed: BadRequest" in logged
    assert token not in logged and "/bot[token]/getMe" in logged
    pseudonym = harness.runtime.pseudonyms.of(phone.person.user_id).value
    for secret in ("night shift", "Night staff", "Bartholomew", "bart_feedback", pseudonym):
        assert secret not in logged
    assert str(phone.person.user_id) not in logged


async def test_a_logged_exception_and_its_traceback_hold_no_token(
    capsys: pytest.CaptureFixture[str], program_logging: None
) -> None:
    configure(FAKE_TOKEN)
    try:  # what PTB raises when Telegram refuses the token, as a library might log it
        raise InvalidToken(f"The token `{FAKE_TOKEN}` was rejected by the server.")
    except InvalidToken:
        logging.getLogger("anything").exception("starting failed")
    logging.getLogger("anything").warning("calling /bot%s/getMe", FAKE_TOKEN, stack_info=True)
    logged = capsys.readouterr().err
    assert "Traceback" in logged and "InvalidToken: The token `[token]` was rejected" in logged
    assert "calling /bot[token]/getMe" in logged and "Stack (most recent call last)" in logged
    assert FAKE_TOKEN not in logged
