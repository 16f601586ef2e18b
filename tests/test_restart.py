"""Nothing is lost: people carry on after a restart, and an outage leaves no half-written answer."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.app import build_application
from bot.runtime import open_runtime
from bot.settings import Settings
from conversations.guards import RepliesUndelivered
from storage.repository import StorageUnavailable
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.request import FakeRequest
from tests.harness import Harness


async def test_someone_halfway_through_carries_on_after_a_restart(
    settings: Settings, telegram: FakeBotApi
) -> None:
    first = await open_runtime(settings, migrate=True)
    app = build_application(settings, first, request=FakeRequest(telegram))
    async with app:
        before = Harness(app, telegram, first)
        phone = before.phone()
        await phone.command("/start", "riverside-hostel")
        await phone.tap("Start")
        await phone.tap("Poor")
        await phone.say("Long waits")
    await first.close()

    second = await open_runtime(settings, migrate=True)
    app = build_application(settings, second, request=FakeRequest(telegram))
    async with app:
        after = Harness(app, telegram, second)
        after.updates = before.updates  # the same Telegram, carrying on its numbering
        phone.harness = after
        await phone.say("More staff at night")
        assert phone.texts() == ["Is there anything you need that no service gives you?"]
        answers = {a["question"]: a for a in await after.answers()}
        assert answers["rating"]["choice"] == "poor"
        assert answers["could_be_better"]["text"] == "More staff at night"
    await second.close()


async def test_when_the_database_is_down_the_update_is_left_for_redelivery(
    settings: Settings, harness: Harness, telegram: FakeBotApi
) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}
    )
    broken = await open_runtime(down, migrate=False)
    app = build_application(down, broken, request=FakeRequest(telegram))
    tap = harness.updates.press(phone.person, phone.inbox()[-1], "Start")
    async with app:
        with pytest.raises(StorageUnavailable):
            await app.process_update(Update.de_json(tap, app.bot))
    await broken.close()
    assert telegram.calls_of("answerCallbackQuery") == []  # nothing said, nothing half done

    # Redelivered once the database is back: processed as if nothing had happened.
    await phone.deliver(tap)
    assert phone.texts() == ["Overall, how was your experience of Riverside Hostel (example)?"]


async def test_a_question_telegram_could_not_take_goes_out_when_the_update_comes_again(
    harness: Harness,
) -> None:
    phone = harness.phone()
    await phone.command("/start", "riverside-hostel")
    tap = harness.updates.press(phone.person, phone.inbox()[-1], "Start")
    harness.telegram.fail_next("sendMessage", 502)  # Telegram briefly away, after the commit
    with pytest.raises(RepliesUndelivered):  # so the update is not acknowledged
        await harness.deliver(tap)
    assert phone.inbox()[-1].text != "Sorry, something went wrong."  # no apology either

    # Telegram delivers it again: the kept question goes out, once, and nothing is redone.
    await phone.deliver(tap)
    assert phone.texts() == ["Overall, how was your experience of Riverside Hostel (example)?"]
    assert await phone.deliver(tap) == []
    assert await harness.answers() == []
