"""langdetect's model and method, with its inner loop on NumPy arrays instead of Python lists.

langdetect updates 55 probabilities one float at a time for every n-gram it samples: about a
millisecond a sentence, the largest share of a turn's CPU (docs/benchmarks.md). This keeps its
profiles, its text cleaning, its seeded sampling and its stopping rule, and does each update as
one array operation. It uses langdetect's n-gram extraction, which is not public API; the
dependency is pinned below 2 and tests/test_languages.py checks the answers stay the same.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

SEED = 0  # the same words always give the same language
TRIALS = 7  # langdetect's own n_trial
FIRST_CHECK_AFTER = 1  # langdetect checks convergence after its first update, then every fifth
CHECK_EVERY = 5


@dataclass(frozen=True)
class Guess:
    lang: str
    prob: float


class Model:
    """Every profile's n-gram probabilities as one matrix, a row per n-gram."""

    def __init__(self) -> None:
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        grams = factory.word_lang_prob_map
        self.languages: tuple[str, ...] = tuple(factory.langlist)
        self.rows = np.array(list(grams.values()), dtype=np.float64)
        # n-gram -> row; langdetect's extraction only asks whether an n-gram is known.
        factory.word_lang_prob_map = {gram: row for row, gram in enumerate(grams)}
        self._factory = factory

    def grams(self, text: str) -> list[int]:
        """The rows of the known n-grams in `text`, cleaned as langdetect cleans it."""
        detector: Detector = self._factory.create()
        detector.append(text)
        detector.cleaning_text()
        index = self._factory.word_lang_prob_map
        return [index[gram] for gram in detector._extract_ngrams()]

    def guess(self, text: str) -> list[Guess]:
        """Languages above langdetect's threshold of 0.1, most likely first; [] if none."""
        grams = self.grams(text)
        if not grams:
            return []
        rows = self.rows[grams]
        rng = random.Random(SEED)  # noqa: S311 (langdetect's sampling, not a secret)
        # random.choice(grams) without its call overhead: the same draws from the same stream.
        count, bits, draw = len(grams), len(grams).bit_length(), rng.getrandbits
        total = np.zeros(len(self.languages))
        for _ in range(TRIALS):
            alpha = Detector.ALPHA_DEFAULT + rng.gauss(0.0, 1.0) * Detector.ALPHA_WIDTH
            factors = rows + alpha / Detector.BASE_FREQ
            prob = np.full(len(self.languages), 1.0 / len(self.languages))
            done, batch = 0, FIRST_CHECK_AFTER
            while True:
                # Draw as many n-grams as langdetect would before its next check, in its order.
                for _ in range(batch):
                    pick = draw(bits)
                    while pick >= count:
                        pick = draw(bits)
                    prob *= factors[pick]
                done += batch
                prob /= prob.sum()
                if prob.max() > Detector.CONV_THRESHOLD or done > Detector.ITERATION_LIMIT:
                    break
                batch = CHECK_EVERY
            total += prob / TRIALS
        found = [
            Guess(lang, float(p))
            for lang, p in zip(self.languages, total, strict=True)
            if p > Detector.PROB_THRESHOLD
        ]
        return sorted(found, key=lambda g: g.prob, reverse=True)


@functools.cache
def model() -> Model:
    """Loaded once per process (about a second); `warm_up` does it before people arrive."""
    return Model()
