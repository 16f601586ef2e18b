"""One person's turn: their state and the writes of one update, inside one transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Participant, Response, utcnow
from storage.types import Pseudonym, ScrubbedText, require


@dataclass(frozen=True)
class PersonState:
    """What the conversation needs to know about one person between their messages."""

    language: str = "en"
    language_source: str = "default"
    step: str | None = None
    response_id: int | None = None
    pending_service: str | None = None


@dataclass(frozen=True)
class ResponseView:
    """What the conversation needs to know about the person's open response."""

    service_code: str | None
    service_status: str
    wrote_words: bool


class Turn:
    """One person's storage work for one update, inside a transaction holding their row lock."""

    def __init__(
        self,
        session: AsyncSession,
        who: Pseudonym,
        state: PersonState,
        duplicate: bool,
        window: tuple[datetime | None, int],
    ):
        self._session = session
        self._who = who
        self.state = state
        self.duplicate = duplicate
        self.forgotten = False
        self._window_start, self._window_count = window
        self.outbox: str | None = None  # the replies, saved with the update at commit
        self.unsent: str | None = None  # on a duplicate: replies that never went out

    @property
    def window(self) -> tuple[datetime | None, int]:
        return self._window_start, self._window_count

    def count_message(self, window: timedelta) -> int:
        """Count this update in the person's current window; returns how many so far."""
        now = utcnow()
        if self._window_start is None or now - self._window_start >= window:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        return self._window_count

    def update_state(self, **changes: object) -> PersonState:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        return self.state

    async def start_response(self, service_code: str | None, service_status: str) -> int:
        response = Response(
            pseudonym=self._who.value,
            service_code=service_code,
            service_status=service_status,
            language=self.state.language,
        )
        self._session.add(response)
        await self._session.flush()
        return response.id

    async def record_answer(
        self,
        question: str,
        *,
        choice: str | None = None,
        text: ScrubbedText | None = None,
        skipped: bool = False,
        language: str | None = None,
    ) -> None:
        """Store (or replace) the answer to `question` in the person's current response."""
        if text is not None:
            require(text, ScrubbedText)
        response_id = self.state.response_id
        if response_id is None:
            raise ValueError("no response is open for this person")
        await self._session.execute(
            delete(Answer).where(Answer.response_id == response_id, Answer.question == question)
        )
        self._session.add(
            Answer(
                response_id=response_id,
                question=question,
                choice=choice,
                text=text.value if text is not None else None,
                skipped=skipped,
                language=language or self.state.language,
            )
        )

    async def open_response(self) -> ResponseView | None:
        if self.state.response_id is None:
            return None
        row = (
            await self._session.execute(
                select(Response.service_code, Response.service_status).where(
                    Response.id == self.state.response_id, Response.pseudonym == self._who.value
                )
            )
        ).one_or_none()
        if row is None:
            return None
        words = await self._session.execute(
            select(
                exists().where(
                    Answer.response_id == self.state.response_id, Answer.text.is_not(None)
                )
            )
        )
        return ResponseView(row.service_code, row.service_status, bool(words.scalar()))

    async def set_quote_consent(self, consent: bool | None) -> None:
        await self._session.execute(
            update(Response)
            .where(Response.id == self.state.response_id, Response.pseudonym == self._who.value)
            .values(quote_consent=consent)
        )

    async def complete_response(self) -> None:
        await self._session.execute(
            update(Response)
            .where(Response.id == self.state.response_id, Response.pseudonym == self._who.value)
            .values(completed_at=utcnow())
        )

    async def forget(self) -> int:
        """Delete everything this person has told the bot, and nothing of anyone else's."""
        ids = select(Response.id).where(Response.pseudonym == self._who.value)
        await self._session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
        result = await self._session.execute(
            delete(Response).where(Response.pseudonym == self._who.value)
        )
        await self._session.execute(
            delete(Participant).where(Participant.pseudonym == self._who.value)
        )
        self.forgotten = True
        self.state = PersonState()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def state_of(row: Participant) -> PersonState:
    return PersonState(
        language=row.language,
        language_source=row.language_source,
        step=row.step,
        response_id=row.response_id,
        pending_service=row.pending_service,
    )
