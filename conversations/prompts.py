"""What the bot says, as data: HTML text plus rows of buttons, rendered from the flow files."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from conversations.flow import FlowBook, Step, callback_data
from conversations.services import Services

SHORT_LABEL = 14  # labels this short sit side by side; longer ones get a row each


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    text: str  # Telegram HTML; anything that came from outside the flow files is escaped
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass
class Outcome:
    """Replies to send once the turn is committed, and an optional note on a tapped button."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None

    def to_json(self) -> str:
        """For the outbox: kept with the update until sent, in case the process dies first."""
        replies = [
            {"text": r.text, "buttons": [[[b.label, b.data] for b in row] for row in r.buttons]}
            for r in self.replies
        ]
        return json.dumps({"toast": self.toast, "replies": replies}, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Outcome:
        raw = json.loads(data)
        replies = [
            Reply(
                r["text"],
                tuple(tuple(Button(label, data) for label, data in row) for row in r["buttons"]),
            )
            for r in raw["replies"]
        ]
        return cls(replies, raw["toast"])


def _rows(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    if len(buttons) <= 3 and all(len(b.label) <= SHORT_LABEL for b in buttons):
        return (tuple(buttons),)
    return tuple((b,) for b in buttons)


class Prompter:
    def __init__(self, book: FlowBook, services: Services) -> None:
        self.book = book
        self.services = services

    def say(self, key: str, language: str) -> Reply:
        return Reply(self.book.messages.get(key, language))

    def service_name(self, code: str | None, language: str) -> str:
        service = self.services.get(code)
        return (
            service.name(language) if service else self.book.messages.get("this_service", language)
        )

    def step(self, step: Step, language: str, service_code: str | None = None) -> Reply:
        text = step.text.get(language).replace(
            "{service}", html.escape(self.service_name(service_code, language))
        )
        buttons: list[Button] = []
        if step.kind == "service":
            buttons += [
                Button(s.name(language), callback_data(step.key, s.code))
                for s in self.services.items
            ]
        buttons += [
            Button(o.label.get(language), callback_data(step.key, o.key)) for o in step.options
        ]
        rows = _rows(buttons) if buttons else ()
        if step.is_question:
            skip = Button(self.book.messages.get("skip", language), callback_data(step.key, "skip"))
            rows = (*rows, (skip,))
        return Reply(text, rows)

    def languages(self) -> Reply:
        # Say it in every language: someone stuck in the wrong one may not read it.
        text = self.book.messages.texts["choose_language"]
        said = dict.fromkeys(text.get(code) for code in self.book.languages)
        buttons = [Button(name, f"lang:{code}") for code, name in self.book.languages.items()]
        return Reply(" / ".join(said), _rows(buttons))

    def forget_confirm(self, language: str) -> Reply:
        get = self.book.messages.get
        return Reply(
            get("forget_confirm", language),
            (
                (Button(get("forget_yes", language), "forget:yes"),),
                (Button(get("forget_no", language), "forget:no"),),
            ),
        )
