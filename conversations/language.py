"""Which language to speak: the Telegram app's, then what the person writes, then their choice."""

from __future__ import annotations

from collections.abc import Collection

from conversations.detector import model

# Short texts ("ok", "no idea") are too easy to misread as another language.
MIN_DETECT_CHARS = 20
MIN_CONFIDENCE = 0.90
# A few sentences tell the language as well as a page does, at a fraction of the work.
MAX_DETECT_CHARS = 500


def from_app(language_code: str | None, supported: Collection[str]) -> str | None:
    """Map Telegram's IETF code ("pl", "pl-PL", "en-GB") to a language the flows have."""
    if not language_code:
        return None
    base = language_code.split("-")[0].lower()
    return base if base in supported else None


def warm_up() -> None:
    """Load the language profiles now, so the first person to write does not wait for them."""
    model()


def detect(text: str, supported: Collection[str]) -> str | None:
    """The language of `text` if it is one the flows have and langdetect is confident; else None."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_DETECT_CHARS:
        return None
    guesses = model().guess(text[:MAX_DETECT_CHARS])
    if not guesses:
        return None
    best = guesses[0]
    if best.lang in supported and best.prob >= MIN_CONFIDENCE:
        return str(best.lang)
    return None
