"""Drive the real Application as people on their phones would, and read what they were sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.runtime import Runtime
from conversations.context import LPApplication
from storage.models import Answer, Participant, Response
from storage.staff import StaffRepository
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.chats import SentMessage
from tests.fakes.people import Person
from tests.fakes.updates import UpdateFactory


@dataclass
class Phone:
    """One person's Telegram app: what they send and what they see."""

    harness: Harness
    person: Person
    seen: int = 0
    last: list[SentMessage] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.person.user_id

    def inbox(self) -> list[SentMessage]:
        return self.harness.telegram.messages_to(self.chat_id)

    async def deliver(self, update: dict[str, Any]) -> list[SentMessage]:
        """Deliver an update and return the messages it brought to this phone."""
        await self.harness.deliver(update)
        inbox = self.inbox()
        self.last, self.seen = inbox[self.seen :], len(inbox)
        return self.last

    async def say(self, text: str) -> list[SentMessage]:
        return await self.deliver(self.harness.updates.text(self.person, text))

    async def command(self, command: str, args: str | None = None) -> list[SentMessage]:
        return await self.deliver(self.harness.updates.command(self.person, command, args=args))

    async def tap(self, label: str) -> list[SentMessage]:
        """Tap the button with this label on the newest message that has it."""
        for message in reversed(self.inbox()):
            if any(text == label for row in message.buttons for text, _ in row):
                data = message.callback_data(label)
                return await self.deliver(self.harness.updates.callback(self.person, message, data))
        raise AssertionError(f"no button {label!r} on screen")

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.last]

    def said(self, fragment: str) -> bool:
        return any(fragment in text for text in self.texts())

    def buttons(self) -> list[str]:
        """The labels on the newest message this update brought."""
        return [text for row in self.last[-1].buttons for text, _ in row] if self.last else []

    def toasts(self) -> list[str | None]:
        return [
            call.params.get("text")
            for call in self.harness.telegram.calls_of("answerCallbackQuery")
        ]


class Harness:
    def __init__(self, app: LPApplication, telegram: FakeBotApi, runtime: Runtime) -> None:
        self.app = app
        self.telegram = telegram
        self.runtime = runtime
        self.updates = UpdateFactory(telegram)
        self._next_user = 700_000_001

    def phone(self, language_code: str | None = "en", **details: Any) -> Phone:
        user_id = self._next_user
        self._next_user += 1
        person = Person(user_id=user_id, language_code=language_code, **details)
        return Phone(self, person)

    async def commissioner(
        self, services: tuple[str, ...] | None = None, email: str | None = None
    ) -> Phone:
        """Someone who joined as a commissioner with an invite code, as a deployer hands out."""
        code = f"code-{self._next_user}"
        staff = StaffRepository(self.runtime.engine)
        await staff.create_invite(code, "commissioner", services, email, timedelta(days=1))
        phone = self.phone()
        await phone.command("/join", code)
        assert phone.said("You are now a commissioner"), phone.texts()
        return phone

    async def deliver(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def rows(self, model: type[Any]) -> list[Any]:
        async with self.runtime.engine.connect() as connection:
            result = await connection.execute(select(model))
            return list(result.mappings())

    async def answers(self) -> list[Any]:
        return await self.rows(Answer)

    async def responses(self) -> list[Any]:
        return await self.rows(Response)

    async def participants(self) -> list[Any]:
        return await self.rows(Participant)

    def refusals(self) -> list[Any]:
        return list(self.telegram.refusals)
