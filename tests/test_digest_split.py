"""A long digest goes to Telegram as several messages, each within the limit and valid alone."""

from __future__ import annotations

import re
from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from digests.render import split_message
from tests.fakes.html_text import parse_html, utf16_len

words = st.text(
    alphabet=st.sampled_from([*"abcdefgh <>&\"'łż", "😀", "\n"]), min_size=0, max_size=40
)


@st.composite
def telegram_html(draw: st.DrawFn) -> str:
    """Paragraphs of lines with bold and italic runs, some tags across lines, all text escaped."""
    paragraphs = []
    for _ in range(draw(st.integers(1, 12))):
        lines = []
        for _ in range(draw(st.integers(1, 5))):
            runs = [
                (draw(st.sampled_from(["", "b", "i"])), escape(draw(words), quote=False))
                for _ in range(draw(st.integers(1, 4)))
            ]
            lines.append("".join(f"<{t}>{x}</{t}>" if t else x for t, x in runs))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _visible(html: str) -> str:
    return re.sub(r"\s+", "", parse_html(html).text)


@settings(max_examples=300, deadline=None)
@given(telegram_html(), st.integers(30, 400))
def test_every_piece_fits_parses_alone_and_together_they_say_everything(
    html: str, limit: int
) -> None:
    pieces = split_message(html, limit)
    for piece in pieces:
        assert utf16_len(piece) <= limit
        parse_html(piece)  # raises as Telegram would on a broken tag or a bare & or <
    assert "".join(_visible(p) for p in pieces) == _visible(html)


def test_a_short_message_is_sent_as_it_is() -> None:
    assert split_message("<b>Week</b>\n\nAll well.") == ["<b>Week</b>\n\nAll well."]


def test_it_cuts_between_paragraphs_before_it_cuts_a_paragraph() -> None:
    first, second = "<b>One</b>\n" + "a" * 40, "<b>Two</b>\n" + "b" * 40
    assert split_message(f"{first}\n\n{second}", 80) == [first, second]


def test_a_bold_run_cut_in_two_is_closed_and_opened_again() -> None:
    pieces = split_message("<b>" + "word " * 30 + "</b>", 60)
    assert len(pieces) > 1
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in pieces)


def test_an_entity_is_never_cut_in_half() -> None:
    pieces = split_message("&amp;" * 30, 12)
    assert all(p.replace("&amp;", "") == "" for p in pieces)
