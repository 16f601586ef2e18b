"""Which language to speak: the Telegram app's, then what the person writes, then their choice."""

from __future__ import annotations

import functools
from collections.abc import Collection

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

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


@functools.cache
def _seed() -> None:
    # langdetect is random unless seeded; the same words must always give the same language.
    DetectorFactory.seed = 0


def detect(text: str, supported: Collection[str]) -> str | None:
    """The language of `text` if it is one the flows have and langdetect is confident; else None."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_DETECT_CHARS:
        return None
    _seed()
    try:
        guesses = detect_langs(text[:MAX_DETECT_CHARS])
    except LangDetectException:
        return None
    best = guesses[0]
    if best.lang in supported and best.prob >= MIN_CONFIDENCE:
        return str(best.lang)
    return None
