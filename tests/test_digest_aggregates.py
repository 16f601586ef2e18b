"""Storage hands the digest counts, codes and scrubbed words for a week, and never a pseudonym."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from storage import aggregates
from storage.aggregates import Group, snapshot
from tests.seeding import MONDAY, Seeder, pseudonym

WEEK = (MONDAY, MONDAY + timedelta(days=7))
RIVERSIDE = Group("riverside-hostel", "service")


async def test_a_week_counts_answers_people_ratings_skips_and_languages_per_service(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.give(rating="good", words={"working_well": "Kind staff"}, person=1)
    await seed.give(rating="good", skipped=["working_well"], person=1)  # the same person again
    await seed.give(rating="very_poor", language="pl", person=2)
    await seed.give("harbour-recovery", rating="dont_know", skipped=["rating"])
    await seed.give(None, status="no_services", words={"unmet_need": "A bed"})
    async with snapshot(runtime.engine) as db:
        week = await aggregates.week_figures(db, WEEK)
    assert (week.responses, week.people) == (5, 4)
    by_group = {g.group: g for g in week.groups}
    riverside = by_group[RIVERSIDE]
    assert (riverside.responses, riverside.people) == (3, 2)
    assert riverside.ratings == {"good": 2, "very_poor": 1}
    assert riverside.skipped == {"working_well": 1}
    assert by_group[Group("harbour-recovery", "service")].skipped == {"rating": 1}
    assert by_group[Group(None, "no_services")].responses == 1
    # People, not answers: the first person's two answers make one English speaker.
    assert week.languages == {"en": 3, "pl": 1}


async def test_someone_who_changed_language_is_counted_once_in_their_latest(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.give(at=MONDAY + timedelta(days=1), language="en", person=1)
    await seed.give(at=MONDAY + timedelta(days=3), language="pl", person=1)
    await seed.give(at=MONDAY + timedelta(days=2), language="en", person=1)
    await seed.give(at=MONDAY + timedelta(days=1), language="pl", person=2)
    await seed.give("harbour-recovery", at=MONDAY + timedelta(days=2), language="en", person=2)
    async with snapshot(runtime.engine) as db:
        week = await aggregates.week_figures(db, WEEK)
        harbour = await aggregates.week_figures(db, WEEK, scope={"harbour-recovery"})
    assert week.people == 2 and week.languages == {"pl": 1, "en": 1}
    # Within a scope, what someone said about services outside it does not count.
    assert harbour.languages == {"en": 1}


async def test_answers_just_outside_the_week_are_left_out(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.give(at=MONDAY - timedelta(microseconds=1), rating="good")
    await seed.give(at=MONDAY, rating="poor")
    await seed.give(at=WEEK[1] - timedelta(microseconds=1), rating="poor")
    await seed.give(at=WEEK[1], rating="good")
    async with snapshot(runtime.engine) as db:
        week = await aggregates.week_figures(db, WEEK)
    assert week.responses == 2 and week.groups[0].ratings == {"poor": 2}


async def test_a_scope_keeps_its_own_services_and_everyone_who_named_none(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.give("riverside-hostel")
    await seed.give("harbour-recovery")
    await seed.give(None, status="not_listed")
    async with snapshot(runtime.engine) as db:
        week = await aggregates.week_figures(db, WEEK, scope={"harbour-recovery"})
    assert [g.group for g in week.groups] == [
        Group(None, "not_listed"),
        Group("harbour-recovery", "service"),
    ]


async def test_weekly_counts_put_each_answer_in_its_week_and_people_once_a_week(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    earlier = MONDAY - timedelta(days=7)
    await seed.give(at=earlier + timedelta(days=1), person=7)
    await seed.give(at=earlier + timedelta(days=2), person=7)
    await seed.give("harbour-recovery", at=MONDAY + timedelta(days=3), person=7)
    spans = [(earlier, MONDAY), WEEK]
    async with snapshot(runtime.engine) as db:
        counts = await aggregates.weekly_counts(db, spans)
    assert counts.responses == (2, 1) and counts.people == (1, 1)
    assert counts.groups == {Group("harbour-recovery", "service"): (0, 1), RIVERSIDE: (2, 0)}


async def test_one_persons_texts_are_told_apart_from_anothers_without_their_pseudonym(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "Kind staff", "could_be_better": "More staff"}
    await seed.give(rating="good", words=words, person=1)
    await seed.give(rating="good", words={"working_well": "Staff again"}, person=1)
    await seed.give(rating="good", words={"working_well": "Staff"}, person=2)
    async with snapshot(runtime.engine) as db:
        texts = await aggregates.week_texts(db, WEEK)
    people = [t.person for t in texts]
    assert len(people) == 4 and len(set(people[:3])) == 1 and people[3] != people[0]


async def test_quote_candidates_come_only_from_people_who_agreed_with_their_rating(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    words = {"working_well": "The kitchen", "could_be_better": "Hot water"}
    await seed.give(rating="poor", words=words, consent=True)
    await seed.give(rating="good", words={"working_well": "Do not quote me"}, consent=False)
    await seed.give(words={"working_well": "Never asked"})
    async with snapshot(runtime.engine) as db:
        candidates = await aggregates.quote_candidates(db, WEEK)
    assert [(c.group, c.rating, c.texts) for c in candidates] == [
        (RIVERSIDE, "poor", (("could_be_better", "Hot water"), ("working_well", "The kitchen")))
    ]


async def test_words_seen_counts_the_texts_holding_each_word_whatever_its_case(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    await seed.give(words={"working_well": "Heating works", "could_be_better": "more heating"})
    await seed.give(words={"unmet_need": "Łóżko"}, language="pl")
    async with snapshot(runtime.engine) as db:
        seen = await aggregates.words_seen(db, WEEK, ["heating", "łóżko", "mould"])
    assert seen == {"heating": 2, "łóżko": 1, "mould": 0}


async def test_quiet_services_are_the_ones_nobody_spoke_about(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    await seed.give("riverside-hostel")
    codes = [s.code for s in runtime.services.items]
    async with snapshot(runtime.engine) as db:
        quiet = await aggregates.quiet_services(db, WEEK, codes)
    assert "riverside-hostel" not in quiet and "oakfield-care" in quiet


async def test_nothing_storage_hands_the_digest_holds_a_pseudonym(runtime: Runtime) -> None:
    seed = Seeder(runtime)
    for number in range(1, 4):
        await seed.give(rating="good", words={"working_well": "ok"}, consent=True, person=number)
    async with snapshot(runtime.engine) as db:
        results = [
            await aggregates.week_figures(db, WEEK),
            await aggregates.weekly_counts(db, [WEEK]),
            await aggregates.week_texts(db, WEEK),
            await aggregates.quote_candidates(db, WEEK),
        ]
    dump = repr(results)
    assert not any(pseudonym(n).value in dump for n in range(1, 4))
