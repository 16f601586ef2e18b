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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.types import Pseudonym


class PersonLocks:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, who: Pseudonym) -> AsyncIterator[None]:
        if self._postgres:
            async with self._advisory(who):
                yield
        else:
            async with self._in_process(who):
                yield

    @asynccontextmanager
    async def _advisory(self, who: Pseudonym) -> AsyncIterator[None]:
        # 63 bits of the pseudonym: collisions only make two people wait for each other.
        key = int(who.value[:15], 16)
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                # If the connection is gone, so is the lock (it belongs to the session): a
                # failed unlock must not hide what happened while it was held.
                with contextlib.suppress(DBAPIError, OSError):
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

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
