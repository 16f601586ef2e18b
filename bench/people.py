"""Simulated people walking the feedback conversation through a bot's webhook, as Telegram would.

Each person is one concurrent slot: it walks the whole conversation as a fresh Telegram user
(so the bot's per-person flood limit never applies, as with real, distinct people), posting
the next update only after the previous one got its HTTP 200, as Telegram does per chat.
Button presses reference the bot's newest message to that chat, as the stand-in saw it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from bench.standin import StandIn, buttons

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
FIRST_USER_ID = 700_000_000


@dataclass(frozen=True)
class Step:
    kind: Literal["command", "press", "text"]
    value: str


# conversations/flows/feedback.yaml, walked from a deep link: every update gets a reply.
WALK = (
    Step("command", "/start riverside-hostel"),
    Step("press", "q:welcome:start"),
    Step("press", "q:rating:good"),
    Step("text", "The staff listen to me and my room is warm and clean."),
    Step("text", "It would help if the kitchen stayed open later in the evening."),
    Step("text", "Somewhere to talk about money and debts without an appointment."),
    Step("press", "q:quote_consent:yes"),
)
LAST_REPLY_STARTS = "Thank you."


@dataclass(frozen=True)
class Load:
    people: int = 10
    warmup: int = 200  # updates answered before measuring starts
    updates: int = 2000  # updates measured
    deadline: float = 120.0  # seconds; the run stops here whatever it has done


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, measured updates only
    elapsed: float = 0.0  # seconds from the first measured update sent to the last answered
    errors: int = 0  # answers other than 200
    off_script: int = 0  # the bot did not offer the button to press, or did not say thanks
    walks: int = 0  # conversations finished
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


class Crowd:
    """`load.people` people walking `WALK` again and again against one webhook."""

    def __init__(self, standin: StandIn, url: str, secret: str, load: Load, *, strict: bool):
        self.standin = standin
        self.url = url
        self.headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
        self.load = load
        self.strict = strict  # check the bot's replies follow the flow (not for the bare bot)
        self.result = Result()
        self._tickets = itertools.count()
        self._users = itertools.count(FIRST_USER_ID)
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._started: float | None = None
        self._finished = 0.0

    async def run(self) -> Result:
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=self.load.people)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            tasks = [asyncio.create_task(self._person(session)) for _ in range(self.load.people)]
            done, pending = await asyncio.wait(tasks, timeout=self.load.deadline)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.result()  # re-raise a crash in the driver itself
        self.result.timed_out = bool(pending)
        if self._started is not None:
            self.result.elapsed = self._finished - self._started
        return self.result

    async def _person(self, session: aiohttp.ClientSession) -> None:
        total = self.load.warmup + self.load.updates
        while True:
            user_id = next(self._users)
            for step in WALK:
                ticket = next(self._tickets)
                if ticket >= total:
                    return
                update = self._update(user_id, step)
                measured = ticket >= self.load.warmup
                if measured and self._started is None:
                    self._started = time.perf_counter()
                sent = time.perf_counter()
                async with session.post(self.url, data=update, headers=self.headers) as answer:
                    await answer.read()
                    status = answer.status
                answered = time.perf_counter()
                if measured:
                    self.result.latencies.append(answered - sent)
                    self._finished = max(self._finished, answered)
                if status != 200:
                    self.result.errors += 1
            self._end_walk(user_id)

    def _end_walk(self, chat_id: int) -> None:
        last = self.standin.last_sent(chat_id) or {}
        if self.strict and not str(last.get("text", "")).startswith(LAST_REPLY_STARTS):
            self.result.off_script += 1
        self.result.walks += 1
        self.standin.forget_chat(chat_id)

    def _update(self, user_id: int, step: Step) -> bytes:
        user = {"id": user_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}
        chat = {"id": user_id, "type": "private", "first_name": "Alex"}
        payload: dict[str, Any]
        if step.kind == "press":
            shown = self.standin.last_sent(user_id)
            if self.strict and step.value not in buttons(shown):
                self.result.off_script += 1
            query_id = f"{user_id}{next(self._query_ids):08d}"
            self.standin.expect_query(query_id)
            payload = {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": shown or {"message_id": 1, "date": 0, "chat": chat},
                    "chat_instance": str(-8_000_000_000_000 - user_id),
                    "data": step.value,
                }
            }
        else:
            message: dict[str, Any] = {
                "message_id": self.standin.next_message_id(user_id),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": step.value,
            }
            if step.kind == "command":
                length = len(step.value.split(" ", 1)[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            payload = {"message": message}
        return json.dumps({"update_id": next(self._update_ids), **payload}).encode()
