"""FakeBotApi: an in-memory Telegram Bot API server, independent of how requests arrive."""

from __future__ import annotations

import copy
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.bot_methods import BotMethods
from tests.fakes.chats import Chats, SentMessage, buttons_of
from tests.fakes.errors import TelegramRefusal
from tests.fakes.messaging import Messaging
from tests.fakes.polling import UpdateQueue
from tests.fakes.spec import BotApiSpec
from tests.fakes.wire import UploadedFile, resolve_attachments

# Shaped like a real token ("<bot id>:<secret>") so the app's settings accept it.
FAKE_TOKEN = "4242:AAFakeListeningPostTokenForTests0000000"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class ApiCall:
    """One call the fake answered successfully, with its decoded parameters."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """One call the fake refused, and what it answered."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str


class FakeBotApi(BotMethods):
    """The Telegram server: validates every call against the spec and keeps chat state."""

    def __init__(
        self,
        spec: BotApiSpec | None = None,
        *,
        token: str = FAKE_TOKEN,
        clock: Callable[[], float] = time.time,
        strict_callbacks: bool = True,
        check_results: bool = True,
    ) -> None:
        self.spec = spec or BotApiSpec.load()
        self.token = token
        self.clock = clock
        self.strict_callbacks = strict_callbacks
        self.check_results = check_results
        self.chats = Chats()
        self.updates = UpdateQueue()
        self.messaging = Messaging(self.chats, clock, self.spec.strict_html)
        self.calls: list[ApiCall] = []
        self.refusals: list[Refusal] = []
        self._failures: dict[str, deque[TelegramRefusal]] = defaultdict(deque)
        super().__init__()

    @property
    def blocked_chats(self) -> set[int]:
        """Chats whose sends fail with 403 (a user blocked the bot / a group removed it)."""
        return self.chats.blocked

    @blocked_chats.setter
    def blocked_chats(self, chat_ids: Iterable[int]) -> None:
        self.chats.blocked = set(chat_ids)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (and learn the chats, messages and queries in it)."""
        self.observe_update(update)
        self.updates.push(copy.deepcopy(update))

    def observe_update(self, update: dict[str, Any]) -> None:
        """Learn from an update delivered some other way (e.g. `Application.process_update`)."""
        self.chats.observe(update)

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` ("*" for any) fail after validation."""
        text = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        params = {"retry_after": retry_after} if retry_after is not None else None
        refusal = TelegramRefusal(text.format(retry_after=retry_after), error_code, params)
        name = method if method == "*" else self.spec.canonical_method(method)
        self._failures[name].extend([refusal] * times)

    async def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        files: Mapping[str, UploadedFile] | None = None,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request: (HTTP status, Telegram's JSON envelope)."""
        decoded: dict[str, Any] = dict(params)
        try:
            self._check_token(token)
            name = self.spec.canonical_method(method)
            decoded = resolve_attachments(self.spec.decode(name, params), dict(files or {}))
            self.spec.validate(name, decoded)
            self._injected_failure(name)
            result = await self.dispatch(name, decoded)
        except TelegramRefusal as refusal:
            self.refusals.append(Refusal(method, decoded, refusal.error_code, refusal.description))
            return refusal.error_code, refusal.envelope()
        if self.check_results:
            self._check_result(name, result)
        self.calls.append(ApiCall(name, decoded))
        return 200, {"ok": True, "result": result}

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """What the bot has sent to a chat and not deleted, edits applied, oldest first."""
        return self.chats.sent_to(chat_id)

    def last_message_to(self, chat_id: int) -> SentMessage:
        """The newest message the bot sent to a chat (AssertionError if there is none)."""
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {chat_id}")
        return messages[-1]

    @staticmethod
    def buttons_of(message: SentMessage | dict[str, Any]) -> list[list[tuple[str, str | None]]]:
        """Rows of (label, callback_data) of a message's inline keyboard."""
        return buttons_of(message)

    def calls_of(self, method: str) -> list[ApiCall]:
        """Successful calls of one method, in order."""
        name = self.spec.canonical_method(method)
        return [call for call in self.calls if call.method == name]

    def clear(self) -> None:
        """Forget traffic (calls, refusals, messages, queued updates and failures), not people."""
        self.calls.clear()
        self.refusals.clear()
        self.chats.messages.clear()
        self.updates.drop_pending()
        self._failures.clear()

    def _check_token(self, token: str | None) -> None:
        if token is None or token == self.token:
            return
        head, sep, _ = token.partition(":")
        if not (sep and head.isdigit()):
            raise TelegramRefusal("Not Found", 404)
        raise TelegramRefusal("Unauthorized", 401)

    def _injected_failure(self, method: str) -> None:
        for key in (method, "*"):
            if self._failures.get(key):
                raise self._failures[key].popleft()

    def _check_result(self, method: str, result: Any) -> None:
        try:
            self.spec.validate_result(method, result)
        except TelegramRefusal as problem:
            raise AssertionError(f"the fake's {method} result breaks the spec: {problem}") from None
