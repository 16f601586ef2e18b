"""Where every digest comes from: the clock, `listening-post digest` and `/digest` all ask here."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.services import Services
from digests.build import build_digest
from digests.model import Digest
from digests.themes import Themes
from digests.weeks import Week, week_just_ended, week_so_far
from storage.repository import StorageUnavailable


@dataclass(frozen=True)
class DigestSource:
    engine: AsyncEngine
    services: Services
    timezone: str
    suppress_below: int
    themes: Themes  # the deployer's THEMES_FILE: Settings.themes()

    async def week(self, week: Week, scope: Collection[str] | None = None) -> Digest:
        """A whole week, whether or not it has ended (the clock only asks for ended ones)."""
        with database_away():
            return await build_digest(
                self.engine, self.services, week, scope, self.suppress_below,
                until=self._now(), themes=self.themes,
            )  # fmt: skip

    async def last_week(self, scope: Collection[str] | None = None) -> Digest:
        return await self.week(week_just_ended(self._now(), self.timezone), scope)

    async def so_far(self, scope: Collection[str] | None = None) -> Digest:
        """This week up to now: what a commissioner sees when they ask mid-week."""
        week, now = week_so_far(self._now(), self.timezone)
        with database_away():
            return await build_digest(
                self.engine, self.services, week, scope, self.suppress_below,
                until=now, themes=self.themes,
            )  # fmt: skip

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)


@contextmanager
def database_away() -> Iterator[None]:
    """Raise StorageUnavailable, as the repository does, when the database is not there.

    Then an update that needed it (/digest) is left for Telegram to deliver again, instead of
    being taken for a bug, answered with an apology and acknowledged.
    """
    try:
        yield
    except (DBAPIError, PoolTimeout, OSError) as exc:
        away = isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError)
        if not away and not (isinstance(exc, DBAPIError) and exc.connection_invalidated):
            raise  # an integrity or programming error: a bug, which retrying would not mend
        raise StorageUnavailable(type(exc).__name__) from exc
