"""A deployer's upgrade path: the migrations build exactly the schema the code expects, and step
back and forward again without losing the digests already claimed."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from storage import staff_models  # noqa: F401  (registers the staff tables)
from storage.engine import create_engine
from storage.migrate import alembic_config, upgrade
from storage.models import Base


def _differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_the_migrations_build_the_schema_the_code_uses(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_stepping_back_and_forward_keeps_claimed_digests(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "0005"))
            await connection.execute(
                text(
                    "INSERT INTO staff (role, chat_id, joined_at)"
                    " VALUES ('commissioner', 1, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO digest_deliveries (week, staff_id, claimed_at, delivered_at)"
                    " VALUES ('2026-W46', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(engine)
        async with engine.begin() as connection:
            found = await connection.execute(text("SELECT week, channel FROM digest_deliveries"))
            assert [tuple(row) for row in found] == [("2026-W46", "telegram")]
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
