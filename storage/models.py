"""Tables. Nothing here can hold a Telegram ID, a name or a username: people are pseudonyms."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Participant(Base):
    """Where one person is in the conversation, and the language they read."""

    __tablename__ = "participants"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    language_source: Mapped[str] = mapped_column(String(8), default="default")
    step: Mapped[str | None] = mapped_column(String(32))
    response_id: Mapped[int | None] = mapped_column(Integer)
    pending_service: Mapped[str | None] = mapped_column(String(32))
    # A fixed one-minute window of message counts, kept under the row lock so a flood limit
    # holds however many processes take this person's updates.
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """One go through the feedback flow: which service it is about, and whether it may be quoted."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_started_at_service", "started_at", "service_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    service_code: Mapped[str | None] = mapped_column(String(32))
    # "service", "not_listed" or "no_services": people services don't reach count too.
    service_status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    quote_consent: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Answer(Base):
    """One answer to one question, committed the moment it is given. Text is always scrubbed."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(32))
    choice: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is processed once.

    The replies are kept with it until they are sent (an outbox): if the process dies between
    commit and sending, the redelivered update sends them then. They are the bot's own words;
    the chat to send them to comes with the redelivered update and is never stored.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    replies: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
