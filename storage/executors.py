"""Where a transaction's statements run: an async connection (PostgreSQL), or SQLite's one writer
on the event loop's own thread.

SQLite lets one writer in at a time. Through aiosqlite each statement of a turn was a hop to a
worker thread and back, and each hop waited its turn in a busy event loop while the writer was
held, so ten people made a queue of hops (docs/benchmarks.md). A turn's statements take
microseconds on a local file, so they run on the loop directly; only waiting for another
connection's write lock is awaited, never slept through on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Executable, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import StaticPool

Parameters = Mapping[str, Any] | None

FIRST_PAUSE = 0.001  # seconds; doubled while another connection holds the write lock
LONGEST_PAUSE = 0.05


class Executor(Protocol):
    async def execute(self, statement: Executable, parameters: Parameters = None) -> Any: ...


class OnAsync:
    """Statements on an async connection, awaited."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Any:
        return await self.connection.execute(statement, parameters)


class OnLoop:
    """Statements on a synchronous SQLite connection, run where they are called."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)


class SqliteWriter:
    """The process's one writing connection to a SQLite file, used by one transaction at a time.

    `busy_timeout` is 0 here: SQLite would sleep the whole event loop while another process
    (the clock, a CLI command) writes. Instead BEGIN IMMEDIATE is tried again after an awaited
    pause, until `timeout`; then the OperationalError goes up like any unavailable database.
    Once BEGIN IMMEDIATE succeeds nothing in the transaction waits for a lock.
    """

    def __init__(self, url: URL, timeout: float) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite+pysqlite"), poolclass=StaticPool, hide_parameters=True
        )
        event.listen(self._engine, "connect", _tune)
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._connection: Connection | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[OnLoop]:
        """Committed when the block ends; rolled back if it raises."""
        async with self._lock:
            connection = await self._begin()
            try:
                yield OnLoop(connection)
            except BaseException:
                self._rollback(connection)
                raise
            try:
                connection.commit()
            except SQLAlchemyError:
                self._rollback(connection)
                raise

    async def _begin(self) -> Connection:
        deadline = time.monotonic() + self._timeout
        pause = FIRST_PAUSE
        while True:
            connection = self._connect()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return connection
            except OperationalError as exc:
                self._rollback(connection)
                if "locked" not in str(exc.orig) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._close()
            self._connection = self._engine.connect()
        return self._connection

    def _rollback(self, connection: Connection) -> None:
        try:
            connection.rollback()
        except SQLAlchemyError:  # the connection is broken: the next transaction opens another
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._close()
        self._engine.dispose()


def _tune(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not begin transactions of its own: BEGIN IMMEDIATE above does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
