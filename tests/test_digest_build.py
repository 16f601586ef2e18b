"""What a commissioner reads in the weekly digest, from answers given through the real store."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.runtime import Runtime
from digests.build import build_digest
from digests.csv_export import digest_csv
from digests.model import Digest
from digests.render import email_html, plain_text, split_message, telegram_html
from digests.weeks import parse_week
from tests.fakes.html_text import parse_html
from tests.seeding import MONDAY, Seeder, pseudonym

WEEK = parse_week("2026-W47")
RIVERSIDE, HARBOUR, LANTERN = (
    "Riverside Hostel (example)",
    "Harbour Recovery Service (example)",
    "Lantern Mental Health Team (example)",
)


async def _digest(runtime: Runtime, **kw: object) -> Digest:
    return await build_digest(runtime.engine, runtime.services, WEEK, **kw)  # type: ignore[arg-type]


def _everything(digest: Digest) -> str:
    """Every rendering of the digest, as one string to search."""
    return "\n".join(
        [telegram_html(digest), plain_text(digest), email_html(digest), digest_csv(digest)]
    )


def _csv(digest: Digest, service: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(digest_csv(digest)))
    return {row["measure"]: row["value"] for row in rows if row["service"] == service}


def _csv_section(digest: Digest, section: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(digest_csv(digest)))
    return {row["measure"]: row["value"] for row in rows if row["section"] == section}


async def test_a_commissioner_reads_answers_and_friends_and_family_percentages_per_service(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.many(10, rating="very_good")
    await seed.many(5, rating="good")
    await seed.many(5, rating="poor")
    await seed.many(6, "harbour-recovery", rating="good")
    digest = await _digest(runtime)
    text = plain_text(digest)
    assert f"{RIVERSIDE}: 20 answers, 75% positive, 25% negative" in text
    assert f"{HARBOUR}: 6 answers, 100% positive, 0% negative" in text
    assert "The services above together: 81% positive, 19% negative, of 26 ratings." in text
    assert "26 answers from 26 people." in text
    assert f"<b>{RIVERSIDE}</b>: 20 answers, 75% positive, 25% negative" in telegram_html(digest)
    assert _csv(digest, RIVERSIDE)["negative"] == "5"


async def test_a_service_fewer_than_five_people_spoke_about_shows_fewer_than_5_and_no_quotes(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.many(6, rating="good")
    words = {"could_be_better": "The night manager shouts at me"}
    await seed.many(3, "lantern-mental-health", rating="very_poor", words=words, consent=True)
    digest = await _digest(runtime)
    text = plain_text(digest)
    assert f"{LANTERN}: fewer than 5 answers. Fewer than 5 people spoke about it" in text
    assert "shouts" not in _everything(digest)
    lantern = _csv(digest, LANTERN)
    assert lantern == {"answers": "fewer than 5"}
    assert "3" not in lantern.values()


async def test_a_few_poor_ratings_inside_a_big_service_hide_their_percentage_too(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.many(15, rating="good")
    await seed.many(3, rating="poor")
    digest = await _digest(runtime)
    assert f"{RIVERSIDE}: 18 answers, positive withheld, negative withheld" in plain_text(digest)
    riverside = _csv(digest, RIVERSIDE)
    assert riverside["negative"] == "fewer than 5" and riverside["% negative"] == "withheld"
    # 15 positive beside 18 rated would say that 3 were not positive, so it is hidden too.
    assert riverside["positive"] == "fewer than 5" and riverside["rated"] == "18"


async def test_quotes_are_only_from_people_who_agreed_to_be_quoted(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.many(3, rating="good", words={"working_well": "Agreed to share"}, consent=True)
    await seed.many(3, rating="good", words={"working_well": "Said no to quotes"}, consent=False)
    await seed.many(3, rating="good", words={"working_well": "Never asked about it"})
    everything = _everything(await _digest(runtime))
    assert "Agreed to share" in everything
    assert "Said no to quotes" not in everything and "Never asked" not in everything


async def test_quotes_take_turns_between_good_and_poor_experiences_and_stay_put_for_the_week(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    for n in range(8):
        await seed.give(rating="very_good", words={"working_well": f"Good thing {n}"}, consent=True)
    for n in range(2):
        await seed.give(rating="poor", words={"could_be_better": f"Bad thing {n}"}, consent=True)
    first = await _digest(runtime)
    quotes = first.groups[0].quotes
    assert len(quotes) == 3
    assert {q.feeling for q in quotes} == {"positive", "negative"}
    assert (await _digest(runtime)).groups[0].quotes == quotes


async def test_nothing_rendered_holds_a_pseudonym_or_a_phone_number_or_an_address(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {
        "working_well": "Ring Sam on 07700 900123",
        "could_be_better": "write to sam.jones@example.com",
        "unmet_need": "housing near SW1A 1AA",
    }
    for person in range(1, 7):
        await seed.give(rating="good", words=words, consent=True, person=person)
    everything = _everything(await _digest(runtime))
    assert "[phone]" in everything  # the quote is there, scrubbed
    for leak in ("07700", "900123", "sam.jones", "example.com", "SW1A"):
        assert leak not in everything
    assert not any(pseudonym(person).value in everything for person in range(1, 7))


async def test_markup_in_peoples_words_is_shown_as_text_never_obeyed(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "<b>staff</b> & <script>alert(1)</script>"}
    await seed.many(5, rating="good", words=words, consent=True)
    digest = await _digest(runtime)
    html = telegram_html(digest)
    assert "&lt;script&gt;" in html and "<script>" not in html
    for piece in split_message(html, 1000):
        parse_html(piece)  # Telegram would refuse a stray tag or a bare &
    assert "<script>" not in email_html(digest)


async def test_people_who_dont_use_services_say_what_they_need(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    need = {"unmet_need": "Somewhere to live, a room of my own"}
    await seed.many(6, None, status="no_services", words=need, consent=True)
    text = plain_text(await _digest(runtime))
    assert "6 people told us they don't use services now; 6 said what they need." in text
    assert "Themes: Housing 6 (answers that mention each)" in text
    assert "“Somewhere to live, a room of my own” (from someone who doesn't use services)" in text


async def test_this_week_is_set_against_the_average_of_the_four_weeks_before(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    for weeks_ago, count in ((1, 6), (2, 8), (3, 10), (4, 8), (5, 40)):
        await seed.many(count, at=MONDAY - timedelta(weeks=weeks_ago) + timedelta(hours=1))
    await seed.many(9)
    digest = await _digest(runtime)
    assert (digest.responses, digest.average_responses, digest.average_people) == (9, 8, 8)
    assert "In the four weeks before, on average 8 answers from 8 people a week." in plain_text(
        digest
    )
    assert digest.trend.weeks[-1] == "2026-W47" and len(digest.trend.weeks) == 12
    assert dict(digest.trend.groups)[RIVERSIDE][-6:] == (40, 8, 10, 8, 6, 9)


async def test_words_new_this_week_and_services_not_heard_from_in_four_weeks(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.give(at=MONDAY - timedelta(weeks=2), words={"could_be_better": "the heating"})
    await seed.give("oakfield-care", at=MONDAY - timedelta(weeks=3))  # within four weeks
    await seed.give("harbour-recovery", at=MONDAY - timedelta(weeks=4))  # just before them
    await seed.many(5, words={"could_be_better": "Black mould and no heating"})
    digest = await _digest(runtime)
    assert "black" in digest.new_words and "mould" in digest.new_words
    assert "heating" not in digest.new_words
    assert digest.quiet == (HARBOUR, LANTERN)


async def test_a_word_one_person_writes_five_times_is_not_new_this_week(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "Bartholomew", "could_be_better": "Bartholomew"}
    for day in range(3):  # six texts with the word, all one person's
        await seed.give(at=MONDAY + timedelta(days=day), words=words, person=1)
    await seed.many(3, words={"working_well": "Bartholomew"})
    digest = await _digest(runtime)
    assert digest.new_words == ()  # nine texts, but four people
    assert "No new words this week." in plain_text(digest)
    await seed.give(words={"working_well": "Bartholomew"})
    assert (await _digest(runtime)).new_words == ("bartholomew",)  # five people


async def test_this_week_so_far_counts_answers_up_to_now(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.many(5, at=MONDAY + timedelta(days=1))
    await seed.many(5, at=MONDAY + timedelta(days=3))
    digest = await _digest(runtime, until=MONDAY + timedelta(days=2))
    assert digest.responses == 5 and digest.so_far
    assert "Monday 16 November 2026 to 17 November 2026: this week so far" in plain_text(digest)


async def test_a_scoped_digest_names_no_service_outside_its_scope(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.many(5, rating="good")
    await seed.many(5, "harbour-recovery", rating="poor")
    digest = await _digest(runtime, scope={"harbour-recovery"})
    assert RIVERSIDE not in _everything(digest)
    assert f"{HARBOUR}: 5 answers, 0% positive, 100% negative" in plain_text(digest)


async def test_languages_count_people_and_skipped_questions_count_answers(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {"could_be_better": "More staff at night", "unmet_need": "A home"}
    await seed.many(
        6, rating="good", words=words, skipped=["working_well"], consent=True, language="pl"
    )
    await seed.many(7, skipped=["rating"])
    digest = await _digest(runtime)
    assert dict(digest.languages) == {"en": 7, "pl": 6}
    assert dict(digest.skipped) == {"working_well": 6, "could_be_better": 0, "quote_consent": 0}
    text = plain_text(digest)
    assert "LANGUAGES, COUNTING PEOPLE\nEnglish 7, Polish 6" in text
    assert "Each person is counted once, in the language their latest answer" in text
    # Answers less ratings give the skipped ratings, so they are not listed to be hidden.
    assert "How was your experience" not in text


async def test_one_person_answering_many_times_in_polish_is_not_five_polish_speakers(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "Miła obsługa", "could_be_better": "Więcej łóżek", "unmet_need": "Dom"}
    for day in range(5):  # every question of five conversations, all in Polish
        at = MONDAY + timedelta(days=day, hours=12)
        await seed.give(rating="good", words=words, consent=False, language="pl", at=at, person=1)
    await seed.many(7, rating="good", skipped=["working_well", "could_be_better", "unmet_need"])
    digest = await _digest(runtime)
    assert digest.people == 8 and digest.responses == 12
    # One Polish speaker: hidden, and English beside it, as 8 people less 7 would say 1.
    assert digest.languages == (("en", "suppressed"), ("pl", "suppressed"))
    assert "English fewer than 5, Polish fewer than 5" in plain_text(digest)
    hidden = {"en": "fewer than 5", "pl": "fewer than 5"}
    assert _csv_section(digest, "people per language") == hidden


async def test_one_person_writing_about_staff_again_and_again_is_one_person_in_themes(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "The staff are kind", "could_be_better": "More staff, please"}
    for day in range(5):  # ten texts about staff, from one person
        at = MONDAY + timedelta(days=day, hours=12)
        await seed.give(rating="good", words=words, consent=False, at=at, person=1)
    await seed.many(6, rating="good", words={"working_well": "Warm and dry"}, consent=False)
    digest = await _digest(runtime)
    text = plain_text(digest)
    assert f"{RIVERSIDE}: 11 answers, 100% positive, 0% negative" in text
    assert "Themes: Staff attitude fewer than 5 (people who mentioned each)" in text
    assert _csv(digest, RIVERSIDE)["people, theme: staff_attitude"] == "fewer than 5"


async def test_themes_at_a_service_count_the_people_who_mentioned_them(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "Kind staff", "could_be_better": "Not enough staff"}
    await seed.many(6, rating="good", words=words, consent=False)
    digest = await _digest(runtime)
    # Both answers of each mention staff: six people, not twelve texts.
    assert "Themes: Staff attitude 6 (people who mentioned each)" in plain_text(digest)
