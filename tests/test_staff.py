"""Commissioners join with a single-use code; everyone else sees no sign that staff exist."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update

from bot.app import build_application
from bot.runtime import open_runtime
from bot.settings import ConfigError, Settings
from bot.staff_cli import invite, staff_list, staff_remove
from storage.repository import StorageUnavailable
from storage.staff import StaffRepository
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.fakes.request import FakeRequest
from tests.fakes.server import BotApiServer
from tests.harness import Harness
from tests.processes import Processes


async def _invite(
    settings: Settings, services: str | None = None, email: str | None = None, expires: str = "7d"
) -> str:
    """The code from `listening-post invite commissioner`, run against a loopback Bot API."""
    said: list[str] = []
    async with BotApiServer(FakeBotApi()) as server:
        here = settings.model_copy(update={"bot_api_url": server.base_url})
        await invite(here, "commissioner", services, email, expires, said.append)
    link = re.search(r"https://t\.me/ListeningPostTestBot\?start=join-([\w-]+)", "\n".join(said))
    assert link is not None, said
    assert f"/join {link[1]}" in said[-1]
    return link[1]


async def test_an_invite_link_makes_that_account_a_commissioner_for_its_services(
    harness: Harness, settings: Settings
) -> None:
    code = await _invite(settings, "riverside-hostel,harbour-recovery", "c@example.org")
    phone = harness.phone()
    await phone.command("/start", f"join-{code}")
    assert phone.texts() == [
        "You are now a commissioner on Listening Post, for: Riverside Hostel (example), "
        "Harbour Recovery Service (example). Every Monday you will get the digest of the "
        "week before. Send /digest to see this week so far."
    ]
    [member] = await StaffRepository(harness.runtime.engine).everyone()
    assert member.services == ("riverside-hostel", "harbour-recovery")
    assert member.email == "c@example.org" and member.role == "commissioner"
    assert await harness.participants() == []  # staff are never mixed with feedback
    [menu] = harness.telegram.calls_of("setMyCommands")  # their own chat's menu only
    assert menu.params["scope"] == {"type": "chat", "chat_id": phone.chat_id}
    assert [c["command"] for c in menu.params["commands"]][-1] == "digest"


async def test_a_code_works_once(harness: Harness, settings: Settings) -> None:
    code = await _invite(settings)
    first, second = harness.phone(), harness.phone()
    await first.command("/join", code)
    assert first.said("for: every service")
    await second.command("/join", code)
    assert second.texts() == ["I don't know that command. Send /help to see what I can do."]
    assert len(await StaffRepository(harness.runtime.engine).everyone()) == 1


async def test_a_join_telegram_delivers_again_confirms_again_and_is_not_a_wrong_code(
    harness: Harness, settings: Settings
) -> None:
    # As after a crash between committing the join and answering Telegram.
    code = await _invite(settings)
    phone = harness.phone()
    update = harness.updates.command(phone.person, "/join", args=code)
    await phone.deliver(update)
    assert phone.said("for: every service")
    await phone.deliver(update)
    [again] = phone.texts()  # the confirmation once more, and no welcome with it
    assert "You are now a commissioner" in again and "for: every service" in again
    assert len(await StaffRepository(harness.runtime.engine).everyone()) == 1
    assert await harness.participants() == []  # not taken for a person's first message


async def test_a_join_while_the_database_is_away_is_left_for_redelivery_then_works(
    harness: Harness, settings: Settings, telegram: FakeBotApi
) -> None:
    code = await _invite(settings)
    phone = harness.phone()
    join = harness.updates.command(phone.person, "/join", args=code)
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}
    )
    broken = await open_runtime(down, migrate=False)
    app = build_application(down, broken, request=FakeRequest(telegram))
    async with app:
        with pytest.raises(StorageUnavailable):  # so it is not acknowledged to Telegram
            await app.process_update(Update.de_json(join, app.bot))
    await broken.close()
    assert phone.inbox() == []  # no apology, no welcome: nothing was done

    await phone.deliver(join)
    assert phone.said("You are now a commissioner")


async def test_a_wrong_or_expired_code_gets_the_ordinary_welcome(
    harness: Harness, settings: Settings
) -> None:
    phone = harness.phone()
    await phone.command("/start", "join-not-a-real-code")
    assert phone.buttons() == ["Start", "Not now"]
    assert not phone.said("commissioner")
    staff = StaffRepository(harness.runtime.engine)
    await staff.create_invite("an-expired-code", "commissioner", None, None, timedelta(0))
    await phone.command("/start", "join-an-expired-code")
    assert phone.buttons() == ["Start", "Not now"]
    assert await staff.everyone() == []


async def test_repeated_wrong_codes_from_one_chat_are_slowed_down(
    harness: Harness, settings: Settings
) -> None:
    code = await _invite(settings)
    guesser = harness.phone()
    for n in range(5):
        await guesser.command("/join", f"guess{n}")
    await guesser.command("/join", code)  # even the right code, for now
    assert guesser.texts() == ["I don't know that command. Send /help to see what I can do."]
    someone_else = harness.phone()
    await someone_else.command("/join", code)  # the code itself is still good
    assert someone_else.said("You are now a commissioner")


async def test_staff_can_be_listed_and_removed(
    harness: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await harness.phone().command(
        "/join", await _invite(settings, "oakfield-care", "x@example.org")
    )
    said: list[str] = []
    await staff_list(settings, said.append)
    assert said == ["1\tcommissioner\toakfield-care\tx@example.org"]
    assert await staff_remove(settings, 1, said.append) == 0
    assert await staff_remove(settings, 1, said.append) == 1
    assert await StaffRepository(harness.runtime.engine).everyone() == []


async def test_an_invite_for_an_unknown_service_is_refused(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="unknown service code nowhere"):
        await invite(settings, "commissioner", "nowhere", None, "7d", print)
    with pytest.raises(ConfigError, match="--expires"):
        await invite(settings, "commissioner", None, None, "soon", print)


async def test_staff_list_on_a_fresh_embedded_database_says_there_is_nobody_yet(
    tmp_path: Path,
) -> None:
    processes = Processes(tmp_path, {"BOT_TOKEN": FAKE_TOKEN, "PTB_TIMEDELTA": "true"})
    try:
        listed = await processes.run("staff", "list", name="staff-list")
        assert listed.splitlines()[-1] == (
            "No staff yet. `listening-post invite commissioner` makes an invite for one."
        )
        removing = await processes.start("staff", "remove", "1", name="staff-remove")
        assert await removing.exit_status() == 1
        assert removing.log().splitlines()[-1] == "no staff member 1"
        assert "Traceback" not in listed + removing.log()
    finally:
        await processes.kill_all()
