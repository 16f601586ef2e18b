"""Words that are new this week: written by several people now, and in no text the weeks before."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from importlib import resources

import yaml

from digests.themes import TAG

MIN_LETTERS = 3
# Letters with apostrophes inside, so that "didn't" is one word (and left out), not "didn".
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@functools.cache
def stop_words() -> frozenset[str]:
    """Common English and Polish words that are never news (digests/stop_words.yaml)."""
    source = resources.files("digests") / "stop_words.yaml"
    raw: dict[str, str] = yaml.safe_load(source.read_text(encoding="utf-8"))
    return frozenset(word.casefold() for words in raw.values() for word in words.split())


def words_in(text: str) -> set[str]:
    """The distinct plain words of a text, folded to lower case, without tags or stop words."""
    found = {w.casefold() for w in _WORD.findall(TAG.sub(" ", text))}
    return {w for w in found if len(w) >= MIN_LETTERS and w.isalpha() and w not in stop_words()}


def frequent_words(
    texts: Iterable[tuple[Hashable, str]], at_least: int, limit: int = 30
) -> list[tuple[str, int]]:
    """Words written by at least `at_least` people, from (person, text): most people first.

    People, not texts, so that one person's words, however often written, are never news.
    """
    writers: dict[str, set[Hashable]] = {}
    for person, text in texts:
        for word in words_in(text):
            writers.setdefault(word, set()).add(person)
    counts = Counter({word: len(people) for word, people in writers.items()})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(word, n) for word, n in ranked if n >= at_least][:limit]


def new_words(
    frequent: Iterable[tuple[str, int]], seen_before: Mapping[str, int], limit: int = 10
) -> tuple[str, ...]:
    """The frequent words that no text of the weeks before held."""
    return tuple(word for word, _ in frequent if not seen_before.get(word))[:limit]
