"""People's turns on PostgreSQL: the turn's Core statements run on asyncpg itself.

SQLAlchemy's async adapter costs about 80 µs of CPU a statement, asyncpg alone about 15, and a
turn is a dozen statements: most of what serve spent per update beyond a bare bot
(docs/benchmarks.md). The statements are still written once, in Core (storage.turn.Statements),
compiled here once per parameter set, and run with the values SQLAlchemy would have bound.
Connections come from an asyncpg pool of their own, which on release gives back any advisory
lock still held; everything else (staff, digests, migrations) keeps the SQLAlchemy engine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement, Executable
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql.compiler import SQLCompiler

# What asyncpg raises when the server is away, restarting or full, or a transaction must simply
# be tried again (a deadlock, a statement prepared before a migration): worth trying later.
UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
    OSError,
    TimeoutError,
)
POOL_SIZE = 10  # updates in flight on the database at once; more wait for a connection
CLOSE_SECONDS = 3.0  # serve has 25 s from SIGTERM to exit, 20 of them for requests in flight
MOST_COMPILED = 256  # a turn has a couple of dozen; more means statements built per call


def dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Pool:
    """An asyncpg pool opened on first use, on the loop that uses it."""

    def __init__(self, url: URL, timeout: float) -> None:
        self._dsn = dsn(url)
        self._timeout = timeout
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def acquire(self) -> asyncpg.Connection:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=0, max_size=POOL_SIZE, timeout=self._timeout
                    )
        connection: asyncpg.Connection = await self._pool.acquire(timeout=self._timeout)
        return connection

    async def release(self, connection: asyncpg.Connection, *, broken: bool) -> None:
        assert self._pool is not None
        if broken:
            # The server may have restarted: every idle connection is as stale as this one.
            # Expired, they are closed instead of reused (this one as it is released).
            self._pool.expire_connections()
        # If resetting it fails, asyncpg closes it: the pool opens another when one is needed.
        with contextlib.suppress(*UNAVAILABLE):
            await self._pool.release(connection, timeout=self._timeout)

    async def close(self) -> None:
        """Close gracefully, but not for longer than serve's shutdown allows (SIGTERM)."""
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), CLOSE_SECONDS)
            except TimeoutError:
                self._pool.terminate()
            self._pool = None


@dataclass(frozen=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # the bound values, in $1, $2... order
    processors: Mapping[str, Callable[[Any], Any]]
    defaults: Mapping[str, Callable[[], Any]]  # Python-side column defaults for values not given
    rows: bool  # a SELECT or RETURNING: fetch rows

    @classmethod
    def of(cls, statement: Executable, keys: tuple[str, ...], dialect: Dialect) -> Compiled:
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        rows = bool(compiled.returning) or not (
            compiled.isinsert or compiled.isupdate or compiled.isdelete
        )
        # The processors SQLAlchemy applies when it binds (UTC datetimes, booleans).
        processors = {
            name: process
            for name, process in compiled._bind_processors.items()
            if callable(process)  # (sequences are for expanding IN lists, which turns lack)
        }
        defaults = {
            column.key: _default(column.default if inserting else column.onupdate)
            for inserting, columns in (
                (True, compiled.insert_prefetch),
                (False, compiled.update_prefetch),
            )
            for column in columns
        }
        names = tuple(compiled.positiontup or ())
        return cls(compiled.string, names, processors, defaults, rows)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name in self.names:
            value = values[name] if name in values else self.defaults[name]()
            process = self.processors.get(name)
            out.append(process(value) if process is not None and value is not None else value)
        return out


def _default(default: Any) -> Callable[[], Any]:
    """A column's scalar or Python-callable default, as SQLAlchemy would compute it."""
    if default is not None and default.is_scalar:
        value = default.arg
        return lambda: value
    if default is not None and default.is_callable:
        make = default.arg  # SQLAlchemy wraps it to take an execution context, unused here
        return lambda: make(None)
    raise ValueError("only scalar and Python-callable column defaults are computed here")


class Row:
    """One row, its columns as attributes, as a SQLAlchemy Row offers them."""

    __slots__ = ("_record",)

    def __init__(self, record: asyncpg.Record) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None


class Rows:
    """The part of SQLAlchemy's Result that turns use."""

    def __init__(self, records: list[asyncpg.Record]) -> None:
        self._records = records

    def __iter__(self) -> Iterator[Row]:
        return (Row(record) for record in self._records)

    def one_or_none(self) -> Row | None:
        if len(self._records) > 1:
            raise ValueError("more than one row")
        return Row(self._records[0]) if self._records else None

    def one(self) -> Row:
        row = self.one_or_none()
        if row is None:
            raise ValueError("no row")
        return row

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row._record[0]

    def scalar_one(self) -> Any:
        return self.one()._record[0]


class OnAsyncpg:
    """Core statements on an asyncpg connection, each compiled once per set of values given."""

    def __init__(
        self,
        connection: asyncpg.Connection,
        dialect: Dialect,
        compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, Compiled]],
    ) -> None:
        self._connection = connection
        self._dialect = dialect
        # The repository's, shared by its turns. Keyed by id, so the statement is kept beside
        # its compiled form: an id reused by a newer statement is noticed, not trusted.
        self._compiled = compiled

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Rows:
        values = parameters or {}
        keys = tuple(values)
        cached = self._compiled.get((id(statement), keys))
        if cached is not None and cached[0] is statement:
            found = cached[1]
        else:
            if len(self._compiled) >= MOST_COMPILED:
                self._compiled.clear()
            found = Compiled.of(statement, keys, self._dialect)
            self._compiled[(id(statement), keys)] = (statement, found)
        arguments = found.arguments(values)
        if found.rows:
            return Rows(await self._connection.fetch(found.sql, *arguments))
        await self._connection.execute(found.sql, *arguments)
        return Rows([])
