"""People read the bot in their language: their app's, the one they write in, or their choice."""

from __future__ import annotations

from tests.harness import Harness


async def test_a_polish_phone_gets_the_welcome_and_buttons_in_polish(harness: Harness) -> None:
    phone = harness.phone(language_code="pl")
    await phone.command("/start")
    assert phone.texts()[0].startswith("Dzień dobry. To jest Listening Post.")
    assert phone.buttons() == ["Zaczynam", "Nie teraz"]
    await phone.tap("Zaczynam")
    assert phone.buttons()[-1] == "Pomiń"


async def test_a_regional_app_language_code_is_understood(harness: Harness) -> None:
    phone = harness.phone(language_code="pl-PL")
    await phone.command("/help")
    assert phone.said("Listening Post zadaje kilka krótkich pytań")


async def test_a_language_the_flows_do_not_have_falls_back_to_english(harness: Harness) -> None:
    phone = harness.phone(language_code="fr")
    await phone.command("/start")
    assert phone.buttons() == ["Start", "Not now"]


async def test_writing_in_polish_switches_to_polish_and_stores_the_answer_as_polish(
    harness: Harness,
) -> None:
    phone = harness.phone(language_code=None)
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    await phone.say("Pracownicy są bardzo mili i zawsze mają dla mnie czas")
    assert phone.texts()[0] == "Będę teraz pisać po polsku. Aby zmienić język, wyślij /language."
    assert phone.texts()[1].startswith("Co mogłoby być lepsze?")
    [words] = [a for a in await harness.answers() if a["text"]]
    assert words["language"] == "pl"


async def test_a_short_answer_is_too_little_to_guess_a_language_from(harness: Harness) -> None:
    phone = harness.phone(language_code=None)
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    await phone.say("dobrze")
    assert phone.said("What could be better?")


async def test_language_switches_with_one_tap_and_repeats_the_question(harness: Harness) -> None:
    phone = harness.phone(language_code="en")
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.command("/language")
    assert phone.texts() == ["Choose your language. / Wybierz język."]
    assert phone.buttons() == ["English", "Polski"]
    await phone.tap("Polski")
    assert phone.texts()[0] == "Dobrze, będę pisać po polsku."
    assert phone.texts()[1].startswith("Usługa: Hostel Riverside (przykład).")
    await phone.tap("Dobrze")
    [rating] = await harness.answers()
    assert rating["choice"] == "good" and rating["language"] == "pl"


async def test_a_chosen_language_is_not_overridden_by_what_the_person_writes(
    harness: Harness,
) -> None:
    phone = harness.phone(language_code="pl")
    await phone.command("/language")
    await phone.tap("English")
    await phone.command("/start", "riverside-hostel")
    await phone.tap("Start")
    await phone.tap("Good")
    await phone.say("Pracownicy są bardzo mili i zawsze mają dla mnie czas")
    assert phone.said("What could be better?")
    [words] = [a for a in await harness.answers() if a["text"]]
    assert words["language"] == "pl"  # the answer is still recorded as written in Polish


WRITTEN = [
    "The staff listen to me and my room is warm and clean.",
    "It would help if the kitchen stayed open later in the evening.",
    "Pracownicy są bardzo mili i zawsze mają dla mnie czas",
    "Pani w recepcji była miła ale jedzenie zimne i nikt nie pomaga z zasiłkiem",
    "Le personnel est très gentil avec moi et ma chambre est propre",
    "Das Personal ist sehr freundlich und hilfsbereit",
    "Personalul este foarte amabil si camera mea este curata",
    "Персонал очень добрый и внимательный",
    "lol idk maybe ok thanks mate cheers",
    "staff ok ale jedzenie zimne, need help with my benefits form",
    "x" * 30,
]


def test_the_quick_detector_reads_every_language_as_langdetect_does() -> None:
    # conversations/detector.py redoes langdetect's inner loop; people must be read the same.
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    from conversations.detector import model

    DetectorFactory.seed = 0
    for text in WRITTEN:
        try:
            expected = [(g.lang, round(g.prob, 9)) for g in detect_langs(text)]
        except LangDetectException:
            expected = []
        assert [(g.lang, round(g.prob, 9)) for g in model().guess(text)] == expected, text
