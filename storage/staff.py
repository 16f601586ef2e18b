"""The staff repository: invites, joining, and who receives digests. Separate from feedback."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage.models import ProcessedUpdate, utcnow
from storage.staff_models import Invite, JoinAttempts, StaffMember

GUESS_WINDOW = timedelta(hours=1)
MAX_WRONG_CODES = 5  # per chat per hour; after that even a right code is refused for a while


@dataclass(frozen=True)
class Staff:
    id: int
    chat_id: int
    role: str
    services: tuple[str, ...] | None  # None: every service
    email: str | None
    joined_at: datetime


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _codes(services: tuple[str, ...] | None) -> str | None:
    return ",".join(services) if services else None


def _staff(row: StaffMember) -> Staff:
    services = tuple(row.services.split(",")) if row.services else None
    return Staff(row.id, row.chat_id, row.role, services, row.email, row.joined_at)


class StaffRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def create_invite(
        self,
        code: str,
        role: str,
        services: tuple[str, ...] | None,
        email: str | None,
        valid_for: timedelta,
    ) -> None:
        async with self._sessions() as session, session.begin():
            session.add(
                Invite(
                    code_hash=code_hash(code),
                    role=role,
                    services=_codes(services),
                    email=email,
                    expires_at=utcnow() + valid_for,
                )
            )

    async def join(
        self, code: str, chat_id: int, chat_key: str, update_id: int | None = None
    ) -> Staff | None:
        """Use a code: the chat becomes staff, or None (wrong, expired, used, or too many tries).

        A successful join records `update_id` as processed, in the same transaction; the same
        update delivered again returns the chat's membership, without using or counting a code.
        """
        now = utcnow()
        async with self._sessions() as session, session.begin():
            seen = None if update_id is None else await session.get(ProcessedUpdate, update_id)
            if seen is not None:
                again = await session.execute(
                    select(StaffMember).where(StaffMember.chat_id == chat_id)
                )
                member_again = again.scalar_one_or_none()
                return _staff(member_again) if member_again else None
            attempts = await session.get(JoinAttempts, chat_key, with_for_update=True)
            if attempts is not None and now - attempts.window_start >= GUESS_WINDOW:
                attempts.window_start, attempts.failures = now, 0
            if attempts is not None and attempts.failures >= MAX_WRONG_CODES:
                return None
            invite = (
                await session.execute(
                    select(Invite)
                    .where(Invite.code_hash == code_hash(code), Invite.used_at.is_(None))
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if invite is None or invite.expires_at <= now:
                if attempts is None:
                    session.add(JoinAttempts(chat_key=chat_key, window_start=now, failures=1))
                else:
                    attempts.failures += 1
                return None
            invite.used_at = now
            member = (
                await session.execute(select(StaffMember).where(StaffMember.chat_id == chat_id))
            ).scalar_one_or_none()
            if member is None:
                member = StaffMember(chat_id=chat_id, joined_at=now)
                session.add(member)
            member.role, member.services, member.email = invite.role, invite.services, invite.email
            if update_id is not None:
                session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
            await session.flush()
            return _staff(member)

    async def by_chat(self, chat_id: int) -> Staff | None:
        async with self._sessions() as session:
            row = (
                await session.execute(select(StaffMember).where(StaffMember.chat_id == chat_id))
            ).scalar_one_or_none()
            return _staff(row) if row else None

    async def everyone(self) -> list[Staff]:
        async with self._sessions() as session:
            rows = await session.execute(select(StaffMember).order_by(StaffMember.id))
            return [_staff(row) for row in rows.scalars()]

    async def remove(self, staff_id: int) -> bool:
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(StaffMember).where(StaffMember.id == staff_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_email(self, staff_id: int, email: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(StaffMember).where(StaffMember.id == staff_id).values(email=email)
            )
