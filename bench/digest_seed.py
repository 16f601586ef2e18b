"""Years of feedback drawn one week at a time, each week from its own seed.

A week therefore holds the same responses whatever the size of the table around it: tables of
different sizes differ only in how far back they go, which is what the benchmark compares.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from bench import digest_words as words
from digests.weeks import Week

RESPONSE_COLUMNS = (
    "id", "pseudonym", "service_code", "service_status", "language", "quote_consent",
    "started_at", "completed_at",
)  # fmt: skip
ANSWER_COLUMNS = (
    "id", "response_id", "question", "choice", "text", "skipped", "language", "answered_at",
)  # fmt: skip
# (service_code, service_status, weight): the example services, and people who named none.
GROUPS = (
    ("riverside-hostel", "service", 30), ("harbour-recovery", "service", 20),
    ("lantern-mental-health", "service", 18), ("oakfield-care", "service", 13),
    (None, "not_listed", 10), (None, "no_services", 9),
)  # fmt: skip
RATINGS = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
RATING_WEIGHTS = (28, 30, 12, 11, 8, 11)
WRITES = {"working_well": 0.6, "could_be_better": 0.5, "unmet_need": 0.3}
# How many weeks a person keeps coming back within; each comes about twice in that time.
RETURNING_WEEKS = 8

Response = tuple[object, ...]  # RESPONSE_COLUMNS without the id
Answer = tuple[object, ...]  # ANSWER_COLUMNS without the two ids
Drawn = tuple[Response, list[Answer]]


def draw_week(week: Week, per_week: float) -> list[Drawn]:
    """One week's responses, in the order they started; the same for the same week and rate."""
    rng = random.Random(f"{week.label}:{per_week}")  # noqa: S311  (not for secrecy)
    season = 1 + 0.15 * math.sin(2 * math.pi * week.number / 52)
    count = round(per_week * season * rng.uniform(0.85, 1.15))
    topics = words.week_topics(rng)
    start, end = week.span
    length = (end - start).total_seconds()
    people = max(1, round(per_week / 2))
    first = week.monday.toordinal() // 7 * people
    moments = sorted(start + timedelta(seconds=rng.random() * length) for _ in range(count))
    return [
        _response(rng, at, first + rng.randrange(RETURNING_WEEKS * people), topics)
        for at in moments
    ]


def _response(rng: random.Random, at: datetime, person: int, topics: tuple[str, ...]) -> Drawn:
    code, status, _ = rng.choices(GROUPS, weights=[g[2] for g in GROUPS])[0]
    language = "pl" if rng.random() < 0.15 else "en"
    uses = status != "no_services"
    questions = ["rating", "working_well", "could_be_better"] if uses else []
    answers: list[Answer] = []
    moment = at
    for question in [*questions, "unmet_need"]:
        moment += timedelta(seconds=rng.uniform(5, 120))
        writes = WRITES.get(question, 0) if uses else 0.75
        if question == "rating" and rng.random() > 0.06:
            choice = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
            answers.append((question, choice, None, False, language, moment))
        elif question != "rating" and rng.random() < writes:
            said = words.text(rng, question, language, topics)
            answers.append((question, None, said, False, language, moment))
        else:
            answers.append((question, None, None, True, language, moment))
    consent: bool | None = None
    completed: datetime | None = moment
    if rng.random() < 0.08:  # left part-way through
        answers, completed = answers[: rng.randrange(len(answers))], None
    elif any(a[2] for a in answers):
        moment += timedelta(seconds=rng.uniform(5, 60))
        consent = rng.choices((True, False, None), weights=(55, 35, 10))[0]
        said_yes = None if consent is None else "yes" if consent else "no"
        answers.append(("quote_consent", said_yes, None, consent is None, language, moment))
        completed = moment
    who = hashlib.sha256(f"bench-person-{person}".encode()).hexdigest()
    return (who, code, status, language, consent, at, completed), answers


def responses_a_week(answers: int, years: int = 5) -> float:
    """The mean responses a week that give about `answers` answers over `years` years."""
    sample = draw_week(Week(2000, 1), 10_000.0)
    per_response = sum(len(a) for _, a in sample) / len(sample)
    return round(answers / (years * 365.25 / 7) / per_response, 1)


def history(end: Week, per_week: float, answers: int) -> tuple[list[Week], int]:
    """The weeks, oldest first, that hold `answers` answers up to `end`, and how many of the
    oldest week's answers are left out to make the count exact."""
    weeks, total, week = [], 0, end
    while total < answers:
        total += sum(len(a) for _, a in draw_week(week, per_week))
        weeks.append(week)
        week = week.shifted(-1)
    return weeks[::-1], total - answers


def rows(
    end: Week, per_week: float, answers: int, batch: int = 50_000
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """(responses, answers) rows with ids, oldest first, about `batch` answers at a time."""
    weeks, excess = history(end, per_week, answers)
    response_id = answer_id = 0
    out_responses: list[tuple[object, ...]] = []
    out_answers: list[tuple[object, ...]] = []
    for week in weeks:
        for response, given in draw_week(week, per_week):
            # The oldest responses go first, the last one maybe in part, to make the count exact.
            dropped = min(excess, len(given))
            excess -= dropped
            if dropped == len(given) and given:
                continue
            response_id += 1
            out_responses.append((response_id, *response))
            for answer in given[: len(given) - dropped]:
                answer_id += 1
                out_answers.append((answer_id, response_id, *answer))
        if len(out_answers) >= batch:
            yield out_responses, out_answers
            out_responses, out_answers = [], []
    if out_responses:
        yield out_responses, out_answers
