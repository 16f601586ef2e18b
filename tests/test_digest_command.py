"""/digest in Telegram: a commissioner gets the week so far (or the last one) as text, a chart and
a CSV; anyone else gets the reply any unknown command gets, and no digest."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Update

from bot.app import build_application
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from conversations.guards import RepliesUndelivered
from digests.weeks import week_just_ended, week_so_far
from storage.repository import StorageUnavailable
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chats import SentMessage
from tests.fakes.request import FakeRequest
from tests.harness import Harness
from tests.seeding import Seeder, pseudonym

PNG = b"\x89PNG\r\n\x1a\n"
UNKNOWN = "I don't know that command. Send /help to see what I can do."
SORRY = "Sorry, something went wrong."
RIVERSIDE = "Riverside Hostel (example)"
HARBOUR = "Harbour Recovery Service (example)"
LONDON = "Europe/London"


def _this_week() -> datetime:
    """A moment already past in the week now under way (its first minute, if it just began)."""
    now = datetime.now(UTC)
    return max(now - timedelta(minutes=1), week_so_far(now, LONDON)[0].start)


def _last_week() -> datetime:
    return week_just_ended(datetime.now(UTC), LONDON).start + timedelta(days=2)


def _file(harness: Harness, message: SentMessage, kind: str) -> bytes:
    media = message.raw[kind]
    file_id = media[-1]["file_id"] if isinstance(media, list) else media["file_id"]
    return harness.telegram.chats.files[file_id]


def _csv(harness: Harness, message: SentMessage) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_file(harness, message, "document").decode())))


async def _seed(runtime: Runtime, at: datetime) -> None:
    seed = Seeder(runtime)
    words = {"could_be_better": "Call me on 07700 900123, breakfast ends too early"}
    await seed.many(6, rating="good", words=words, consent=True, at=at)
    await seed.many(5, "harbour-recovery", rating="poor", at=at)


async def test_a_commissioner_gets_this_week_so_far_as_text_chart_and_table(
    harness: Harness,
) -> None:
    await _seed(harness.runtime, _this_week())
    commissioner = await harness.commissioner()
    received = await commissioner.command("/digest")

    *texts, chart, table = received
    words = "\n".join(m.text or "" for m in texts)
    assert "this week so far, not yet complete" in words
    assert "11 answers from 11 people." in words
    assert f"{RIVERSIDE}: 6 answers, 100% positive, 0% negative" in words
    assert "breakfast ends too early" in words
    assert all(m.parse_mode == "HTML" and len(m.text or "") <= 4096 for m in texts)
    assert _file(harness, chart, "photo").startswith(PNG)
    assert table.raw["document"]["file_name"].endswith(".csv")
    riverside = {
        r["measure"]: r["value"] for r in _csv(harness, table) if r["service"] == RIVERSIDE
    }
    assert riverside["answers"] == "6"


async def test_digest_last_is_the_week_just_ended(harness: Harness) -> None:
    await _seed(harness.runtime, _last_week())
    commissioner = await harness.commissioner()
    this_week = "\n".join(m.text or "" for m in await commissioner.command("/digest"))
    assert "0 answers" in this_week and RIVERSIDE not in this_week.split("NOT HEARD")[0]
    last = "\n".join(m.text or "" for m in await commissioner.command("/digest", "last"))
    assert week_just_ended(datetime.now(UTC), LONDON).label in last
    assert "11 answers from 11 people." in last


async def test_a_commissioner_sees_only_the_services_they_were_invited_for(
    harness: Harness,
) -> None:
    await _seed(harness.runtime, _this_week())
    commissioner = await harness.commissioner(("harbour-recovery",))
    *texts, _chart, table = await commissioner.command("/digest")
    words = "\n".join(m.text or "" for m in texts)
    assert HARBOUR in words and RIVERSIDE not in words and "breakfast" not in words
    assert {row["service"] for row in _csv(harness, table)} <= {HARBOUR, ""}


async def test_someone_who_is_not_staff_gets_the_ordinary_reply_and_no_digest(
    harness: Harness,
) -> None:
    await _seed(harness.runtime, _this_week())
    await harness.commissioner()  # staff exist; this person is not one of them
    person = harness.phone()
    for args in (None, "last"):
        received = await person.command("/digest", args)
        assert [m.text for m in received] == [UNKNOWN]
    assert await person.command("/nonsense") and person.texts() == [UNKNOWN]
    assert harness.telegram.calls_of("sendPhoto") == []
    assert harness.telegram.calls_of("sendDocument") == []


async def test_a_digest_request_delivered_twice_is_answered_once(harness: Harness) -> None:
    commissioner = await harness.commissioner()
    update = harness.updates.command(commissioner.person, "/digest")
    await commissioner.deliver(update)
    await commissioner.deliver(update)
    assert len(harness.telegram.calls_of("sendPhoto")) == 1


async def test_a_digest_whose_sending_failed_goes_out_when_the_update_comes_again(
    harness: Harness,
) -> None:
    await _seed(harness.runtime, _this_week())
    commissioner = await harness.commissioner()
    update = harness.updates.command(commissioner.person, "/digest")
    harness.telegram.fail_next("sendMessage", 502)  # Telegram is briefly away

    with pytest.raises(RepliesUndelivered):  # so it is not acknowledged to Telegram
        await commissioner.deliver(update)
    assert not any((m.text or "").startswith(SORRY) for m in commissioner.inbox())
    assert harness.telegram.calls_of("sendPhoto") == []

    # Telegram delivers the update again (after a restart, say): now the digest goes out...
    *texts, chart, table = await commissioner.deliver(update)
    assert "11 answers from 11 people." in "\n".join(m.text or "" for m in texts)
    assert _file(harness, chart, "photo").startswith(PNG)
    assert table.raw["document"]["file_name"].endswith(".csv")
    # ...and only once, however often the update comes after that.
    assert await commissioner.deliver(update) == []
    assert len(harness.telegram.calls_of("sendPhoto")) == 1


async def test_a_digest_asked_for_while_the_database_is_away_goes_out_once_it_is_back(
    settings: Settings, harness: Harness, telegram: FakeBotApi
) -> None:
    await _seed(harness.runtime, _this_week())
    commissioner = await harness.commissioner()
    update = harness.updates.command(commissioner.person, "/digest")
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}
    )
    broken = await open_runtime(down, migrate=False)
    app = build_application(down, broken, request=FakeRequest(telegram))
    try:
        async with app:
            with pytest.raises(StorageUnavailable):  # so it is not acknowledged to Telegram
                await app.process_update(Update.de_json(update, app.bot))
    finally:
        await broken.close()
    assert commissioner.inbox()[commissioner.seen :] == []  # not even an apology

    *texts, _chart, _table = await commissioner.deliver(update)
    assert "11 answers from 11 people." in "\n".join(m.text or "" for m in texts)
    assert len(harness.telegram.calls_of("sendPhoto")) == 1


async def test_an_unknown_word_after_digest_gets_a_short_explanation(harness: Harness) -> None:
    commissioner = await harness.commissioner()
    await commissioner.command("/digest", "yesterday")
    assert commissioner.texts() == [
        "Send /digest for this week so far, or /digest last for last week's digest."
    ]


async def test_no_digest_holds_a_pseudonym_an_id_or_unscrubbed_words(harness: Harness) -> None:
    await _seed(harness.runtime, _this_week())
    commissioner = await harness.commissioner()
    received = await commissioner.command("/digest")
    shown = "\n".join(m.text or "" for m in received[:-2])
    shown += _file(harness, received[-1], "document").decode()
    assert "[phone]" in shown
    assert "07700" not in shown and "900123" not in shown
    for number in range(1, 40):
        assert pseudonym(number + 10_000).value not in shown
    assert str(commissioner.chat_id) not in shown
