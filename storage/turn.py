"""One person's turn: their state and the writes of one update, inside one transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.executors import Executor
from storage.models import Answer, Participant, ProcessedUpdate, Response, utcnow
from storage.types import Pseudonym, ScrubbedText, require


@dataclass(frozen=True)
class PersonState:
    """What the conversation needs to know about one person between their messages."""

    language: str = "en"
    language_source: str = "default"
    step: str | None = None
    response_id: int | None = None
    pending_service: str | None = None


@dataclass(frozen=True)
class ResponseView:
    """What the conversation needs to know about the person's open response."""

    service_code: str | None
    service_status: str
    wrote_words: bool


class Statements:
    """Every statement of a turn, built once per engine; executions only bind values.

    Core on one connection, not the ORM: a turn is a handful of known statements, and the
    ORM's unit of work cost more than the database did (see docs/benchmarks.md).
    """

    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        person = Participant.pseudonym == bindparam("who")
        self.claim = (
            insert(ProcessedUpdate).on_conflict_do_nothing().returning(ProcessedUpdate.update_id)
        )
        self.unsent = select(ProcessedUpdate.replies).where(
            ProcessedUpdate.update_id == bindparam("update_id"),
            ProcessedUpdate.replied_at.is_(None),
        )
        self.outbox = update(ProcessedUpdate).where(
            ProcessedUpdate.update_id == bindparam("update")
        )
        self.lock = (
            select(
                Participant.language, Participant.language_source, Participant.step,
                Participant.response_id, Participant.pending_service,
                Participant.window_start, Participant.window_count,
            )
            .where(person)
            .with_for_update()
        )  # fmt: skip
        self.join = insert(Participant).on_conflict_do_nothing()
        self.save = update(Participant).where(person)
        self.start_response = insert(Response).returning(Response.id)
        answer = insert(Answer)
        self.record_answer = answer.on_conflict_do_update(
            index_elements=[Answer.response_id, Answer.question],
            set_={
                "choice": answer.excluded.choice,
                "text": answer.excluded.text,
                "skipped": answer.excluded.skipped,
                "language": answer.excluded.language,
                "answered_at": answer.excluded.answered_at,
            },
        )
        theirs = (Response.id == bindparam("response_id")) & (
            Response.pseudonym == bindparam("who")
        )
        wrote = exists().where(Answer.response_id == Response.id, Answer.text.is_not(None))
        self.open_response = select(
            Response.service_code, Response.service_status, wrote.label("wrote_words")
        ).where(theirs)
        self.change_response = update(Response).where(theirs)
        own = Response.pseudonym == bindparam("who")
        theirs_ids = select(Response.id).where(own)
        self.forget_answers = delete(Answer).where(Answer.response_id.in_(theirs_ids))
        self.forget_responses = delete(Response).where(own)
        self.forget_person = delete(Participant).where(person)


class Turn:
    """One person's storage work for one update, inside a transaction holding their row lock."""

    def __init__(
        self,
        tx: Executor,
        statements: Statements,
        who: Pseudonym,
        state: PersonState,
        duplicate: bool,
        window: tuple[datetime | None, int],
    ):
        self._tx = tx
        self._sql = statements
        self._who = who
        self.state = state
        self.duplicate = duplicate
        self.forgotten = False
        self._window_start, self._window_count = window
        self.outbox: str | None = None  # the replies, saved with the update at commit
        self.unsent: str | None = None  # on a duplicate: replies that never went out

    @property
    def window(self) -> tuple[datetime | None, int]:
        return self._window_start, self._window_count

    def count_message(self, window: timedelta) -> int:
        """Count this update in the person's current window; returns how many so far."""
        now = utcnow()
        if self._window_start is None or now - self._window_start >= window:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        return self._window_count

    def update_state(self, **changes: object) -> PersonState:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        return self.state

    async def start_response(self, service_code: str | None, service_status: str) -> int:
        created = await self._tx.execute(
            self._sql.start_response,
            {
                "pseudonym": self._who.value,
                "service_code": service_code,
                "service_status": service_status,
                "language": self.state.language,
                "started_at": utcnow(),
            },
        )
        return int(created.scalar_one())

    async def record_answer(
        self,
        question: str,
        *,
        choice: str | None = None,
        text: ScrubbedText | None = None,
        skipped: bool = False,
        language: str | None = None,
    ) -> None:
        """Store (or replace) the answer to `question` in the person's current response."""
        if text is not None:
            require(text, ScrubbedText)
        response_id = self.state.response_id
        if response_id is None:
            raise ValueError("no response is open for this person")
        await self._tx.execute(
            self._sql.record_answer,
            {
                "response_id": response_id,
                "question": question,
                "choice": choice,
                "text": text.value if text is not None else None,
                "skipped": skipped,
                "language": language or self.state.language,
                "answered_at": utcnow(),
            },
        )

    async def open_response(self) -> ResponseView | None:
        if self.state.response_id is None:
            return None
        row = (
            await self._tx.execute(
                self._sql.open_response,
                {"response_id": self.state.response_id, "who": self._who.value},
            )
        ).one_or_none()
        if row is None:
            return None
        return ResponseView(row.service_code, row.service_status, bool(row.wrote_words))

    async def set_quote_consent(self, consent: bool | None) -> None:
        await self._change_response(quote_consent=consent)

    async def complete_response(self) -> None:
        await self._change_response(completed_at=utcnow())

    async def _change_response(self, **values: object) -> None:
        await self._tx.execute(
            self._sql.change_response,
            {"response_id": self.state.response_id, "who": self._who.value, **values},
        )

    async def forget(self) -> None:
        """Delete everything this person has told the bot, and nothing of anyone else's."""
        who = {"who": self._who.value}
        await self._tx.execute(self._sql.forget_answers, who)
        await self._tx.execute(self._sql.forget_responses, who)
        await self._tx.execute(self._sql.forget_person, who)
        self.forgotten = True
        self.state = PersonState()


def state_of(row: Any) -> PersonState:
    """From the columns of `Statements.lock`."""
    return PersonState(
        language=row.language,
        language_source=row.language_source,
        step=row.step,
        response_id=row.response_id,
        pending_service=row.pending_service,
    )
