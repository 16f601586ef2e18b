"""The real `python -m bot serve`, as a platform runs it: side by side, killed, cut off, stopped.

The test plays Telegram in both directions: it posts each update to the process over HTTP with the
secret header, as Telegram's webhook does, and redelivers whatever did not get a 200; the Bot API
the processes call is the fake, on loopback. The database is read directly, as an operator would.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import create_async_engine

from bot.webhook import SECRET_HEADER
from conversations.pseudonym import Pseudonymiser
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi
from tests.fakes.chats import SentMessage
from tests.fakes.people import Person
from tests.fakes.server import BotApiServer
from tests.fakes.updates import UpdateFactory
from tests.processes import LOOPBACK, BotProcess, Processes, TcpRelay, eventually, free_port

SECRET = "webhook-secret-for-real-processes_42"
PSEUDONYM_KEY = "processes-test-key-" + "7" * 40
START_SECONDS = 20.0  # a cold start imports PTB and SQLAlchemy (and migrates SQLite)
POST_SECONDS = 30.0  # no single delivery may take longer
SIGTERM_GRACE = 25.0  # platforms send SIGKILL some 30 s after SIGTERM

HOSTEL = "Riverside Hostel (example)"
WELCOME = "Would you like to start?"
WHICH_SERVICE = "Which service do you want to tell us about?"
RATING = f"Overall, how was your experience of {HOSTEL}?"
WORKING_WELL = "What is working well for you?"
COULD_BE_BETTER = "What could be better?"
UNMET_NEED = "anything you need that no service gives you"
QUOTE = "May we quote your words"
THANKS = "Thank you."
WENT_WRONG = "something went wrong"
SLOW_DOWN = (
    "You are sending messages very fast. Please wait a minute, then carry on."
    " I did not keep the last few."
)
QUESTIONS = (WELCOME, WHICH_SERVICE, RATING, WORKING_WELL, COULD_BE_BETTER, UNMET_NEED, QUOTE)

Update = dict[str, Any]


class Telegram(FakeBotApi):
    """The fake Bot API, where the bot's replies can be slowed or held, as by a busy Telegram."""

    def __init__(self) -> None:
        super().__init__()
        self.latency = 0.0
        self.held = 0  # replies on their way in: the bot has committed and is replying
        self._slow: list[float] = []
        self._dropping = 0
        self._open = asyncio.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def drop_held(self) -> None:
        """The held replies never reach Telegram: the bot died before they left the machine."""
        self._dropping += self.held
        self._open.set()

    def slow_next(self, seconds: float) -> None:
        """The next reply takes `seconds` longer to reach Telegram (a slow network path)."""
        self._slow.append(seconds)

    async def handle(self, method: str, params: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        if method in ("sendMessage", "answerCallbackQuery"):
            self.held += 1
            try:
                await asyncio.sleep(self.latency + (self._slow.pop(0) if self._slow else 0))
                await self._open.wait()
            finally:
                self.held -= 1
            if self._dropping:
                self._dropping -= 1
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return await super().handle(method, params, **kwargs)


class Phone:
    """One person's Telegram app: the updates their taps and words become, and what they see."""

    def __init__(self, telegram: Telegram, updates: UpdateFactory, person: Person) -> None:
        self.telegram = telegram
        self.updates = updates
        self.person = person
        self.pseudonym = Pseudonymiser(PSEUDONYM_KEY.encode()).of(person.user_id).value

    def inbox(self) -> list[SentMessage]:
        return self.telegram.messages_to(self.person.chat_id)

    def screen(self) -> list[tuple[str, list[list[tuple[str, str | None]]]]]:
        """Every message the person was sent, with its buttons, oldest first."""
        return [(m.text or "", m.buttons) for m in self.inbox()]

    def times_seen(self, fragment: str) -> int:
        return sum(fragment in (m.text or "") for m in self.inbox())

    def newest(self) -> str:
        inbox = self.inbox()
        return inbox[-1].text or "" if inbox else ""

    def command(self, command: str, args: str | None = None) -> Update:
        return self.updates.command(self.person, command, args=args)

    def say(self, words: str) -> Update:
        return self.updates.text(self.person, words)

    def tap(self, label: str) -> Update:
        """Tap the button labelled `label` on the newest message that has one."""
        for message in reversed(self.inbox()):
            if any(text == label for row in message.buttons for text, _ in row):
                return self.updates.press(self.person, message, label)
        raise AssertionError(f"no button {label!r} on screen")


class Site:
    """One `serve` process, and the address Telegram posts its updates to."""

    def __init__(self, process: BotProcess, port: int, http: aiohttp.ClientSession) -> None:
        self.process = process
        self.port = port
        self.http = http
        self.url = f"http://{LOOPBACK}:{port}"

    async def post(self, update: Update) -> int | None:
        """Deliver an update as Telegram does: its HTTP status, or None if the connection failed."""
        try:
            async with self.http.post(
                f"{self.url}/telegram", json=update, headers={SECRET_HEADER: SECRET}
            ) as response:
                await response.read()
                return response.status
        except aiohttp.ClientConnectionError:
            return None

    async def health(self) -> int | None:
        try:
            async with self.http.get(f"{self.url}/healthz") as response:
                return response.status
        except aiohttp.ClientConnectionError:
            return None

    async def ready(self) -> bool:
        if not self.process.running:
            raise AssertionError(f"serve exited on starting; its log:\n{self.process.log()}")
        return await self.health() == 200

    async def refuses_connections(self) -> bool:
        try:
            _, writer = await asyncio.open_connection(LOOPBACK, self.port)
        except (ConnectionRefusedError, ConnectionResetError):  # reset: closed mid-handshake
            return True
        writer.close()
        await writer.wait_closed()
        return False


class Store:
    """The database, read directly, never through the bot."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_async_engine(url)

    @property
    def sqlite_file(self) -> Path:
        return Path(self.url.removeprefix("sqlite+aiosqlite:///"))

    async def rows(self, sql: str, **params: Any) -> list[Row[Any]]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).all())

    async def answers_of(self, phone: Phone) -> list[tuple[str, str | None]]:
        """(question, words or choice or "skipped") for every answer row of this person's."""
        rows = await self.rows(
            "SELECT a.question, a.choice, a.text, a.skipped FROM answers a"
            " JOIN responses r ON r.id = a.response_id WHERE r.pseudonym = :who ORDER BY a.id",
            who=phone.pseudonym,
        )
        return [
            (r.question, r.text or r.choice or ("skipped" if r.skipped else None)) for r in rows
        ]

    async def responses_of(self, phone: Phone) -> list[Row[Any]]:
        return await self.rows(
            "SELECT * FROM responses WHERE pseudonym = :who ORDER BY id", who=phone.pseudonym
        )

    async def unsent_replies(self) -> list[str]:
        """Texts of replies committed with their update but not recorded as sent."""
        rows = await self.rows(
            "SELECT replies FROM processed_updates WHERE replies IS NOT NULL AND replied_at IS NULL"
        )
        return [reply["text"] for row in rows for reply in json.loads(row.replies)["replies"]]

    async def processed_update_ids(self) -> set[int]:
        return {row.update_id for row in await self.rows("SELECT update_id FROM processed_updates")}

    @asynccontextmanager
    async def writes_held(self) -> AsyncIterator[None]:
        """Another session holds the database's write lock (a backup, a stuck admin session...)."""
        if self.url.startswith("sqlite"):
            blocker = sqlite3.connect(self.sqlite_file, isolation_level=None)
            try:
                blocker.execute("BEGIN EXCLUSIVE")
                yield
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            return
        async with self.engine.connect() as connection:
            # Every update's transaction starts by recording its id here, so each one waits.
            await connection.execute(
                text("LOCK TABLE processed_updates IN SHARE ROW EXCLUSIVE MODE")
            )
            yield
            await connection.rollback()

    async def writers_waiting(self, count: int) -> None:
        """Wait until `count` transactions are blocked behind `writes_held`."""
        if self.url.startswith("sqlite"):
            await asyncio.sleep(0.5)  # SQLite shows no waiters; loopback delivers in far less
            return

        async def waiting() -> bool:
            [row] = await self.rows(
                "SELECT count(*) AS n FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return bool(row.n >= count)

        await eventually(f"{count} transactions to wait for the lock", waiting, 10)


class Platform:
    """One machine's loopback: Telegram both ways, the database, and the bot's processes."""

    def __init__(
        self,
        directory: Path,
        database_url: str,
        telegram: Telegram,
        bot_api: BotApiServer,
        http: aiohttp.ClientSession,
    ) -> None:
        self.database_url = database_url
        self.telegram = telegram
        self.http = http
        self.store = Store(database_url)
        self.updates = UpdateFactory(telegram)
        self.processes = Processes(
            directory,
            {
                "PTB_TIMEDELTA": "true",
                "BOT_TOKEN": FAKE_TOKEN,
                "BOT_API_URL": bot_api.base_url,
                "WEBHOOK_SECRET": SECRET,
                "PSEUDONYM_KEY": PSEUDONYM_KEY,
                "DATABASE_URL": database_url,
                "DATABASE_TIMEOUT": "2",
                "TELEGRAM_MAX_RATE": "0",
            },
        )

    @property
    def on_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def phone(self, user_id: int) -> Phone:
        return Phone(self.telegram, self.updates, Person(user_id))

    async def release(self, **env: str) -> None:
        """The platform's release phase: migrate PostgreSQL (on SQLite, `serve` does it itself)."""
        if not self.on_sqlite:
            await self.processes.run("migrate", name="migrate", **env)

    async def serve(self, **env: str) -> Site:
        """Start `serve` on a port of its own and wait until its health check passes."""
        port = free_port()
        process = await self.processes.start("serve", name="serve", PORT=str(port), **env)
        site = Site(process, port, self.http)
        await eventually("serve to pass its health check", site.ready, START_SECONDS)
        return site


@pytest.fixture
async def platform(tmp_path: Path, database_url: str) -> AsyncIterator[Platform]:
    telegram = Telegram()
    connector = aiohttp.TCPConnector(force_close=True, limit=0)  # a connection per delivery
    timeout = aiohttp.ClientTimeout(total=POST_SECONDS)
    async with (
        BotApiServer(telegram) as bot_api,
        aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
    ):
        deployed = Platform(tmp_path, database_url, telegram, bot_api, http)
        try:
            yield deployed
        finally:
            telegram.release()
            await deployed.processes.kill_all()
            await deployed.store.engine.dispose()


async def deliver(site: Site, update: Update) -> None:
    status = await site.post(update)
    assert status == 200, f"update {update['update_id']} got {status}"


async def walk_to_working_well(site: Site, phone: Phone) -> None:
    """From a service's QR code to the first words question."""
    await deliver(site, phone.command("/start", "riverside-hostel"))
    await deliver(site, phone.tap("Start"))
    await deliver(site, phone.tap("Very good"))
    assert phone.newest().startswith(WORKING_WELL)


def never_asked_twice(phone: Phone, unsure: Iterable[str] = ()) -> None:
    """Each question once; twice only if a dead server could not know its first copy went.

    Sending is at least once: a reply that reached Telegram just as its server died is still in
    the outbox as unsent, and is sent again when the update is redelivered.
    """
    for question in QUESTIONS:
        limit = 2 if any(question in text for text in unsure) else 1
        assert phone.times_seen(question) <= limit, f"asked {question!r} {limit + 1} times"
    assert phone.times_seen(WENT_WRONG) == 0


# One person's whole flow: /start, Start, which service, rating, three answers in words, quoting.
WHOLE_FLOW: tuple[Callable[[Phone], Update], ...] = (
    lambda phone: phone.command("/start"),
    lambda phone: phone.tap("Start"),
    lambda phone: phone.tap(HOSTEL),
    lambda phone: phone.tap("Very good"),
    lambda phone: phone.say("The night staff listen"),
    lambda phone: phone.say("Breakfast ends too early"),
    lambda phone: phone.say("Somewhere to wash clothes"),
    lambda phone: phone.tap("Yes"),
)
WHOLE_FLOW_ANSWERS = [
    ("rating", "very_good"),
    ("working_well", "The night staff listen"),
    ("could_be_better", "Breakfast ends too early"),
    ("unmet_need", "Somewhere to wash clothes"),
    ("quote_consent", "yes"),
]


async def test_two_processes_on_one_database_complete_one_persons_flow_alternately(
    platform: Platform,
) -> None:
    if platform.on_sqlite:
        pytest.skip("several processes share a database on PostgreSQL (TEST_DATABASE_URL)")
    await platform.release()
    a, b = await asyncio.gather(platform.serve(), platform.serve())

    alone, alternating = platform.phone(830_000_001), platform.phone(830_000_002)
    for step in WHOLE_FLOW:
        await deliver(a, step(alone))
    for number, step in enumerate(WHOLE_FLOW):
        await deliver((a, b)[number % 2], step(alternating))

    assert alternating.screen() == alone.screen()
    assert alternating.newest().startswith(THANKS)
    for phone in (alone, alternating):
        assert await platform.store.answers_of(phone) == WHOLE_FLOW_ANSWERS
        [response] = await platform.store.responses_of(phone)
        assert response.completed_at is not None and response.quote_consent


async def test_two_processes_take_one_persons_simultaneous_updates_one_at_a_time(
    platform: Platform,
) -> None:
    if platform.on_sqlite:
        pytest.skip("several processes share a database on PostgreSQL (TEST_DATABASE_URL)")
    await platform.release()
    a, b = await asyncio.gather(platform.serve(), platform.serve())
    phones = [platform.phone(831_000_000 + n) for n in range(8)]

    async def walk(number: int, phone: Phone) -> None:
        # Each person's updates alternate between the processes, everyone at once.
        await deliver((a, b)[number % 2], phone.command("/start", "riverside-hostel"))
        await deliver((b, a)[number % 2], phone.tap("Start"))

    await asyncio.gather(*(walk(n, phone) for n, phone in enumerate(phones)))

    # Everyone double-taps a rating: one tap reaches each process at the same moment.
    taps = [(phone.tap("Very good"), phone.tap("Very good")) for phone in phones]
    statuses = await asyncio.gather(
        *(site.post(tap) for pair in taps for site, tap in zip((a, b), pair, strict=True))
    )
    assert statuses == [200] * len(statuses)
    for phone in phones:
        assert phone.times_seen(WORKING_WELL) == 1

    # Everyone sends two messages at once, one to each process: they answer two questions.
    said = [(f"Kind staff {n}", f"More hot water {n}") for n in range(len(phones))]
    statuses = await asyncio.gather(
        *(
            site.post(phone.say(words))
            for phone, pair in zip(phones, said, strict=True)
            for site, words in zip((a, b), pair, strict=True)
        )
    )
    assert statuses == [200] * len(statuses)

    for phone, pair in zip(phones, said, strict=True):
        # Both next questions, once each (in which order: see the ordering test below).
        assert sorted(text for text, _ in phone.screen()[-2:]) == [
            "Is there anything you need that no service gives you?",
            "What could be better? Write a few words, or tap Skip.",
        ]
        never_asked_twice(phone)
        rating, *words = await platform.store.answers_of(phone)
        assert rating == ("rating", "very_good")
        # One message answers each question, whichever process took it first.
        assert sorted(question for question, _ in words) == ["could_be_better", "working_well"]
        assert sorted(answer for _, answer in words) == sorted(pair)
        assert len(await platform.store.responses_of(phone)) == 1
    assert len(await platform.store.processed_update_ids()) == len(phones) * 6


async def test_questions_reach_the_person_in_the_order_they_were_asked(
    platform: Platform,
) -> None:
    if not platform.on_sqlite:
        pytest.skip("one process on one database shows it; once is enough")
    site = await platform.serve()
    phone = platform.phone(835_000_001)
    await walk_to_working_well(site, phone)

    platform.telegram.slow_next(1.0)  # the first reply is slow on its way to Telegram
    first = asyncio.create_task(site.post(phone.say("Kind staff")))
    await eventually("the first reply to be on its way", lambda: platform.telegram.held, 10)
    assert await site.post(phone.say("More hot water")) == 200
    assert await first == 200

    assert [text for text, _ in phone.screen()[-2:]] == [
        "What could be better? Write a few words, or tap Skip.",
        "Is there anything you need that no service gives you?",
    ]


async def test_a_server_killed_mid_batch_loses_nothing_once_updates_are_redelivered(
    platform: Platform,
) -> None:
    await platform.release()
    first = await platform.serve()
    phones = [platform.phone(832_000_000 + n) for n in range(12)]
    await asyncio.gather(*(walk_to_working_well(first, phone) for phone in phones))
    words = [(f"Staff {n} listen", f"Hot water {n}", f"A locker {n}") for n in range(len(phones))]
    batch = [
        [phone.say(w) for w in three] for phone, three in zip(phones, words, strict=True)
    ]  # each person's next three messages, already in Telegram's queue
    status: dict[int, int | None] = {}

    async def send_in_order(updates: list[Update]) -> None:
        for update in updates:
            status[update["update_id"]] = await first.post(update)

    # Replies take a while to reach Telegram, so updates are in flight at every stage.
    platform.telegram.latency = 0.1
    sending = [asyncio.create_task(send_in_order(updates)) for updates in batch]
    await eventually(
        "a third of the batch to be acknowledged",
        lambda: list(status.values()).count(200) >= len(phones),
        POST_SECONDS,
    )
    # Telegram stalls, so some answers are surely committed with their replies not yet sent.
    platform.telegram.hold()
    await eventually("replies held on their way", lambda: platform.telegram.held >= 3, 10)
    assert await first.process.kill() == -signal.SIGKILL
    await asyncio.gather(*sending)
    platform.telegram.latency = 0.0
    platform.telegram.release()
    acknowledged = {update_id for update_id, code in status.items() if code == 200}
    assert 0 < len(acknowledged) < len(status), "the kill did not land mid-batch"
    # Some were committed but never acknowledged: their redelivery must not store them again.
    committed = await platform.store.processed_update_ids() & set(status)
    assert committed - acknowledged, "the kill caught no update between commit and 200"
    unsure = await platform.store.unsent_replies()

    # Telegram redelivers everything unacknowledged, and some updates that were acknowledged
    # (it can miss a 200 as easily as the bot can miss an update).
    second = await platform.serve()

    async def redeliver(number: int, updates: list[Update]) -> None:
        for update in updates:
            if update["update_id"] not in acknowledged or number % 2 == 0:
                await deliver(second, update)

    await asyncio.gather(*(redeliver(n, updates) for n, updates in enumerate(batch)))

    for phone, (working_well, could_be_better, unmet_need) in zip(phones, words, strict=True):
        assert await platform.store.answers_of(phone) == [
            ("rating", "very_good"),
            ("working_well", working_well),
            ("could_be_better", could_be_better),
            ("unmet_need", unmet_need),
        ]
        assert len(await platform.store.responses_of(phone)) == 1
        never_asked_twice(phone, unsure)
    assert set(status) <= await platform.store.processed_update_ids()
    # Not asserted here: that each person saw every next question. A reply the dead process had
    # not yet sent is sent on redelivery (see the test below).


async def test_a_person_whose_reply_died_with_the_server_gets_it_after_redelivery(
    platform: Platform,
) -> None:
    if not platform.on_sqlite:
        pytest.skip("one process on one database shows it; once is enough")
    first = await platform.serve()
    phone = platform.phone(836_000_001)
    await walk_to_working_well(first, phone)

    platform.telegram.hold()
    answer = phone.say("Kind staff")
    delivery = asyncio.create_task(first.post(answer))
    await eventually("the answer to be committed", lambda: platform.telegram.held, 10)
    assert await first.process.kill() == -signal.SIGKILL  # before its reply left the machine
    platform.telegram.drop_held()
    assert await delivery is None

    second = await platform.serve()
    await deliver(second, answer)  # Telegram never got a 200, so it delivers the answer again
    assert await platform.store.answers_of(phone) == [
        ("rating", "very_good"),
        ("working_well", "Kind staff"),
    ]
    assert phone.newest().startswith(COULD_BE_BETTER)


class Outage:
    """Take the database away from `serve` for a while, without touching anyone else's."""

    env: dict[str, str]

    async def begin(self) -> None:
        raise NotImplementedError

    async def end(self) -> None:
        raise NotImplementedError


class PostgresStops(Outage):
    """`serve` reaches PostgreSQL through a relay; cutting it is PostgreSQL going away."""

    def __init__(self, relay: TcpRelay, database_url: str) -> None:
        self.relay = relay
        url = make_url(database_url).set(host=LOOPBACK, port=relay.port)
        self.env = {"DATABASE_URL": url.render_as_string(hide_password=False)}

    async def begin(self) -> None:
        await self.relay.cut()

    async def end(self) -> None:
        await self.relay.restore()


class SqliteLocked(Outage):
    """Another program holds the SQLite file's lock for longer than the bot waits (1 s)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {"DATABASE_TIMEOUT": "1"}
        self.blocker: sqlite3.Connection | None = None

    async def begin(self) -> None:
        self.blocker = sqlite3.connect(self.path, isolation_level=None)
        self.blocker.execute("BEGIN EXCLUSIVE")

    async def end(self) -> None:
        if self.blocker is not None:
            self.blocker.execute("ROLLBACK")
            self.blocker.close()
            self.blocker = None


@pytest.fixture
async def outage(platform: Platform) -> AsyncIterator[Outage]:
    if platform.on_sqlite:
        locked = SqliteLocked(platform.store.sqlite_file)
        try:
            yield locked
        finally:
            await locked.end()
        return
    server = make_url(platform.database_url)
    relay = TcpRelay(server.host or LOOPBACK, server.port or 5432)
    await relay.open()
    try:
        yield PostgresStops(relay, platform.database_url)
    finally:
        await relay.cut()


async def test_a_database_outage_gets_5xx_then_recovers_with_nothing_lost(
    platform: Platform, outage: Outage
) -> None:
    await platform.release(**outage.env)
    site = await platform.serve(**outage.env)
    rating, words, midway, newcomer = (platform.phone(833_000_000 + n) for n in range(4))
    await deliver(site, rating.command("/start", "riverside-hostel"))
    await deliver(site, rating.tap("Start"))
    await walk_to_working_well(site, words)
    await walk_to_working_well(site, midway)
    # What each of them does while the database is away, and what they should then see.
    pending = [
        (rating, rating.tap("Poor"), WORKING_WELL),
        (words, words.say("The key workers"), COULD_BE_BETTER),
        (midway, midway.say("Somewhere quiet"), COULD_BE_BETTER),
        (newcomer, newcomer.command("/start"), WELCOME),
    ]
    seen_before = {phone.person.user_id: len(phone.inbox()) for phone, _, _ in pending}

    if platform.on_sqlite:
        await outage.begin()
    else:  # PostgreSQL goes away in the middle of one update's transaction
        async with platform.store.writes_held():
            caught = asyncio.create_task(site.post(pending[2][1]))
            await platform.store.writers_waiting(1)
            await outage.begin()
            assert (await caught or 0) // 100 == 5
    try:
        for _attempt in range(2):  # Telegram tries again while it is still down
            statuses = await asyncio.gather(*(site.post(update) for _, update, _ in pending))
            assert all(code is not None and 500 <= code < 600 for code in statuses), statuses
        assert await site.health() == 503
        for phone, _, _ in pending:  # nothing said while nothing could be saved
            assert len(phone.inbox()) == seen_before[phone.person.user_id]
    finally:
        await outage.end()

    await eventually("the health check to pass again", site.ready, 10)
    for _attempt in range(2):  # redelivered, and again (Telegram missed the first 200)
        statuses = await asyncio.gather(*(site.post(update) for _, update, _ in pending))
        assert statuses == [200] * len(pending)

    for phone, _, next_question in pending:
        new = phone.inbox()[seen_before[phone.person.user_id] :]
        assert [next_question in (m.text or "") for m in new] == [True]
        never_asked_twice(phone)
    assert await platform.store.answers_of(rating) == [("rating", "poor")]
    assert await platform.store.answers_of(words) == [
        ("rating", "very_good"),
        ("working_well", "The key workers"),
    ]
    assert await platform.store.answers_of(midway) == [
        ("rating", "very_good"),
        ("working_well", "Somewhere quiet"),
    ]
    assert await platform.store.answers_of(newcomer) == []
    assert site.process.running


async def test_sigterm_finishes_requests_in_flight_and_exits_cleanly(platform: Platform) -> None:
    await platform.release()
    site = await platform.serve(DATABASE_TIMEOUT="10")  # SQLite waits out the held lock below
    phones = [platform.phone(834_000_000 + n) for n in range(8)]
    await asyncio.gather(*(walk_to_working_well(site, phone) for phone in phones))
    replying, queued, late = phones[:4], phones[4:7], phones[7]

    # Four answers are committed, their replies on the way to a slow Telegram...
    platform.telegram.hold()
    in_flight = [
        asyncio.create_task(site.post(p.say(f"Warm rooms {n}"))) for n, p in enumerate(replying)
    ]
    await eventually("four replies on their way", lambda: platform.telegram.held == 4, 10)
    loop = asyncio.get_running_loop()
    async with platform.store.writes_held():
        # ...and three more wait for the database, which something else has locked.
        in_flight += [
            asyncio.create_task(site.post(p.say(f"Quiet nights {n}"))) for n, p in enumerate(queued)
        ]
        await platform.store.writers_waiting(len(queued))

        site.process.send_signal(signal.SIGTERM)
        stopping_at = loop.time()
        await eventually("new connections to be refused", site.refuses_connections, 5)
        assert await site.post(late.say("Too late")) is None  # Telegram will deliver it again
        assert site.process.running, "serve exited with requests in flight"
    platform.telegram.release()

    assert await asyncio.gather(*in_flight) == [200] * 7
    remaining = SIGTERM_GRACE - (loop.time() - stopping_at)
    assert await site.process.exit_status(remaining) == 0
    log = site.process.log()
    assert "listening_post: stopped" in log and "Traceback" not in log

    for number, phone in enumerate(replying):
        assert (await platform.store.answers_of(phone))[-1] == (
            "working_well",
            f"Warm rooms {number}",
        )
        assert phone.newest().startswith("What could be better?")
    for number, phone in enumerate(queued):
        assert (await platform.store.answers_of(phone))[-1] == (
            "working_well",
            f"Quiet nights {number}",
        )
        assert phone.newest().startswith("What could be better?")
    assert await platform.store.answers_of(late) == [("rating", "very_good")]
    assert late.newest().startswith(WORKING_WELL)


async def test_a_flood_sent_to_two_processes_gets_one_slow_down_and_nothing_past_the_20th_kept(
    platform: Platform,
) -> None:
    if platform.on_sqlite:
        pytest.skip("several processes share a database on PostgreSQL (TEST_DATABASE_URL)")
    await platform.release()
    sites = await asyncio.gather(platform.serve(), platform.serve())
    phone = platform.phone(837_000_001)
    loop = asyncio.get_running_loop()
    began = loop.time()
    # One phone's 25 messages inside a minute, each to the other process than the one before.
    flood: list[Callable[[Phone], Update]] = [
        lambda phone: phone.command("/start", "riverside-hostel"),
        lambda phone: phone.tap("Start"),
        lambda phone: phone.tap("Very good"),
        *[lambda phone: phone.command("/help")] * 16,
        lambda phone: phone.say("Kind staff"),  # the 20th: still kept, and answered
        *[lambda phone, n=n: phone.say(f"Flooding {n}") for n in range(21, 26)],
    ]
    for number, message in enumerate(flood):
        await deliver(sites[number % 2], message(phone))
        if number == 19:
            assert phone.newest().startswith(COULD_BE_BETTER)
    assert loop.time() - began < 60, "too slow to flood one minute's window"

    assert phone.times_seen(SLOW_DOWN) == 1
    assert phone.newest() == SLOW_DOWN  # told once, then nothing more that minute
    assert await platform.store.answers_of(phone) == [
        ("rating", "very_good"),
        ("working_well", "Kind staff"),
    ]
    [response] = await platform.store.responses_of(phone)
    assert response.completed_at is None


async def test_serves_log_holds_no_token_no_words_and_nothing_that_identifies_the_person(
    platform: Platform,
) -> None:
    await platform.release()
    site = await platform.serve()
    person = Person(
        7_318_204_965, first_name="Ottoline", last_name="Quennell", username="marzipan_heron"
    )
    phone = Phone(platform.telegram, platform.updates, person)
    words = (
        "Zebrafinch lanterns",
        "Periwinkle trombones",
        "Quokka porridge",
        "Xylophone orchards",
        "Gooseberry telescopes",
    )
    await deliver(site, phone.command("/start"))
    await deliver(site, phone.tap("Start"))
    await deliver(site, phone.tap(HOSTEL))
    await deliver(site, phone.tap("Very good"))
    await deliver(site, phone.say(words[0]))
    await deliver(site, platform.updates.edited_text(person, words[1]))
    await deliver(site, platform.updates.photo(person, caption=words[1]))
    platform.telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await deliver(site, phone.say(words[2]))  # stored, but its reply fails: that is logged
    await deliver(site, phone.say(words[3]))
    await deliver(site, phone.command("/unheard", words[4]))
    await deliver(site, phone.tap("Yes"))
    assert phone.newest().startswith(THANKS)
    platform.telegram.blocked_chats = {person.chat_id}
    await deliver(site, phone.command("/help"))  # the person has blocked the bot: also logged
    site.process.send_signal(signal.SIGTERM)
    assert await site.process.exit_status() == 0

    log = site.process.log()
    assert "handling an update failed" in log and "blocked the bot" in log  # the log says things
    secrets = [FAKE_TOKEN, FAKE_TOKEN.split(":")[1], SECRET, PSEUDONYM_KEY]
    identifiers = [str(person.user_id), "Ottoline", "Quennell", "marzipan", phone.pseudonym[:12]]
    typed = [word for said in words for word in said.split()]
    for leak in (*secrets, *identifiers, *typed):
        assert leak.lower() not in log.lower(), f"{leak!r} is in serve's log:\n{log}"
