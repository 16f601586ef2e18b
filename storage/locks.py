"""One person at a time, from their update's first read to its last reply sent.

The turn's row lock ends at commit, but replies go out after commit; without this, a person's
later question could reach them before an earlier one. PostgreSQL: a session advisory lock, so
it holds across processes. SQLite (one process): an asyncio lock per person.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.types import Pseudonym

_LOCK = text("SELECT pg_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


class Hold:
    """One person held. On PostgreSQL it owns the connection their turn and its "replied" mark
    run on, and the lock is taken by the turn's first statement and given back by the mark's
    last, so holding the person costs no transaction of its own."""

    def __init__(self, who: Pseudonym, connection: AsyncConnection | None) -> None:
        # 63 bits of the pseudonym: collisions only make two people wait for each other.
        self._key = int(who.value[:15], 16)
        self.connection = connection
        self.locked = False

    async def take(self) -> None:
        if self.connection is not None and not self.locked:
            await self.connection.execute(_LOCK, {"key": self._key})
            self.locked = True

    async def give_back(self) -> None:
        if self.connection is not None and self.locked:
            await self.connection.execute(_UNLOCK, {"key": self._key})
            self.locked = False


class PersonLocks:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, who: Pseudonym) -> AsyncIterator[Hold]:
        if self._postgres:
            async with self._advisory(who) as hold:
                yield hold
        else:
            async with self._in_process(who):
                yield Hold(who, None)

    @asynccontextmanager
    async def _advisory(self, who: Pseudonym) -> AsyncIterator[Hold]:
        async with self._engine.connect() as connection:
            hold = Hold(who, connection)
            try:
                yield hold
            finally:
                # If the connection is gone, so is the lock (it belongs to the session): a
                # failed unlock must not hide what happened while it was held.
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await hold.give_back()

    @asynccontextmanager
    async def _in_process(self, who: Pseudonym) -> AsyncIterator[None]:
        lock, users = self._local.get(who.value, (asyncio.Lock(), 0))
        self._local[who.value] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._local[who.value]
            if users == 1:
                del self._local[who.value]
            else:
                self._local[who.value] = (lock, users - 1)
