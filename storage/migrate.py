"""Apply Alembic migrations to the configured database, from the CLI or at start-up on SQLite."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    """Alembic, pointed at our migrations and run on `connection` (tests use it to step back)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; does nothing when it already is."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))


class NotMigrated(Exception):
    """The database's schema is older than this program's, or not there at all."""


async def require_current(engine: AsyncEngine) -> None:
    """Refuse to work on a schema this program's migrations have not reached: every update
    would fail in its handler, be answered with an apology, and be lost. A schema newer than
    ours (code rolled back, database not) is let be. An unreachable database raises its error."""
    async with engine.connect() as connection:
        behind = await connection.run_sync(_behind)
    if behind:
        raise NotMigrated("the database is not migrated")


def _behind(connection: Connection) -> bool:
    script = ScriptDirectory.from_config(alembic_config(connection))
    # Read Alembic's table directly: its MigrationContext would log at INFO on every start.
    if not inspect(connection).has_table("alembic_version"):
        return True
    have = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if have == set(script.get_heads()):
        return False
    ours = {revision.revision for revision in script.walk_revisions()}
    return not have or have <= ours
