"""Feedback given through the real repository, then moved to the time a test needs."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.runtime import Runtime
from conversations.scrub import scrub
from storage.models import Response
from storage.types import Pseudonym

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)  # 2026-W47 began at 00:00 GMT, which is UTC


def pseudonym(number: int) -> Pseudonym:
    return Pseudonym(hashlib.sha256(str(number).encode()).hexdigest())


@dataclass
class Seeder:
    """Feedback given through the real repository, then moved to the time a test needs."""

    runtime: Runtime
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def give(
        self,
        service: str | None = "riverside-hostel",
        *,
        at: datetime = MONDAY + timedelta(hours=12),
        status: str = "service",
        rating: str | None = None,
        words: Mapping[str, str] | None = None,
        skipped: Collection[str] = (),
        consent: bool | None = None,
        language: str = "en",
        person: int | None = None,
    ) -> None:
        who = pseudonym(person if person is not None else next(self.numbers) + 10_000)
        async with self.runtime.repo.turn(who, None) as turn:
            turn.update_state(language=language)
            response_id = await turn.start_response(service, status)
            turn.update_state(response_id=response_id)
            if rating:
                await turn.record_answer("rating", choice=rating)
            for question, text in (words or {}).items():
                await turn.record_answer(question, text=scrub(text), language=language)
            for question in skipped:
                await turn.record_answer(question, skipped=True)
            if consent is not None:
                await turn.record_answer("quote_consent", choice="yes" if consent else "no")
                await turn.set_quote_consent(consent)
            await turn.complete_response()
            turn.update_state(response_id=None, step=None)
        # The repository stamps a response with the clock; tests say when it happened.
        async with self.runtime.engine.begin() as connection:
            await connection.execute(
                update(Response).where(Response.id == response_id).values(started_at=at)
            )

    async def many(
        self, count: int, service: str | None = "riverside-hostel", **kw: object
    ) -> None:
        for _ in range(count):
            await self.give(service, **kw)  # type: ignore[arg-type]
