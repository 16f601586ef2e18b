"""Quotes, only from people who agreed, chosen fairly across good, bad and mixed experiences."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from storage.aggregates import Group, QuoteCandidate

FEELINGS = ("positive", "negative", "neutral")
_FEELING = {
    "very_good": "positive",
    "good": "positive",
    "poor": "negative",
    "very_poor": "negative",
}
# A good experience is best told by what works, a bad one by what could be better.
_PREFERRED = {
    "positive": ("working_well", "could_be_better", "unmet_need"),
    "negative": ("could_be_better", "working_well", "unmet_need"),
    "neutral": ("could_be_better", "working_well", "unmet_need"),
}
MAX_QUOTE = 280  # characters; longer words are cut at a space and marked with an ellipsis


@dataclass(frozen=True)
class Quote:
    text: str
    feeling: str  # positive, negative or neutral: how the writer rated the service
    group: Group


def feeling(rating: str | None) -> str:
    """Friends and Family Test groups: very good and good, poor and very poor, the rest."""
    return _FEELING.get(rating or "", "neutral")


def choose_quotes(
    candidates: Iterable[QuoteCandidate],
    seed: str,
    questions: Collection[str],
    limit: int = 3,
) -> list[tuple[int, Quote]]:
    """Take turns between feelings, starting where the seed says; one quote per response.

    Returns each quote with the index of the candidate it came from.
    """
    # Not for secrecy: a seeded shuffle makes the same week give the same quotes every time.
    rng = random.Random(seed)  # noqa: S311
    pools: dict[str, list[tuple[int, Group, str]]] = {f: [] for f in FEELINGS}
    for index, candidate in enumerate(candidates):
        mood = feeling(candidate.rating)
        texts = dict(candidate.texts)
        chosen = next((texts[q] for q in _PREFERRED[mood] if q in questions and q in texts), None)
        if chosen and chosen.strip():
            pools[mood].append((index, candidate.group, chosen))
    for pool in pools.values():
        rng.shuffle(pool)
    turn = rng.randrange(len(FEELINGS))
    order = FEELINGS[turn:] + FEELINGS[:turn]
    quotes: list[tuple[int, Quote]] = []
    while len(quotes) < limit and any(pools.values()):
        for mood in order:
            if pools[mood] and len(quotes) < limit:
                index, group, text = pools[mood].pop()
                if all(shorten(text) != q.text for _, q in quotes):  # the same words once
                    quotes.append((index, Quote(shorten(text), mood, group)))
    return quotes


def shorten(text: str, limit: int = MAX_QUOTE) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.-") + "…"
