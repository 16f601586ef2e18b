"""Whatever people send, they get a short kind reply and never a traceback; media is never kept."""

from __future__ import annotations

import logging

import pytest

from tests.harness import Harness, Phone

MEDIA_REPLIES = {
    "photo": "I can only read typed words, so I did not keep that",
    "document": "I can only read typed words, so I did not keep that",
    "video": "I can only read typed words, so I did not keep that",
    "video_note": "I can only read typed words, so I did not keep that",
    "animation": "I can only read typed words, so I did not keep that",
    "voice": "I can't listen to voice notes, so I did not keep it",
    "audio": "I can't listen to voice notes, so I did not keep it",
    "sticker": "Thanks! I can only read typed words.",
    "location": "Please don't send your location or contact details",
    "contact": "Please don't send your location or contact details",
}


async def _at_words_question(harness: Harness) -> Phone:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    return phone


@pytest.mark.parametrize("kind", sorted(MEDIA_REPLIES))
async def test_media_gets_a_kind_reply_and_nothing_is_stored(harness: Harness, kind: str) -> None:
    phone = await _at_words_question(harness)
    await phone.deliver(harness.updates.media(phone.person, kind))
    assert len(phone.texts()) == 1 and MEDIA_REPLIES[kind] in phone.texts()[0]
    assert [a["question"] for a in await harness.answers()] == ["rating"]
    await phone.say("Still here")  # and the question is still open
    assert phone.said("What could be better?")


async def test_a_photo_caption_is_not_stored_either(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    await phone.deliver(harness.updates.photo(phone.person, caption="my letter, call 07700 900123"))
    assert [a["text"] for a in await harness.answers()] == [None]


async def test_an_edited_message_is_explained_and_the_first_version_kept(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    await phone.say("The staff are kind")
    await phone.deliver(harness.updates.edited_text(phone.person, "The staff are rude"))
    assert phone.texts() == [
        "I saw you changed a message. I keep what you sent first. "
        "You can send a new message to add more."
    ]
    assert [a["text"] for a in await harness.answers() if a["text"]] == ["The staff are kind"]


async def test_a_forwarded_message_is_not_kept(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    await phone.deliver(harness.updates.forwarded_text(phone.person, "someone else's words"))
    assert phone.said("I don't keep forwarded messages")
    assert [a["question"] for a in await harness.answers()] == ["rating"]


async def test_a_very_long_answer_keeps_2000_characters_and_says_so(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    await phone.say("word " * 800)
    assert phone.texts()[0] == "That was long, so I kept the first 2,000 characters."
    assert phone.said("What could be better?")
    [words] = [a for a in await harness.answers() if a["text"]]
    assert len(words["text"]) <= 2000 and words["text"].startswith("word word")


PERSONAL_DETAILS = [
    ("sam.jones@example.com", "[email]"),
    ("07700 900123", "[phone]"),
    ("7700 900123", "[phone]"),
    ("QQ 12 34 56 C", "[ni-number]"),
    ("943 476 5919", "[nhs-number]"),
]
KEPT = "That was long, so I kept the first 2,000 characters."


def _long_answer_with(detail: str, starting_at: int) -> str:
    """Kind words and a space up to `starting_at`, the detail there, then more words."""
    before = ("The staff were kind to me. " * 80)[: starting_at - 1] + " "
    return before + detail + " and they listened." * 10


@pytest.mark.parametrize(("detail", "tag"), PERSONAL_DETAILS)
async def test_a_personal_detail_across_the_2000_character_mark_is_kept_as_its_whole_tag(
    harness: Harness, detail: str, tag: str
) -> None:
    phone = await _at_words_question(harness)
    starts = 2000 - len(tag)  # the detail runs past the mark; its tag just fits before it
    await phone.say(_long_answer_with(detail, starts))
    assert phone.texts()[0] == KEPT
    [words] = [a["text"] for a in await harness.answers() if a["text"]]
    assert words == _long_answer_with("", starts)[:starts] + tag


@pytest.mark.parametrize(("detail", "tag"), PERSONAL_DETAILS)
async def test_a_tag_that_would_cross_the_2000_character_mark_is_left_out_not_halved(
    harness: Harness, detail: str, tag: str
) -> None:
    phone = await _at_words_question(harness)
    starts = 2000 - 3
    await phone.say(_long_answer_with(detail, starts))
    assert phone.texts()[0] == KEPT
    [words] = [a["text"] for a in await harness.answers() if a["text"]]
    assert words == _long_answer_with("", starts)[:starts].rstrip()
    assert not any(detail[:n] in words for n in range(3, len(detail) + 1))


async def test_a_long_answer_that_scrubbing_shortens_is_kept_whole_without_a_warning(
    harness: Harness,
) -> None:
    phone = await _at_words_question(harness)
    link = "https://example.org/" + "a-very-long-page-name/" * 10
    await phone.say("I read " + " and ".join([link] * 10))  # over 2,000 characters as typed
    assert phone.texts() == ["What could be better? Write a few words, or tap Skip."]
    [words] = [a["text"] for a in await harness.answers() if a["text"]]
    assert words == "I read " + " and ".join(["[link]"] * 10)


async def test_html_looking_text_is_stored_as_written_and_never_breaks_a_reply(
    harness: Harness,
) -> None:
    phone = await _at_words_question(harness)
    await phone.say("<b>bold</b> & <script>alert(1)</script> <a href='x'>")
    assert phone.said("What could be better?")
    assert harness.refusals() == []
    [words] = [a for a in await harness.answers() if a["text"]]
    assert words["text"] == "<b>bold</b> & <script>alert(1)</script> <a href='x'>"


async def test_an_unknown_command_gets_pointed_to_help(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    await phone.command("/admin")
    assert phone.texts() == ["I don't know that command. Send /help to see what I can do."]
    assert [a["question"] for a in await harness.answers()] == ["rating"]


async def test_the_bot_leaves_a_group_it_is_added_to(harness: Harness) -> None:
    phone = harness.phone()
    await harness.deliver(harness.updates.added_to_group(-100123, phone.person))
    assert [c.params["chat_id"] for c in harness.telegram.calls_of("leaveChat")] == [-100123]
    assert harness.telegram.calls_of("sendMessage") == []


async def test_a_message_in_a_group_is_not_stored_and_the_bot_leaves(harness: Harness) -> None:
    phone = harness.phone()
    await harness.deliver(harness.updates.group_text(-100456, phone.person, "/start"))
    assert harness.telegram.calls_of("leaveChat") != []
    assert harness.telegram.calls_of("sendMessage") == []
    assert await harness.participants() == [] and await harness.responses() == []


async def test_when_a_reply_fails_the_person_hears_their_answers_are_saved(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    phone = await _at_words_question(harness)
    harness.telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    with caplog.at_level(logging.INFO):
        await phone.say("The food is good, ask for 07700 900123")
    assert phone.texts() == [
        "Sorry, something went wrong. Your earlier answers are saved. Please try again in a minute."
    ]
    assert [a["text"] for a in await harness.answers() if a["text"]] == [
        "The food is good, ask for [phone]"
    ]
    assert "handling an update failed: BadRequest" in caplog.text
    assert "food" not in caplog.text and str(phone.person.user_id) not in caplog.text


async def test_a_person_who_blocked_the_bot_is_not_retried(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    harness.telegram.blocked_chats = {phone.chat_id}
    await phone.say("Good place")
    sends = [r for r in harness.refusals() if r.method == "sendMessage"]
    assert len(sends) == 1  # one refused attempt, no retries, no error message on top
    assert [a["text"] for a in await harness.answers() if a["text"]] == ["Good place"]


async def test_a_flood_gets_one_polite_reply_and_nothing_more_is_stored(harness: Harness) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    for _ in range(17):  # 20 updates in this minute: all answered
        assert len(await phone.command("/help")) == 1
    await phone.say("Kind staff")  # the 21st: told to slow down, and not stored
    assert phone.texts() == [
        "You are sending messages very fast. Please wait a minute, then carry on. "
        "I did not keep the last few."
    ]
    assert await phone.say("Kind staff, really") == []  # and after that, silence
    assert [a["question"] for a in await harness.answers()] == ["rating"]


async def test_when_telegram_says_retry_after_the_reply_still_arrives(harness: Harness) -> None:
    phone = await _at_words_question(harness)
    harness.telegram.fail_next("sendMessage", 429, retry_after=1)
    await phone.say("Warm and friendly")
    assert phone.texts() == ["What could be better? Write a few words, or tap Skip."]
    refused = [r.error_code for r in harness.refusals() if r.method == "sendMessage"]
    assert refused == [429]  # refused once, then sent after waiting, no error on top
