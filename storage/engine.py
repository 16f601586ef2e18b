"""Database engines: SQLite tuned for one machine (WAL, busy timeout), or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_TIMEOUT = 15.0


def create_engine(url: str, timeout: float = DEFAULT_TIMEOUT) -> AsyncEngine:
    """`timeout`: how long to wait for a locked or unreachable database before giving up.

    hide_parameters keeps people's words and pseudonyms out of error messages, and so out of logs.
    """
    if url.startswith("sqlite"):
        # People's turns write through storage.executors.SqliteWriter, on the event loop; this
        # engine serves staff, digests and migrations. One connection: SQLite lets one writer
        # in at a time anyway, and writers queueing here are served in order, where writers
        # queueing inside SQLite back off and sleep.
        engine = create_async_engine(
            url,
            connect_args={"timeout": timeout},
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=timeout,
        )
        _tune_sqlite(engine, timeout)
        return engine
    # Each update in flight holds one connection, from taking its person's lock to its last reply.
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=timeout,
        connect_args={"timeout": timeout},
        hide_parameters=True,
    )


def timeout_of(engine: AsyncEngine) -> float:
    """The `timeout` the engine was created with."""
    timeout = getattr(engine.sync_engine.pool, "timeout", None)
    return float(timeout()) if callable(timeout) else DEFAULT_TIMEOUT


def _tune_sqlite(engine: AsyncEngine, timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock at the start, so a turn reads and writes one person's state
        # without another writer slipping in between (SQLite's answer to SELECT ... FOR UPDATE).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
