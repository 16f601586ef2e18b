"""Flows as data: load the YAML files under conversations/flows and refuse anything malformed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

MAX_MESSAGE = 4096  # Telegram's limit for one message, after entities are parsed
MAX_BUTTON = 40  # longer labels wrap badly on small phones
MAX_CALLBACK_BYTES = 64  # Telegram refuses longer callback_data
KEY = re.compile(r"[a-z][a-z0-9_]{0,23}")
_ALLOWED_TAGS = {"b", "i", "u", "s", "code", "a", "blockquote"}
# Telegram's command menu: everyone's, and what a commissioner's own chat shows besides.
COMMANDS = ("start", "help", "language", "stop", "forget")
STAFF_COMMANDS = (*COMMANDS, "digest")
# Texts the handlers look up by key; a flow directory without them is refused at start.
REQUIRED_MESSAGES = frozenset(
    {
        "skip", "help", "stopped", "not_now", "no_flow", "use_buttons", "moved_on",
        "choose_language", "language_changed", "language_detected",
        "forget_confirm", "forget_yes", "forget_no", "forgotten", "forget_cancelled",
        "only_words", "voice", "sticker", "private_details", "edited", "forwarded",
        "too_long", "unknown_command", "error", "this_service",
        "slow_down", "staff_joined", "staff_all_services", "staff_digest_usage",
        "cmd_start", "cmd_help", "cmd_language", "cmd_stop", "cmd_forget", "cmd_digest",
    }
)  # fmt: skip


class FlowError(Exception):
    """A flow file breaks a rule; the message says which file, where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(RootModel[dict[str, str]]):
    """One piece of user-facing text in each language, English required; others fall back to it."""

    model_config = ConfigDict(frozen=True)

    @field_validator("root")
    @classmethod
    def _english(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en", "").strip():
            raise ValueError("every text needs English (en)")
        return value

    def get(self, language: str) -> str:
        return self.root.get(language) or self.root["en"]

    def languages(self) -> dict[str, str]:
        return dict(self.root)


class Option(_Strict):
    key: str
    label: Text

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        return _check_key(value)


class Step(_Strict):
    key: str
    kind: Literal["intro", "service", "choice", "words", "end"]
    text: Text
    options: tuple[Option, ...] = ()
    # Every question can be skipped: the loader refuses a flow that says otherwise.
    skippable: Literal[True] = True
    # Ask only people who use a service ("service") or only people who wrote some words.
    only_if: Literal["uses_service", "wrote_words"] | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        return _check_key(value)

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Step:
        needs_options = self.kind in ("intro", "choice", "service")
        if needs_options and not self.options:
            raise ValueError(f"a {self.kind} step needs options")
        if self.kind in ("words", "end") and self.options:
            raise ValueError(f"a {self.kind} step takes no options")
        return self

    @property
    def is_question(self) -> bool:
        return self.kind in ("service", "choice", "words")


class Flow(_Strict):
    name: str
    steps: tuple[Step, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _shape(self) -> Flow:
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("step keys must be unique")
        if self.steps[0].kind != "intro" or self.steps[-1].kind != "end":
            raise ValueError("a flow starts with an intro step and ends with an end step")
        return self

    def step(self, key: str | None) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def after(self, key: str) -> tuple[Step, ...]:
        index = [s.key for s in self.steps].index(key)
        return self.steps[index + 1 :]


class Messages(_Strict):
    """Texts that belong to no one step: commands, bad input, errors."""

    languages: dict[str, str]
    texts: dict[str, Text]

    def get(self, key: str, language: str) -> str:
        return self.texts[key].get(language)


def callback_data(step: str, value: str) -> str:
    return f"q:{step}:{value}"


def _check_key(value: str) -> str:
    if not KEY.fullmatch(value):
        raise ValueError("keys are lowercase letters, digits and _ (24 at most)")
    return value


class _TagChecker(HTMLParser):
    """Catch unbalanced or unsupported tags before Telegram refuses the message."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.problem = f"<{tag}> is not allowed"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problem = f"</{tag}> does not close the last open tag"


def _check_text(where: str, text: Text, limit: int, languages: dict[str, str]) -> None:
    for language, value in text.languages().items():
        if language not in languages:
            raise FlowError(f"{where}: unknown language {language!r}")
        checker = _TagChecker()
        checker.feed(value)
        checker.close()
        if checker.problem or checker.open:
            raise FlowError(f"{where} ({language}): {checker.problem or 'a tag is not closed'}")
        if telegram_length(value) > limit:
            raise FlowError(f"{where} ({language}): longer than {limit} characters")


def telegram_length(value: str) -> int:
    """Length as Telegram counts it: text after HTML is parsed, in UTF-16 code units (an emoji
    outside the Basic Multilingual Plane counts twice)."""
    shown = html.unescape(re.sub(r"<[^>]+>", "", value))
    return len(shown.encode("utf-16-le")) // 2


def validate_flow(flow: Flow, origin: str, languages: dict[str, str]) -> None:
    for step in flow.steps:
        # Room for the longest service name (60) in place of {service}.
        _check_text(f"{origin}: step {step.key}", step.text, MAX_MESSAGE - 60, languages)
        for option in step.options:
            where = f"{origin}: {step.key}.{option.key}"
            _check_text(where, option.label, MAX_BUTTON, languages)
            # Service codes (32) replace option keys on the service step.
            value = "x" * 32 if step.kind == "service" else option.key
            if len(callback_data(step.key, value).encode()) > MAX_CALLBACK_BYTES:
                raise FlowError(f"{origin}: {step.key}.{option.key}: callback data too long")


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowError(f"{path.name}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise FlowError(f"{path.name}: not valid YAML{where}") from None


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: object, origin: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FlowError(f"{origin}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class FlowBook:
    """Everything the conversation says, loaded once at start."""

    feedback: Flow
    messages: Messages

    @property
    def languages(self) -> dict[str, str]:
        return self.messages.languages


def flows_dir() -> Path:
    return Path(str(resources.files("conversations") / "flows"))


def load_flow(path: Path, languages: dict[str, str]) -> Flow:
    flow = _parse(Flow, _read(path), path.name)
    validate_flow(flow, path.name, languages)
    return flow


def load_book(directory: Path | None = None) -> FlowBook:
    directory = directory or flows_dir()
    messages = _parse(Messages, _read(directory / "messages.yaml"), "messages.yaml")
    if "en" not in messages.languages:
        raise FlowError("messages.yaml: languages must include en")
    for key, text in messages.texts.items():
        _check_text(f"messages.yaml: {key}", text, MAX_MESSAGE - 60, messages.languages)
    missing = REQUIRED_MESSAGES - messages.texts.keys()
    if missing:
        raise FlowError(f"messages.yaml: missing texts: {', '.join(sorted(missing))}")
    feedback = load_flow(directory / "feedback.yaml", messages.languages)
    return FlowBook(feedback=feedback, messages=messages)


def missing_translations(book: FlowBook) -> dict[str, int]:
    """How many texts each language lacks (they fall back to English); for `check`."""
    texts = [*book.messages.texts.values()]
    for step in book.feedback.steps:
        texts += [step.text, *(option.label for option in step.options)]
    return {
        language: sum(1 for text in texts if language not in text.root)
        for language in book.languages
    }
