"""The real `python -m bot run` process, long polling a fake Bot API on loopback, as deployed.

Nothing is faked inside the bot: it is started, killed and restarted as a deployer would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.fakes.chats import SentMessage
from tests.fakes.people import Person
from tests.fakes.server import BotApiServer
from tests.fakes.updates import UpdateFactory

REPO = Path(__file__).resolve().parents[1]
HOSTEL = "Riverside Hostel (example)"
WELCOME = "Would you like to start?"
WHICH_SERVICE = "Which service do you want to tell us about?"
RATING = f"Overall, how was your experience of {HOSTEL}?"
WORKING_WELL = "What is working well for you?"
COULD_BE_BETTER = "What could be better?"
UNMET_NEED = "anything you need that no service gives you"
QUOTE = "May we quote your words"
THANKS = "Thank you."
REPLY_SECONDS = 20.0  # a cold start imports PTB and SQLAlchemy and migrates the database
STOP_SECONDS = 15.0
LOCK_FAILS_AFTER = 15.0  # the bot waits DATABASE_TIMEOUT (2 s here) for a lock, then gives up


async def eventually(
    what: str, condition: Callable[[], Any], seconds: float = REPLY_SECONDS
) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what` at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = condition()
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"after {seconds:.0f}s still waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Deployment:
    """One machine: a working directory, the Bot API it points at, and the bot's processes."""

    directory: Path
    api: FakeBotApi
    server: BotApiServer
    env: dict[str, str] = field(default_factory=dict)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.directory / "listening-post.db"

    async def start(self) -> asyncio.subprocess.Process:
        """`python -m bot run`, as a deployer starts it, logging to a file of its own."""
        log = self.directory / f"run-{len(self.logs) + 1}.log"
        keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
        env = {k: v for k, v in os.environ.items() if k in keep} | {
            "PYTHONPATH": str(REPO),
            "PTB_TIMEDELTA": "true",
            "BOT_TOKEN": FAKE_TOKEN,
            "BOT_API_URL": self.server.base_url,
        }
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.directory, env=env | self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        self.logs.append(log)
        return process

    def log(self, run: int = -1) -> str:
        return self.logs[run].read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal the newest process and wait (bounded) for it to exit; returns its status."""
        process = self.processes[-1]
        if process.returncode is None:
            process.send_signal(sig)
        try:
            return await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            raise AssertionError(f"no exit within {STOP_SECONDS:.0f}s of {sig.name}") from None

    async def kill_all(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()
            await asyncio.wait_for(process.wait(), STOP_SECONDS)

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Read the bot's database with the stdlib, as an operator would (bot stopped)."""
        connection = sqlite3.connect(self.database)
        try:
            connection.row_factory = sqlite3.Row
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def answers(self) -> list[sqlite3.Row]:
        return self.rows("SELECT * FROM answers ORDER BY id")

    def update_offsets(self) -> list[int | None]:
        """The offset of every getUpdates the bot has completed, in order."""
        return [call.params.get("offset") for call in self.api.calls_of("getUpdates")]


@dataclass
class Phone:
    """One person's Telegram app: what they send and the messages that arrive."""

    api: FakeBotApi
    updates: UpdateFactory
    person: Person
    last_seen: int = 0  # message_id of the newest message already looked at

    def inbox(self) -> list[SentMessage]:
        return self.api.messages_to(self.person.chat_id)

    def send(self, update: dict[str, Any]) -> int:
        self.api.push_update(update)
        return int(update["update_id"])

    def command(self, command: str, args: str | None = None) -> int:
        return self.send(self.updates.command(self.person, command, args=args))

    def say(self, text: str) -> int:
        return self.send(self.updates.text(self.person, text))

    def tap(self, label: str) -> int:
        """Tap the button with this label on the newest message that has it."""
        for message in reversed(self.inbox()):
            if any(text == label for row in message.buttons for text, _ in row):
                return self.send(self.updates.press(self.person, message, label))
        raise AssertionError(f"no button {label!r} on screen")

    async def sees(self, fragment: str, seconds: float = REPLY_SECONDS) -> SentMessage:
        """Wait for a new message containing `fragment`; later ones are still to be seen."""

        def arrived() -> SentMessage | None:
            fresh = (m for m in self.inbox() if m.message_id > self.last_seen)
            return next((m for m in fresh if fragment in (m.text or "")), None)

        message: SentMessage = await eventually(f"a message saying {fragment!r}", arrived, seconds)
        self.last_seen = message.message_id
        return message

    def new_messages(self) -> list[SentMessage]:
        return [m for m in self.inbox() if m.message_id > self.last_seen]

    def times_seen(self, fragment: str) -> int:
        return sum(fragment in (m.text or "") for m in self.inbox())


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    api = FakeBotApi()
    async with BotApiServer(api) as server:
        deployed = Deployment(tmp_path, api, server)
        try:
            yield deployed
        finally:
            await deployed.kill_all()


def phone_for(deployment: Deployment, person: Person) -> Phone:
    return Phone(deployment.api, UpdateFactory(deployment.api), person)


async def walk_to_working_well(phone: Phone) -> None:
    phone.command("/start")
    await phone.sees(WELCOME)
    phone.tap("Start")
    await phone.sees(WHICH_SERVICE)
    phone.tap(HOSTEL)
    await phone.sees(RATING)
    phone.tap("Good")
    await phone.sees(WORKING_WELL)


async def test_a_newcomer_can_point_the_bot_at_a_bot_api_and_give_feedback(
    deployment: Deployment,
) -> None:
    # The quick start: only BOT_TOKEN (and here BOT_API_URL); the database lands in the folder.
    person = Person(918_273_645, "Marzena", username="marzena_at_riverside")
    phone = phone_for(deployment, person)
    await deployment.start()

    phone.command("/start")
    welcome = await phone.sees(WELCOME)
    assert "not run by the services" in (welcome.text or "")
    assert [label for row in welcome.buttons for label, _ in row] == ["Start", "Not now"]
    phone.tap("Start")
    await phone.sees(WHICH_SERVICE)
    phone.tap(HOSTEL)
    await phone.sees(RATING)
    phone.tap("Very good")
    await phone.sees(WORKING_WELL)
    phone.say("Kasia on the night shift listened to me")
    await phone.sees(COULD_BE_BETTER)
    phone.say("Breakfast finishes too early")
    await phone.sees(UNMET_NEED)
    phone.tap("Skip")
    await phone.sees(QUOTE)
    phone.tap("Yes")
    await phone.sees(THANKS)

    assert await deployment.stop(signal.SIGTERM) == 0
    log = deployment.log()
    secret = FAKE_TOKEN.partition(":")[2]
    assert FAKE_TOKEN not in log and secret not in log
    for private in ("Kasia", "night shift", "Breakfast", "918273645", "Marzena", "marzena_at"):
        assert private not in log, f"the log shows {private!r}"
    assert "Traceback" not in log
    assert "generated a new key in" in log and "listening-post.key" in log
    key = deployment.directory / "listening-post.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    menus = deployment.api.calls_of("setMyCommands")
    english = next(call for call in menus if call.params.get("language_code") is None)
    assert [command["command"] for command in english.params["commands"]] == [
        "start", "help", "language", "stop", "forget"
    ]  # fmt: skip

    [response] = deployment.rows("SELECT * FROM responses")
    assert response["service_code"] == "riverside-hostel" and response["completed_at"]
    texts = {row["question"]: row["text"] for row in deployment.answers()}
    assert texts["working_well"] == "Kasia on the night shift listened to me"
    assert deployment.api.refusals == []


async def test_someone_halfway_through_carries_on_after_a_restart(
    deployment: Deployment,
) -> None:
    deployment.env["DATABASE_URL"] = f"sqlite:///{deployment.database}"
    phone = phone_for(deployment, Person(700_000_101))
    await deployment.start()
    await walk_to_working_well(phone)
    phone.say("The key workers")
    await phone.sees(COULD_BE_BETTER)

    # The machine dies: nothing graceful, perhaps before the last update was acknowledged.
    assert await deployment.stop(signal.SIGKILL) == -signal.SIGKILL
    phone.say("Hot water in the mornings")  # Telegram keeps it until the bot is back
    await deployment.start()

    await phone.sees(UNMET_NEED)
    phone.say("Somewhere to dry clothes")
    await phone.sees(QUOTE)
    phone.tap("No")
    await phone.sees(THANKS)
    assert await deployment.stop(signal.SIGTERM) == 0

    # Sent back to the start, or asked anything twice, the person would notice.
    for question in (WELCOME, WHICH_SERVICE, RATING, WORKING_WELL, COULD_BE_BETTER, UNMET_NEED):
        assert phone.times_seen(question) == 1, question
    answers = deployment.answers()
    assert sorted(row["question"] for row in answers) == [
        "could_be_better", "quote_consent", "rating", "unmet_need", "working_well"
    ]  # fmt: skip
    assert {row["question"]: row["text"] or row["choice"] for row in answers} == {
        "rating": "good",
        "working_well": "The key workers",
        "could_be_better": "Hot water in the mornings",
        "unmet_need": "Somewhere to dry clothes",
        "quote_consent": "no",
    }
    [response] = deployment.rows("SELECT * FROM responses")
    assert response["completed_at"] is not None and not response["quote_consent"]


async def test_an_update_is_not_acknowledged_until_its_work_is_committed(
    deployment: Deployment,
) -> None:
    deployment.env["DATABASE_URL"] = f"sqlite:///{deployment.database}"
    deployment.env["DATABASE_TIMEOUT"] = "2"
    phone = phone_for(deployment, Person(700_000_102))
    await deployment.start()
    await walk_to_working_well(phone)

    # Something else holds the database's write lock (a backup, a stuck admin session...).
    blocker = sqlite3.connect(deployment.database, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        answer = phone.say("Being listened to")
        await eventually(
            "the bot to report the database unavailable",
            lambda: "database unavailable" in deployment.log(),
            LOCK_FAILS_AFTER,
        )
        # Not committed, so not acknowledged: Telegram still holds it, and nothing was sent.
        assert len(deployment.api.updates) == 1
        assert all(o is None or o <= answer for o in deployment.update_offsets())
        assert phone.new_messages() == []
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    await phone.sees(COULD_BE_BETTER)
    await eventually("the answer to be acknowledged", lambda: len(deployment.api.updates) == 0)
    phone.say("Quieter rooms")  # completes the long poll that acknowledged the answer
    await phone.sees(UNMET_NEED)
    assert await deployment.stop(signal.SIGTERM) == 0

    assert phone.times_seen(COULD_BE_BETTER) == 1
    assert not any("went wrong" in (m.text or "") for m in phone.inbox())
    offsets = [o for o in deployment.update_offsets() if o is not None]
    asked_again = [i for i, o in enumerate(offsets) if o == answer]
    moved_on = offsets.index(answer + 1)
    assert len(asked_again) >= 2, "the failed update was not asked for again"
    assert max(asked_again) < moved_on, "the offset moved past the update before its commit"
    assert offsets == sorted(offsets)
    working_well = [row for row in deployment.answers() if row["question"] == "working_well"]
    assert [row["text"] for row in working_well] == ["Being listened to"]


async def test_a_redelivered_update_is_processed_once(deployment: Deployment) -> None:
    # Telegram redelivers whatever a bot has not acknowledged. The fake (like Telegram) refuses
    # a second push of an update_id, so the redelivery is made the way it happens in production:
    # the bot commits the answer, its acknowledging getUpdates fails, and then it dies.
    deployment.env["DATABASE_URL"] = f"sqlite:///{deployment.database}"
    phone = phone_for(deployment, Person(700_000_103))
    await deployment.start()
    await walk_to_working_well(phone)
    await asyncio.sleep(0.5)  # let the bot settle into its long poll before Telegram falters
    deployment.api.fail_next("getUpdates", 502, times=2)
    answer = phone.say("Clean sheets")
    await phone.sees(COULD_BE_BETTER)

    def acknowledgement_refused() -> bool:
        return any(
            r.method == "getUpdates" and r.params.get("offset") == answer + 1
            for r in deployment.api.refusals
        )

    await eventually("the acknowledgement to fail", acknowledgement_refused)
    assert await deployment.stop(signal.SIGKILL) == -signal.SIGKILL
    assert len(deployment.api.updates) == 1  # unacknowledged: it will be delivered again

    await deployment.start()
    await eventually("the redelivered update to be handled", lambda: not deployment.api.updates)
    phone.say("Quieter nights")
    await phone.sees(UNMET_NEED)
    assert await deployment.stop(signal.SIGTERM) == 0

    assert phone.times_seen(COULD_BE_BETTER) == 1 and phone.times_seen(UNMET_NEED) == 1
    words = {row["question"]: row["text"] for row in deployment.answers() if row["text"]}
    assert words == {"working_well": "Clean sheets", "could_be_better": "Quieter nights"}
    assert "skipped an update that was already processed" in deployment.log()
