"""Open what the bot runs on: settings-checked flows and services, the key, and the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.keys import key_file_for, pseudonym_key
from bot.settings import Settings
from conversations import language
from conversations.flow import FlowBook, load_book
from conversations.pseudonym import Pseudonymiser
from conversations.services import Services, load_services
from storage.engine import create_engine
from storage.migrate import NotMigrated, require_current, upgrade
from storage.repository import Repository

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    engine: AsyncEngine
    repo: Repository
    book: FlowBook
    services: Services
    pseudonyms: Pseudonymiser

    async def close(self) -> None:
        await self.repo.close()
        await self.engine.dispose()


@dataclass(frozen=True)
class Checked:
    """The files the bot runs on, read and checked before anything is created."""

    book: FlowBook
    services: Services


def check_files(settings: Settings) -> Checked:
    """The flows, the services and the pseudonym key: a mistake in any stops here."""
    book = load_book()
    services = load_services(settings.services_file)
    generated = settings.is_sqlite and settings.pseudonym_key is None
    # The embedded default's key file is made by its first start; until then there is none to check.
    if not generated or key_file_for(settings).exists():
        pseudonym_key(settings, create=False)
    return Checked(book, services)


async def open_runtime(
    settings: Settings, *, migrate: bool | None = None, checked: Checked | None = None
) -> Runtime:
    """Validate everything before touching the database; migrate the embedded default itself."""
    checked = checked or check_files(settings)
    pseudonyms = Pseudonymiser(pseudonym_key(settings))
    language.warm_up()  # before any update arrives: the profiles take a moment to load
    engine = create_engine(settings.database_url, settings.database_timeout)
    if settings.is_sqlite if migrate is None else migrate:
        await upgrade(engine)
    elif migrate is None:
        await require_migrated(engine)
    return Runtime(engine, Repository(engine), checked.book, checked.services, pseudonyms)


async def require_migrated(engine: AsyncEngine) -> None:
    """Stop (NotMigrated) on a database `listening-post migrate` has not brought up to date.

    A database that does not answer yet is let be: updates get 503 until it does.
    """
    try:
        await require_current(engine)
    except NotMigrated:
        await engine.dispose()
        raise
    except (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError):
        log.warning("could not check the database's schema: the database is not answering yet")
