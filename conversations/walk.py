"""Walk one person through a flow: read their state, store their answer, say what comes next.

No Telegram here: handlers turn updates into these calls and send the replies after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations import language as lang
from conversations.flow import FlowBook, Step
from conversations.prompts import Outcome, Prompter, Reply
from conversations.scrub import normalise, scrub, shorten
from conversations.services import Services
from storage.turn import ResponseView, Turn
from storage.types import ScrubbedText

MAX_WORDS = 2000  # characters kept of one answer; the person is told when we cut it


@dataclass(frozen=True)
class Words:
    """What a person typed, ready to store: scrubbed, cut to MAX_WORDS, its language guessed."""

    text: ScrubbedText
    cut: bool  # longer than MAX_WORDS: the person is told what was kept
    language: str | None  # None when too short or too unsure to tell


class Walker:
    def __init__(self, book: FlowBook, services: Services) -> None:
        self.book = book
        self.flow = book.feedback
        self.services = services
        self.prompts = Prompter(book, services)

    def settle_language(self, turn: Turn, app_code: str | None) -> None:
        """Until the person chooses, follow their Telegram app's language when we have it."""
        if turn.state.language_source in ("default", "app"):
            found = lang.from_app(app_code, self.book.languages)
            if found:
                turn.update_state(language=found, language_source="app")

    async def start(self, turn: Turn, payload: str | None) -> Outcome:
        """Welcome the person; a deep link's service code saves them choosing it."""
        service = self.services.get(payload)
        turn.update_state(
            step=self.flow.steps[0].key,
            response_id=None,
            pending_service=service.code if service else None,
        )
        return Outcome([self.prompts.step(self.flow.steps[0], turn.state.language)])

    async def press(self, turn: Turn, data: str) -> Outcome:
        """A button on a question was tapped: store the answer and move on."""
        _, step_key, value = data.split(":", 2)
        step = self.flow.step(step_key)
        if step is None or step_key != turn.state.step:
            return Outcome(toast=self.book.messages.get("moved_on", turn.state.language))
        if step.kind == "intro":
            return await self._intro(turn, value)
        if step.kind == "service":
            return await self._service(turn, step, value)
        if value == "skip":
            await turn.record_answer(step.key, skipped=True)
        elif step.kind == "choice" and value in {o.key for o in step.options}:
            await turn.record_answer(step.key, choice=value)
            if step.key == "quote_consent":
                await turn.set_quote_consent(value == "yes")
        else:
            return Outcome(toast=self.book.messages.get("moved_on", turn.state.language))
        return await self._advance(turn, step)

    def read(self, text: str) -> Words:
        """Make typed words ready to store. Pure work, so handlers do it before the person's
        turn opens: it never holds their lock or a transaction while other people wait."""
        text = normalise(text)
        # The whole message is scrubbed before it is cut (Telegram caps one at 4,096 characters,
        # so this is bounded work): see scrub.shorten.
        scrubbed = scrub(text)
        kept = shorten(scrubbed, MAX_WORDS)
        cut = len(kept.value) < len(scrubbed.value)
        return Words(kept, cut, lang.detect(text, self.book.languages))

    async def words(self, turn: Turn, words: Words) -> Outcome:
        """Typed words: an answer if the question asks for words, otherwise a gentle pointer."""
        step = self.flow.step(turn.state.step)
        language = turn.state.language
        if step is None:
            return Outcome([self.prompts.say("no_flow", language)])
        if step.kind != "words":
            return Outcome([self.prompts.say("use_buttons", language), await self._prompt(turn)])
        outcome = Outcome()
        if words.cut:
            outcome.replies.append(self.prompts.say("too_long", language))
        written_in = words.language
        if written_in and turn.state.language_source in ("default", "app"):
            turn.update_state(language=written_in, language_source="detected")
            if written_in != language:
                outcome.replies.append(self.prompts.say("language_detected", written_in))
        await turn.record_answer(
            step.key, text=words.text, language=written_in or turn.state.language
        )
        advanced = await self._advance(turn, step)
        outcome.replies += advanced.replies
        return outcome

    async def stop(self, turn: Turn) -> Outcome:
        """Leave the flow; what was answered stays saved."""
        turn.update_state(step=None, pending_service=None)
        return Outcome([self.prompts.say("stopped", turn.state.language)])

    async def choose_language(self, turn: Turn, code: str) -> Outcome:
        """Switch language and ask the current question again in it."""
        if code not in self.book.languages:
            return Outcome(toast=self.book.messages.get("moved_on", turn.state.language))
        turn.update_state(language=code, language_source="chosen")
        outcome = Outcome([self.prompts.say("language_changed", code)])
        if turn.state.step is not None:
            outcome.replies.append(await self._prompt(turn))
        return outcome

    async def forget(self, turn: Turn) -> Outcome:
        """Delete everything this person told us, and say so in their language."""
        said = self.prompts.say("forgotten", turn.state.language)
        await turn.forget()
        return Outcome([said])

    async def _intro(self, turn: Turn, value: str) -> Outcome:
        if value != "start":
            turn.update_state(step=None, pending_service=None)
            return Outcome([self.prompts.say("not_now", turn.state.language)])
        service_step = next(s for s in self.flow.steps if s.kind == "service")
        if turn.state.pending_service:
            return await self._begin(turn, service_step, turn.state.pending_service, "service")
        turn.update_state(step=service_step.key)
        return Outcome([await self._prompt(turn)])

    async def _service(self, turn: Turn, step: Step, value: str) -> Outcome:
        if self.services.get(value):
            return await self._begin(turn, step, value, "service")
        status = value if value in ("not_listed", "no_services") else "not_said"
        return await self._begin(turn, step, None, status)

    async def _begin(self, turn: Turn, step: Step, code: str | None, status: str) -> Outcome:
        response_id = await turn.start_response(code, status)
        turn.update_state(response_id=response_id, pending_service=None)
        return await self._advance(turn, step)

    async def _advance(self, turn: Turn, current: Step) -> Outcome:
        response = await turn.open_response()
        for step in self.flow.after(current.key):
            if not self._applies(step, response):
                continue
            turn.update_state(step=step.key)
            if step.kind == "end":
                await turn.complete_response()
                turn.update_state(step=None, response_id=None)
                return Outcome([self.prompts.step(step, turn.state.language)])
            return Outcome([self._render(step, turn.state.language, response)])
        turn.update_state(step=None)
        return Outcome()

    @staticmethod
    def _applies(step: Step, response: ResponseView | None) -> bool:
        if step.only_if == "uses_service":
            return response is not None and response.service_status != "no_services"
        if step.only_if == "wrote_words":
            return response is not None and response.wrote_words
        return True

    async def _prompt(self, turn: Turn) -> Reply:
        step = self.flow.step(turn.state.step)
        assert step is not None  # callers check the person is in the flow
        return self._render(step, turn.state.language, await turn.open_response())

    def _render(self, step: Step, language: str, response: ResponseView | None) -> Reply:
        return self.prompts.step(step, language, response.service_code if response else None)
