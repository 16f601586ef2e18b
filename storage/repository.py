"""The one repository API: each update's storage work happens in one `turn`, one transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Executable, delete, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import timeout_of
from storage.executors import Executor, OnAsync, SqliteWriter
from storage.locks import Hold, PersonLocks
from storage.models import ProcessedUpdate, utcnow
from storage.postgres import UNAVAILABLE, Compiled, OnAsyncpg, Pool
from storage.turn import PersonState, Statements, Turn, state_of
from storage.types import Pseudonym, require

log = logging.getLogger(__name__)

# Errors that mean "the database is not there right now" (so retrying later can succeed), as
# opposed to integrity or programming errors, which are bugs and must not be retried for ever.
_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
    *UNAVAILABLE,
)
_DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, *UNAVAILABLE)


def _is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _UNAVAILABLE) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class StorageUnavailable(Exception):
    """The database could not be reached or was locked; the work was not committed."""


@contextmanager
def database_away() -> Iterator[None]:
    """Raise StorageUnavailable when the database is not there, so an update that needed it is
    left for Telegram to deliver again instead of being taken for a bug, answered with an
    apology and acknowledged. Integrity and programming errors raise as they are."""
    try:
        yield
    except _DATABASE_ERRORS as exc:
        if not _is_unavailable(exc):
            raise
        raise StorageUnavailable(type(exc).__name__) from exc


class Repository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sql = Statements(engine.dialect.name)
        timeout = timeout_of(engine)
        # People's turns: on SQLite through one connection on the event loop
        # (storage.executors), on PostgreSQL on asyncpg connections of their own
        # (storage.postgres). Everything else uses the engine.
        sqlite = engine.dialect.name == "sqlite"
        self._writer = SqliteWriter(engine.url, timeout) if sqlite else None
        self._pool = None if sqlite else Pool(engine.url, timeout)
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, Compiled]] = {}
        self._people = PersonLocks(self._pool)

    async def close(self) -> None:
        """Close the turns' own connections (the engine's pool is the engine's to dispose)."""
        if self._writer is not None:
            self._writer.close()
        if self._pool is not None:
            await self._pool.close()

    @asynccontextmanager
    async def one_at_a_time(self, who: Pseudonym) -> AsyncIterator[Held]:
        """Hold `who` from reading their state to sending the last reply (see storage.locks).

        Their turn and its "replied" mark go through the `Held` this yields.
        """
        require(who, Pseudonym)
        body_raised = False
        try:
            async with self._people.hold(who) as hold:
                try:
                    yield Held(self, who, hold)
                except BaseException:
                    body_raised = True
                    raise
        except _DATABASE_ERRORS as exc:
            # Only taking or giving back the lock says the database is away; what the caller
            # does while holding it raises as it is.
            if body_raised or not _is_unavailable(exc):
                raise
            raise StorageUnavailable(type(exc).__name__) from exc

    def turn(self, who: Pseudonym, update_id: int | None) -> AbstractAsyncContextManager[Turn]:
        """Lock `who`'s row, hand over their state, and commit everything together on exit.

        The update id is recorded in the same transaction, so a redelivered update finds
        `turn.duplicate` set and a crash before commit leaves no trace of a half-done update.
        Handlers take it through `one_at_a_time`, which also keeps the person's replies in order.
        """
        return self._turn(who, update_id, None)

    @asynccontextmanager
    async def _turn(
        self, who: Pseudonym, update_id: int | None, hold: Hold | None
    ) -> AsyncIterator[Turn]:
        require(who, Pseudonym)
        sql = self._sql
        async with self._transaction(hold) as tx:
            if hold is not None:
                await hold.take()
            duplicate = update_id is not None and not await self._claim(tx, update_id)
            state, window = await self._lock(tx, who)
            turn = Turn(tx, sql, who, state, duplicate, window)
            if duplicate:
                found = await tx.execute(sql.unsent, {"update_id": update_id})
                turn.unsent = found.scalar_one_or_none()
            yield turn
            if not duplicate and not turn.forgotten:
                await self._save(tx, who, turn)
            if not duplicate and update_id is not None and turn.outbox is not None:
                await tx.execute(sql.outbox, {"update": update_id, "replies": turn.outbox})

    async def _claim(self, tx: Executor, update_id: int) -> bool:
        claimed = await tx.execute(
            self._sql.claim, {"update_id": update_id, "processed_at": utcnow()}
        )
        return claimed.scalar_one_or_none() is not None

    async def _mark_replied(self, update_id: int, hold: Hold) -> None:
        async with self._transaction(hold) as tx:
            await tx.execute(
                self._sql.outbox,
                {"update": update_id, "replied_at": utcnow(), "replies": None},
            )
            await hold.give_back()  # in the same transaction: one round trip fewer

    async def _lock(
        self, tx: Executor, who: Pseudonym
    ) -> tuple[PersonState, tuple[datetime | None, int]]:
        """The person's state and message window, their row locked until commit; the row is
        made on their first update."""
        row = (await tx.execute(self._sql.lock, {"who": who.value})).one_or_none()
        if row is None:
            await tx.execute(self._sql.join, {"pseudonym": who.value, "updated_at": utcnow()})
            row = (await tx.execute(self._sql.lock, {"who": who.value})).one()
        return state_of(row), (row.window_start, row.window_count)

    async def _save(self, tx: Executor, who: Pseudonym, turn: Turn) -> None:
        state = turn.state
        await tx.execute(
            self._sql.save,
            {
                "who": who.value,
                "language": state.language,
                "language_source": state.language_source,
                "step": state.step,
                "response_id": state.response_id,
                "pending_service": state.pending_service,
                "window_start": turn.window[0],
                "window_count": turn.window[1],
                "updated_at": utcnow(),
            },
        )

    async def claim_update(self, update_id: int) -> bool:
        """Record an update that needs no other storage work; False if it was already seen."""
        async with self._guard() as tx:
            return await self._claim(tx, update_id)

    async def prune_processed(self, older_than: timedelta) -> int:
        async with self._guard() as tx:
            result = await tx.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - older_than)
            )
            return int(result.rowcount or 0)

    async def ping(self) -> bool:
        try:
            async with self._guard() as tx:
                await tx.execute(text("SELECT 1"))
            return True
        except StorageUnavailable:
            return False

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[Executor]:
        """One transaction, committed on leaving; an unreachable database is StorageUnavailable."""
        async with self._transaction(None) as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(self, hold: Hold | None) -> AsyncIterator[Executor]:
        """SQLite's writer; else the held person's connection if they have one, or a pooled one."""
        with database_away():
            if self._writer is not None:
                async with self._writer.transaction() as on_loop:
                    yield on_loop
            elif hold is not None and hold.connection is not None:
                async with hold.connection.transaction():
                    yield OnAsyncpg(hold.connection, self.engine.dialect, self._compiled)
            else:
                async with self.engine.begin() as connection:
                    yield OnAsync(connection)


class Held:
    """A person held by `Repository.one_at_a_time`: their turn, then the mark that its replies
    reached Telegram, in that order."""

    def __init__(self, repo: Repository, who: Pseudonym, hold: Hold) -> None:
        self._repo = repo
        self._who = who
        self._hold = hold

    def turn(self, update_id: int | None) -> AbstractAsyncContextManager[Turn]:
        return self._repo._turn(self._who, update_id, self._hold)

    async def mark_replied(self, update_id: int) -> None:
        """The update's replies reached Telegram: a redelivery must not send them again."""
        await self._repo._mark_replied(update_id, self._hold)
