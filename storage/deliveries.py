"""Claims on (week, recipient): two clocks, or a clock restarted, never send a digest twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage.models import utcnow
from storage.staff_models import DigestDelivery

# A claim whose clock died mid-send is taken over after this long (then at least once, not lost).
STALE_CLAIM = timedelta(minutes=15)


class Deliveries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def claim(self, week: str, staff_id: int, channel: str) -> bool:
        """True if this caller may send `week` to `staff_id` by `channel` now; False if another
        clock has it (or has sent it)."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            inserted = await session.execute(
                self._insert(DigestDelivery)
                .values(week=week, staff_id=staff_id, channel=channel, claimed_at=now)
                .on_conflict_do_nothing()
                .returning(DigestDelivery.week)
            )
            if inserted.scalar_one_or_none() is not None:
                return True
            retaken = await session.execute(
                update(DigestDelivery)
                .where(
                    DigestDelivery.week == week,
                    DigestDelivery.staff_id == staff_id,
                    DigestDelivery.channel == channel,
                    DigestDelivery.delivered_at.is_(None),
                    DigestDelivery.claimed_at < now - STALE_CLAIM,
                )
                .values(claimed_at=now)
                .returning(DigestDelivery.week)
            )
            return retaken.scalar_one_or_none() is not None

    async def delivered(self, week: str, staff_id: int, channel: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(DigestDelivery)
                .where(
                    DigestDelivery.week == week,
                    DigestDelivery.staff_id == staff_id,
                    DigestDelivery.channel == channel,
                )
                .values(delivered_at=utcnow())
            )

    async def release(self, week: str, staff_id: int, channel: str) -> None:
        """Sending failed: let the next tick (of any clock) try again."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(DigestDelivery).where(
                    DigestDelivery.week == week,
                    DigestDelivery.staff_id == staff_id,
                    DigestDelivery.channel == channel,
                    DigestDelivery.delivered_at.is_(None),
                )
            )

    async def sent(self, week: str) -> list[tuple[int, str]]:
        """(staff id, channel) of every digest of `week` that went out."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(DigestDelivery.staff_id, DigestDelivery.channel).where(
                    DigestDelivery.week == week, DigestDelivery.delivered_at.is_not(None)
                )
            )
            return [(row.staff_id, row.channel) for row in rows]
