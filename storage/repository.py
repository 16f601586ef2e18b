"""The one repository API: each update's storage work happens in one `turn`, one transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.locks import PersonLocks
from storage.models import Participant, ProcessedUpdate, utcnow
from storage.turn import Turn, state_of
from storage.types import Pseudonym, require

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


class Repository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._people = PersonLocks(engine)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @asynccontextmanager
    async def one_at_a_time(self, who: Pseudonym) -> AsyncIterator[None]:
        """Hold `who` from reading their state to sending the last reply (see storage.locks)."""
        require(who, Pseudonym)
        body_raised = False
        try:
            async with self._people.hold(who):
                try:
                    yield
                except BaseException:
                    body_raised = True
                    raise
        except (DBAPIError, PoolTimeout, OSError) as exc:
            # Only taking or giving back the lock says the database is away; what the caller
            # does while holding it raises as it is.
            if body_raised or not _is_unavailable(exc):
                raise
            raise StorageUnavailable(type(exc).__name__) from exc

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
                    session, who, state_of(row), duplicate, (row.window_start, row.window_count)
                )
                if duplicate and update_id is not None:
                    turn.unsent = await self._unsent(session, update_id)
                yield turn
                if not duplicate and not turn.forgotten:
                    await self._save(session, who, turn)
                if not duplicate and update_id is not None and turn.outbox is not None:
                    await session.execute(
                        update(ProcessedUpdate)
                        .where(ProcessedUpdate.update_id == update_id)
                        .values(replies=turn.outbox)
                    )
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

    async def _unsent(self, session: AsyncSession, update_id: int) -> str | None:
        found = await session.execute(
            select(ProcessedUpdate.replies).where(
                ProcessedUpdate.update_id == update_id, ProcessedUpdate.replied_at.is_(None)
            )
        )
        return found.scalar_one_or_none()

    async def mark_replied(self, update_id: int) -> None:
        """The update's replies reached Telegram: a redelivery must not send them again."""
        async with self._guard() as session, session.begin():
            await session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id)
                .values(replied_at=utcnow(), replies=None)
            )

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

    async def claim_update(self, update_id: int) -> bool:
        """Record an update that needs no other storage work; False if it was already seen."""
        async with self._guard() as session, session.begin():
            return await self._claim(session, update_id)

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
