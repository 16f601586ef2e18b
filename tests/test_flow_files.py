"""The flow files load, and a broken flow file is refused with a message that says where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conversations.flow import MAX_CALLBACK_BYTES, FlowError, flows_dir, load_book
from conversations.prompts import Prompter
from conversations.services import default_services_file, load_services


@pytest.fixture
def flow_copy(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(flows_dir(), target)
    return target


def _edit(directory: Path, name: str, change: object) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_flows_have_english_and_polish_for_every_text() -> None:
    book = load_book()
    assert set(book.languages) == {"en", "pl"}
    for step in book.feedback.steps:
        assert set(step.text.root) == {"en", "pl"}, step.key
        for option in step.options:
            assert set(option.label.root) == {"en", "pl"}, f"{step.key}.{option.key}"
    for key, text in book.messages.texts.items():
        assert set(text.root) == {"en", "pl"}, key


def test_every_question_offers_skip_and_every_button_fits_telegrams_limit() -> None:
    book = load_book()
    prompts = Prompter(book, load_services(default_services_file()))
    for step in book.feedback.steps:
        for language in book.languages:
            reply = prompts.step(step, language)
            data = [button.data for row in reply.buttons for button in row]
            assert all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in data)
            if step.is_question:
                assert data[-1].endswith(":skip"), step.key


def test_a_step_that_cannot_be_skipped_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "feedback.yaml", lambda d: d["steps"][2].update(skippable=False))
    with pytest.raises(FlowError, match=r"feedback.yaml: steps.2.skippable"):
        load_book(flow_copy)


def test_an_unknown_key_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "feedback.yaml", lambda d: d["steps"][3].update(colour="blue"))
    with pytest.raises(FlowError, match=r"steps.3.colour: Extra inputs are not permitted"):
        load_book(flow_copy)


def test_a_text_in_an_unknown_language_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "feedback.yaml", lambda d: d["steps"][3]["text"].update(xx="?"))
    with pytest.raises(FlowError, match=r"unknown language 'xx'"):
        load_book(flow_copy)


def test_a_text_without_english_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "feedback.yaml", lambda d: d["steps"][3]["text"].pop("en"))
    with pytest.raises(FlowError, match=r"every text needs English"):
        load_book(flow_copy)


def test_a_message_longer_than_telegram_allows_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"]["help"].update(en="a" * 4096))
    with pytest.raises(FlowError, match=r"help \(en\): longer than"):
        load_book(flow_copy)


def test_a_message_is_measured_as_telegram_counts_it(flow_copy: Path) -> None:
    # Telegram counts UTF-16 units after HTML is parsed: 2,048 emoji fill a message...
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"]["help"].update(en="🙂" * 2049))
    with pytest.raises(FlowError, match=r"help \(en\): longer than"):
        load_book(flow_copy)
    # ...and an escaped ampersand is one character, not five.
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"]["help"].update(en="&amp;" * 4000))
    load_book(flow_copy)


def test_a_key_too_long_for_callback_data_is_refused(flow_copy: Path) -> None:
    # Keys are capped so that "q:<step>:<option or service code>" always fits in 64 bytes.
    _edit(flow_copy, "feedback.yaml", lambda d: d["steps"][2]["options"][0].update(key="a" * 25))
    with pytest.raises(FlowError, match=r"steps.2.options.0.key: Value error, keys are"):
        load_book(flow_copy)


def test_unbalanced_html_is_refused(flow_copy: Path) -> None:
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"]["stopped"].update(en="<b>OK"))
    with pytest.raises(FlowError, match=r"stopped \(en\): a tag is not closed"):
        load_book(flow_copy)


def test_a_missing_translation_falls_back_to_english(flow_copy: Path) -> None:
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"]["stopped"].pop("pl"))
    book = load_book(flow_copy)
    assert book.messages.get("stopped", "pl") == book.messages.get("stopped", "en")


def test_a_missing_message_is_refused_at_start(flow_copy: Path) -> None:
    _edit(flow_copy, "messages.yaml", lambda d: d["texts"].pop("forwarded"))
    with pytest.raises(FlowError, match=r"missing texts: forwarded"):
        load_book(flow_copy)
