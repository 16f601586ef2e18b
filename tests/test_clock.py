"""The weekly digest reaches each commissioner once: on time, by Telegram and e-mail, even with two
clocks running, a clock that was down, an SMTP server that was away, or a commissioner who left."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import update
from telegram.ext import AIORateLimiter, ExtBot

from bot.clock import deliver_due
from bot.digest_commands import delivery_channels
from bot.settings import Settings
from digests.mail import SmtpServer
from digests.source import DigestSource
from digests.weeks import Week, parse_week, week_just_ended
from storage.deliveries import Deliveries
from storage.staff import Staff, StaffRepository
from storage.staff_models import StaffMember
from tests.fakes.bot_api import FAKE_TOKEN
from tests.fakes.request import FakeRequest
from tests.fakes.server import BotApiServer
from tests.harness import Harness, Phone
from tests.mailbox import Mailbox, parts, smtp_server
from tests.processes import LOOPBACK, Processes, eventually, free_port
from tests.seeding import Seeder

LONDON = ZoneInfo("Europe/London")
W40 = parse_week("2026-W40")  # Monday 28 September to Sunday 4 October 2026 (BST)
DUE = datetime(2026, 10, 5, 9, 0, tzinfo=LONDON)  # Monday 09:00, the default
ADDRESS = "commissioner@council.example"
START_SECONDS = 20.0


class Clock:
    """`deliver_due` as the clock process calls it, on the test's database and fake Telegram."""

    def __init__(self, harness: Harness, settings: Settings, smtp: SmtpServer | None) -> None:
        engine = harness.runtime.engine
        self.settings = settings
        self.staff = StaffRepository(engine)
        self.deliveries = Deliveries(engine)
        self.source = DigestSource(
            engine, harness.runtime.services, settings.timezone, 5, settings.themes()
        )
        bot: ExtBot[Any] = ExtBot(
            FAKE_TOKEN, request=FakeRequest(harness.telegram), rate_limiter=AIORateLimiter()
        )
        self.bot = bot
        self.channels = delivery_channels(bot, smtp)

    async def tick(self, now: datetime) -> int:
        async def build(member: Staff, week: Week) -> Any:
            return await self.source.week(week, member.services)

        return await deliver_due(
            now, self.settings, self.staff, self.deliveries, build, self.channels
        )


async def _joined(harness: Harness, phone: Phone, when: datetime) -> None:
    """Say when they joined (the invite was used then)."""
    async with harness.runtime.engine.begin() as connection:
        await connection.execute(
            update(StaffMember)
            .where(StaffMember.chat_id == phone.chat_id)
            .values(joined_at=when.astimezone(UTC))
        )


async def _seed(harness: Harness, week: Week) -> None:
    words = {"working_well": "The night staff listen"}
    await Seeder(harness.runtime).many(6, rating="good", words=words, consent=True, at=week.start)


def _photos_to(harness: Harness, phone: Phone) -> int:
    return sum(m.raw.get("photo") is not None for m in phone.inbox())


async def test_the_digest_goes_out_at_the_set_time_and_only_once(
    harness: Harness, settings: Settings
) -> None:
    await _seed(harness, W40)
    commissioner = await harness.commissioner()
    await _joined(harness, commissioner, DUE - timedelta(days=1))
    clock = Clock(harness, settings, None)

    assert await clock.tick(DUE - timedelta(minutes=1)) == 0
    assert _photos_to(harness, commissioner) == 0
    assert await clock.tick(DUE) == 1
    digest = "\n".join(m.text or "" for m in commissioner.inbox())
    assert "week 2026-W40" in digest and "Monday 28 September 2026 to Sunday 4 October" in digest
    assert "6 answers from 6 people." in digest and "The night staff listen" in digest
    assert await clock.tick(DUE + timedelta(hours=1)) == 0  # a restarted clock: nothing twice
    assert _photos_to(harness, commissioner) == 1


async def test_someone_who_joined_after_it_was_due_starts_with_the_next_one(
    harness: Harness, settings: Settings
) -> None:
    commissioner = await harness.commissioner()
    await _joined(harness, commissioner, DUE + timedelta(minutes=5))
    clock = Clock(harness, settings, None)
    assert await clock.tick(DUE + timedelta(hours=1)) == 0
    assert await clock.tick(DUE + timedelta(days=7)) == 1
    assert "week 2026-W41" in "\n".join(m.text or "" for m in commissioner.inbox())


async def test_an_email_that_failed_is_sent_later_without_a_second_telegram_copy(
    harness: Harness, settings: Settings
) -> None:
    await _seed(harness, W40)
    commissioner = await harness.commissioner(email=ADDRESS)
    await _joined(harness, commissioner, DUE - timedelta(days=1))
    port = free_port()  # nothing listens there yet: the mail server is down
    clock = Clock(harness, settings, SmtpServer(LOOPBACK, port, sender="digest@council.example"))

    assert await clock.tick(DUE) == 1  # Telegram only
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        assert await clock.tick(DUE + timedelta(minutes=1)) == 1  # the e-mail, this time
    finally:
        controller.stop()

    assert _photos_to(harness, commissioner) == 1
    [mail] = mailbox.messages
    assert mailbox.recipients == [[ADDRESS]]
    assert mail["Subject"] == "Listening Post: what people told us, week 2026-W40"
    assert mail["From"] == "digest@council.example"
    found = parts(mail)
    assert "6 answers from 6 people." in str(found["text/plain"])
    html = str(found["text/html"])
    assert "The night staff listen" in html and '<img src="cid:' in html
    assert isinstance(found["image/png"], bytes) and found["image/png"].startswith(b"\x89PNG")


async def test_a_commissioner_who_blocked_the_bot_is_not_tried_every_minute(
    harness: Harness, settings: Settings
) -> None:
    await _seed(harness, W40)
    commissioner = await harness.commissioner()
    await _joined(harness, commissioner, DUE - timedelta(days=1))
    harness.telegram.blocked_chats = {commissioner.chat_id}
    clock = Clock(harness, settings, None)
    for minute in range(3):
        await clock.tick(DUE + timedelta(minutes=minute))
    assert len(harness.refusals()) == 1


async def test_two_clocks_started_after_the_due_time_send_one_digest_and_one_email(
    harness: Harness, database_url: str, tmp_path: Any
) -> None:
    now = datetime.now(UTC)
    await _seed(harness, week_just_ended(now, "Europe/London"))
    commissioner = await harness.commissioner(email=ADDRESS)
    await _joined(harness, commissioner, now - timedelta(days=30))
    with smtp_server() as (mailbox, smtp_url):
        async with BotApiServer(harness.telegram) as bot_api:
            processes = Processes(
                tmp_path,
                {
                    "PTB_TIMEDELTA": "true",
                    "BOT_TOKEN": FAKE_TOKEN,
                    "BOT_API_URL": bot_api.base_url,
                    "DATABASE_URL": database_url,
                    "SMTP_URL": smtp_url,
                    "SMTP_FROM": "digest@council.example",
                    # Due at midnight starting this week: already past whenever the test runs.
                    "DIGEST_DAY": "monday",
                    "DIGEST_TIME": "00:00",
                },
            )
            try:
                clocks = [await processes.start("clock", name=f"clock{n}") for n in (1, 2)]
                await eventually(
                    "the digest by Telegram and by e-mail",
                    lambda: _photos_to(harness, commissioner) and mailbox.messages,
                    START_SECONDS,
                )
                await asyncio.sleep(2)  # time enough for a second copy, were one coming
                for clock in clocks:
                    clock.send_signal(signal.SIGTERM)
                assert [await clock.exit_status() for clock in clocks] == [0, 0]
            finally:
                await processes.kill_all()
    assert _photos_to(harness, commissioner) == 1
    assert len(mailbox.messages) == 1
    logs = "\n".join(clock.log() for clock in clocks)
    assert "Traceback" not in logs and FAKE_TOKEN not in logs
    assert "the clock is running" in logs and "by Telegram and e-mail" in logs
