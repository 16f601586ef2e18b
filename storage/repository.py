"""The one repository API: each update's storage work happens in one `turn`, one transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.models import Answer, Participant, ProcessedUpdate, Response, utcnow
from storage.types import Pseudonym, ScrubbedText, require

log = logging.getLogger(__name__)

# Errors that mean "the database is not there right now" (so retrying later can succeed), as
# opposed to integrity or programming errors, which are bugs and must not be retried for ever.
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError)


def _is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _UNAVAILABLE) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class StorageUnavailable(Exception):
    """The database could not be reached or was locked; the work was not committed."""


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


def _state(row: Participant) -> PersonState:
    return PersonState(
        language=row.language,
        language_source=row.language_source,
        step=row.step,
        response_id=row.response_id,
        pending_service=row.pending_service,
    )


class Repository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @asynccontextmanager
    async def turn(self, who: Pseudonym, update_id: int | None) -> AsyncIterator[Turn]:
        """Lock `who`'s row, hand over their state, and commit everything together on exit.

        The update id is recorded in the same transaction, so a redelivered update finds
        `turn.duplicate` set and a crash before commit leaves no trace of a half-done update.
        """
        require(who, Pseudonym)
        try:
            async with self._sessions() as session, session.begin():
                duplicate = update_id is not None and not await self._claim(session, update_id)
                row = await self._lock(session, who)
                turn = Turn(
                    session, who, _state(row), duplicate, (row.window_start, row.window_count)
                )
                yield turn
                if not duplicate and not turn.forgotten:
                    await self._save(session, who, turn)
        except (DBAPIError, PoolTimeout, OSError) as exc:
            if not _is_unavailable(exc):
                raise
            raise StorageUnavailable(type(exc).__name__) from exc

    async def _claim(self, session: AsyncSession, update_id: int) -> bool:
        claimed = await session.execute(
            self._insert(ProcessedUpdate)
            .values(update_id=update_id, processed_at=utcnow())
            .on_conflict_do_nothing()
            .returning(ProcessedUpdate.update_id)
        )
        return claimed.scalar_one_or_none() is not None

    async def _lock(self, session: AsyncSession, who: Pseudonym) -> Participant:
        await session.execute(
            self._insert(Participant)
            .values(pseudonym=who.value, updated_at=utcnow(), window_count=0)
            .on_conflict_do_nothing()
        )
        return (
            await session.execute(
                select(Participant).where(Participant.pseudonym == who.value).with_for_update()
            )
        ).scalar_one()

    async def _save(self, session: AsyncSession, who: Pseudonym, turn: Turn) -> None:
        state = turn.state
        await session.execute(
            update(Participant)
            .where(Participant.pseudonym == who.value)
            .values(
                language=state.language,
                language_source=state.language_source,
                step=state.step,
                response_id=state.response_id,
                pending_service=state.pending_service,
                window_start=turn.window[0],
                window_count=turn.window[1],
                updated_at=utcnow(),
            )
        )

    async def is_processed(self, update_id: int) -> bool:
        async with self._guard() as session:
            found = await session.execute(
                select(exists().where(ProcessedUpdate.update_id == update_id))
            )
            return bool(found.scalar())

    async def mark_processed(self, update_id: int) -> None:
        """Record an update that needed no other storage work (help, media replies, ...)."""
        async with self._guard() as session, session.begin():
            await self._claim(session, update_id)

    async def prune_processed(self, older_than: timedelta) -> int:
        async with self._guard() as session, session.begin():
            result = await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - older_than)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def ping(self) -> bool:
        try:
            async with self._guard() as session:
                await session.execute(text("SELECT 1"))
            return True
        except StorageUnavailable:
            return False

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session:
                yield session
        except (DBAPIError, PoolTimeout, OSError) as exc:
            if not _is_unavailable(exc):
                raise
            raise StorageUnavailable(type(exc).__name__) from exc
