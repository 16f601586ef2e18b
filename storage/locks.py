"""One person at a time, from their update's first read to its last reply sent.

The turn's row lock ends at commit, but replies go out after commit; without this, a person's
later question could reach them before an earlier one. PostgreSQL: a session advisory lock, so
it holds across processes. SQLite (one process): an asyncio lock per person.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from storage.postgres import UNAVAILABLE, Pool
from storage.types import Pseudonym

_LOCK = "SELECT pg_advisory_lock($1)"
_UNLOCK = "SELECT pg_advisory_unlock($1)"


class Hold:
    """One person held. On PostgreSQL it owns the connection their turn and its "replied" mark
    run on, and the lock is taken by the turn's first statement and given back by the mark's
    last, so holding the person costs no transaction of its own."""

    def __init__(self, who: Pseudonym, connection: asyncpg.Connection | None) -> None:
        # 63 bits of the pseudonym: collisions only make two people wait for each other.
        self._key = int(who.value[:15], 16)
        self.connection = connection
        self.locked = False

    async def take(self) -> None:
        if self.connection is not None and not self.locked:
            await self.connection.execute(_LOCK, self._key)
            self.locked = True

    async def give_back(self) -> None:
        if self.connection is not None and self.locked:
            await self.connection.execute(_UNLOCK, self._key)
            self.locked = False


class PersonLocks:
    """`pool` on PostgreSQL; None on SQLite."""

    def __init__(self, pool: Pool | None) -> None:
        self._pool = pool
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, who: Pseudonym) -> AsyncIterator[Hold]:
        if self._pool is not None:
            async with self._advisory(self._pool, who) as hold:
                yield hold
        else:
            async with self._in_process(who):
                yield Hold(who, None)

    @asynccontextmanager
    async def _advisory(self, pool: Pool, who: Pseudonym) -> AsyncIterator[Hold]:
        connection = await pool.acquire()
        hold = Hold(who, connection)
        broken = False
        try:
            yield hold
        except UNAVAILABLE:
            broken = True
            raise
        finally:
            # If the connection is gone, so is the lock (it belongs to the session): a failed
            # unlock must not hide what happened while it was held. Releasing the connection
            # gives back any advisory lock it still has, too.
            if not broken:
                try:
                    await hold.give_back()
                except UNAVAILABLE:
                    broken = True
            await pool.release(connection, broken=broken)

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
