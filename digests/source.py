"""Where every digest comes from: the clock, `listening-post digest` and `/digest` all ask here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.services import Services
from digests.build import build_digest
from digests.model import Digest
from digests.themes import Themes
from digests.weeks import Week, week_just_ended, week_so_far
from storage.repository import database_away


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

