"""What seeded people write: short phrases, joined into texts of the lengths people really type.

The phrases carry the themes' keywords (conversations/themes.yaml), so theme counts, quotes and
"new words" have real work to do; a few topic words come and go with the weeks.
"""

from __future__ import annotations

import random

# fmt: off
WELL = {
    "en": (
        "the staff are kind", "my keyworker listens to me", "staff were friendly and helpful",
        "it is clean now", "the food is good", "I got a room quickly", "they helped with my bills",
        "the counsellor is really helpful", "they called back the same day",
        "I feel safe here at night", "they explained everything", "breakfast every morning",
        "the drop-in is open at weekends", "they treat you with respect",
        "somebody to talk to when I am anxious", "help with universal credit forms",
        "warm place to sleep", "the nurse came on time", "the shower works",
        "they never judge you", "easy to get an appointment", "the bus pass helps a lot",
    ),
    "pl": (
        "personel jest miły", "pracownicy są bardzo pomocni", "jest czysto", "dobre jedzenie",
        "szybko dostałem pokój", "pomogli z rachunkami", "czuję się bezpiecznie",
        "wszystko wyjaśnili", "traktują mnie jak człowieka", "terapeuta bardzo pomaga",
        "śniadanie codziennie rano", "oddzwonili tego samego dnia",
    ),
}
BETTER = {
    "en": (
        "waiting times are too long", "I waited three weeks for a call back",
        "some staff are rude", "the toilets are dirty", "there is mould in the bathroom",
        "nobody told me what was happening", "the room is damp and cold",
        "I don't feel safe at night", "people fighting outside", "the food is cold",
        "closed at weekends", "hard to get an appointment", "my benefits were sanctioned",
        "they don't listen", "the letters are hard to understand", "no interpreter for me",
        "I was treated like dirt", "too far to travel by bus", "the kitchen is always closed",
        "my things were stolen", "on hold for an hour", "the referral took months",
    ),
    "pl": (
        "za długo się czeka", "czekałem trzy tygodnie", "niektórzy pracownicy są niemili",
        "brudna toaleta", "pleśń w łazience", "nikt nie oddzwonił", "nie rozumiem listów",
        "w nocy nie jest bezpiecznie", "zamknięte w weekend", "za daleko autobusem",
        "nie ma tłumacza", "ukradli mi rzeczy",
    ),
}
NEED = {
    "en": (
        "somewhere to live", "a bed for tonight", "help with debt", "food at the weekend",
        "someone to talk to about my mental health", "help filling in forms",
        "a place to wash my clothes", "money for the bus", "a dentist", "help finding work",
        "a safe place for women", "storage for my things", "help reading letters in english",
        "a GP who will register me", "somewhere to go in the evening",
    ),
    "pl": (
        "miejsce do mieszkania", "łóżko na noc", "pomoc z długami", "jedzenie w weekend",
        "pomoc psychologa", "pomoc z formularzami", "tłumacz w urzędzie", "pieniądze na autobus",
    ),
}
JOINS = {"en": (". ", ", ", " and ", " but ", ". Also "), "pl": (". ", ", ", " i ", " ale ")}
# Topics that come up for a week or two and go (the digest's "new words this week").
TOPICS = (
    "flooding", "heatwave", "boiler", "roadworks", "strike", "snow", "scaffolding", "fireworks",
    "lift", "wifi", "laundry", "parking", "vaccines", "electricity", "curfew", "pigeons",
    "noise", "ramadan", "christmas", "inspection", "refurbishment", "generator", "locker",
    "storm", "ants", "fire", "alarm", "evacuation", "festival", "marathon",
)
# fmt: on
TAGS = ("[phone]", "[email]", "[postcode]")
_CLAUSES = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 6, 9)  # most people write a line; a few write a page


def week_topics(rng: random.Random) -> tuple[str, ...]:
    return tuple(rng.sample(TOPICS, rng.choice((0, 1, 1, 2))))


def text(rng: random.Random, question: str, language: str, topics: tuple[str, ...]) -> str:
    """One answer's words, already scrubbed (a tag stands where a number or address was)."""
    pool = {"working_well": WELL, "could_be_better": BETTER}.get(question, NEED)[language]
    parts = [rng.choice(pool) for _ in range(rng.choice(_CLAUSES))]
    if topics and rng.random() < 0.03:
        parts.insert(rng.randrange(len(parts) + 1), f"the {rng.choice(topics)} again")
    if rng.random() < 0.01:
        parts.append(f"call me on {rng.choice(TAGS)}")
    words = _capital(parts[0])
    for part in parts[1:]:
        join = rng.choice(JOINS[language])
        words += join + (_capital(part) if join.startswith(".") else part)
    return words


def _capital(part: str) -> str:
    return part[0].upper() + part[1:]
