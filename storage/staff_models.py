"""Staff tables, apart from feedback: staff chose to register, and their chat gets the digest.

Nothing here references the feedback tables, and no query joins the two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow


class StaffMember(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    role: Mapped[str] = mapped_column(String(16))
    services: Mapped[str | None] = mapped_column(Text)  # comma-separated codes; NULL = all
    email: Mapped[str | None] = mapped_column(String(254))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invite(Base):
    """A single-use code, stored only as its SHA-256."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    services: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JoinAttempts(Base):
    """Wrong codes per chat (keyed by a hash: most who try are not staff), to slow guessing."""

    __tablename__ = "join_attempts"

    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class DigestDelivery(Base):
    """One (week, recipient, channel) claimed by one clock, so each digest goes out exactly once.

    Telegram and e-mail are claimed apart: a failed e-mail is retried without a second Telegram.
    """

    __tablename__ = "digest_deliveries"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO week, "2026-W47"
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)  # "telegram" or "email"
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
