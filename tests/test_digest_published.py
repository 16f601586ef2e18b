"""No count hidden in the digest can be worked out from the rest of what the digest publishes.

Answers with counts near the threshold are given through the real store, the digest is built
and read as a commissioner gets it (the CSV, and the figures the chart draws), and every sum a
reader could do with the published figures is tried: no hidden figure is pinned by them, and
each has another value that fits everything shown, with no count below zero.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.runtime import Runtime
from digests.build import build_digest
from digests.csv_export import digest_csv
from digests.model import Digest
from digests.render import plain_text
from digests.suppression import SUPPRESSED
from digests.weeks import parse_week
from storage.models import Answer, Response
from tests.seeding import MONDAY, Seeder
from tests.test_digest_reader import HIDDEN, Equation, Value, at_most, worked_out

WEEK = parse_week("2026-W47")
SERVICES = ("riverside-hostel", "harbour-recovery", "lantern-mental-health")
CHOICES = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
RIVERSIDE, HARBOUR, LANTERN = (
    "Riverside Hostel (example)",
    "Harbour Recovery Service (example)",
    "Lantern Mental Health Team (example)",
)
CODES = {
    RIVERSIDE: "riverside-hostel",
    HARBOUR: "harbour-recovery",
    LANTERN: "lantern-mental-health",
    "People who don't use services": "no services",
}
BELOW, NOW = 5, 11
RATED = {"positive": ("very_good", "good"), "neither": ("neither",)}
RATED |= {"negative": ("poor", "very_poor"), "don't know": ("dont_know",)}


@dataclass(frozen=True)
class Given:
    """One conversation: who it was about, and how far it went and what was said."""

    service: str | None  # None: someone who doesn't use services
    rating: str | None  # a choice, "skip", or None: stopped before it (or never asked)
    language: str = "en"
    working_well: bool = False  # wrote some words, or skipped it
    need: str | None = "skip"  # "text", "skip", or None: stopped before it
    consent: bool = False
    weeks_ago: int = 0
    person: int | None = None  # someone who also gave others; None: someone new


def _answers() -> st.SearchStrategy[Given]:
    # A few people come back, so that counts of people and of answers part ways.
    person = st.sampled_from((None, None, None, 1, 2, 3))
    service = st.builds(
        Given,
        st.sampled_from(SERVICES),
        st.one_of(st.sampled_from(CHOICES), st.sampled_from(("skip", "good", None))),
        st.sampled_from(("en", "en", "pl")),
        st.booleans(),
        st.sampled_from(("text", "skip", "skip", None)),
        st.booleans(),
        person=person,
    )
    no_services = st.builds(
        Given,
        st.none(),
        st.none(),
        st.sampled_from(("en", "pl")),
        st.just(False),
        st.sampled_from(("text", "text", "skip")),
        st.booleans(),
        person=person,
    )
    earlier = st.builds(
        Given,
        st.sampled_from(SERVICES),
        st.just("good"),
        weeks_ago=st.integers(1, 5),
        person=person,
    )
    return st.one_of(service, service, service, no_services, earlier)


async def _give(seed: Seeder, given: Given) -> None:
    """As the conversation stores it: each question reached is answered or skipped."""
    words, skipped = {}, []
    if given.service is not None and given.rating is not None:
        skipped += ["rating"] if given.rating == "skip" else []
        if given.working_well:
            words["working_well"] = "The staff are kind"
        skipped += [] if given.working_well else ["working_well"]
        skipped.append("could_be_better")
    if given.need == "text":
        words["unmet_need"] = "Money for a room of my own" if given.consent else "A home"
    elif given.need == "skip":
        skipped.append("unmet_need")
    asked = bool(words) and given.need is not None
    await seed.give(
        given.service,
        status="service" if given.service else "no_services",
        at=MONDAY + timedelta(hours=12) - timedelta(weeks=given.weeks_ago),
        rating=given.rating if given.rating not in ("skip", None) else None,
        words=words,
        skipped=skipped,
        consent=given.consent if asked else None,
        language=given.language,
        person=given.person,
    )


async def _published(runtime: Runtime, answers: list[Given]) -> Digest:
    async with runtime.engine.begin() as connection:  # a fresh week for every example
        await connection.execute(delete(Answer))
        await connection.execute(delete(Response))
    seed = Seeder(runtime)
    for one in answers:
        await _give(seed, one)
    return await build_digest(runtime.engine, runtime.services, WEEK)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(_answers(), min_size=1, max_size=40))
async def test_no_hidden_count_can_be_worked_out_from_the_published_digest(
    runtime: Runtime, answers: list[Given]
) -> None:
    digest = await _published(runtime, answers)
    shown, truth = _read(digest), _truth(answers)
    for name, value in shown.items():
        assert value == HIDDEN or value == truth.get(name, 0), name
        assert value == HIDDEN or not 0 < int(value) < BELOW, name
    for ratings in [g.ratings for g in digest.groups if g.ratings] + [digest.all_services]:
        for part, percent in ((ratings.positive, ratings.percent_positive),
                              (ratings.negative, ratings.percent_negative)):  # fmt: skip
            needed = (part, ratings.rated, ratings.dont_know)
            assert percent is None or SUPPRESSED not in needed
    assert worked_out(_sums(shown, answers, truth), shown, truth) == []


def _read(digest: Digest) -> dict[str, Value]:
    """Every count a commissioner is shown, by a name of the test's own (chart by week)."""
    sections = {"week": "week", "all services": "all", "people per language": "language"}
    sections |= {"people who don't use services": "no services", "needs no service meets": "needs"}
    shown: dict[str, Value] = {}
    for row in csv.DictReader(io.StringIO(digest_csv(digest))):
        section, code, measure = row["section"], row["service_code"], row["measure"]
        if measure.startswith("%"):
            continue
        value: Value = row["value"] if row["value"] == HIDDEN else int(row["value"])
        if section == "service":
            name = f"chart {code} {NOW}" if measure == "answers" else f"{code} {measure}"
        else:
            name = f"{sections.get(section, section)} {measure}"
        shown[name] = value
    for group, cells in digest.trend.groups:
        for week, cell in enumerate(cells):
            name = f"chart {CODES[group]} {week}"
            value = HIDDEN if cell == SUPPRESSED else cell
            assert shown.setdefault(name, value) == value, f"{name} differs in chart and table"
    return shown


def _truth(answers: list[Given]) -> dict[str, int]:
    """What each published figure would be with nothing hidden, worked out here on its own."""
    now = [a for a in answers if a.weeks_ago == 0]
    spoke = {(_who(i, a), a.service) for i, a in enumerate(answers) if a.weeks_ago == 0}
    about = Counter(service for _, service in spoke)
    rated = {s for s in SERVICES if about[s] >= BELOW}
    truth: Counter[str] = Counter()
    for a in answers:
        truth[f"chart {a.service or 'no services'} {NOW - a.weeks_ago}"] += 1
    before = sum(1 for a in answers if 1 <= a.weeks_ago <= 4)
    truth["?four weeks"] = before
    truth["week average answers, four weeks before"] = int(before / 4 + 0.5)
    people_before = sum(len(_people(answers, weeks_ago=w)) for w in range(1, 5))
    truth["week average people, four weeks before"] = int(people_before / 4 + 0.5)
    truth["week people"] = len(_people(answers))
    truth["no services people"] = about[None]
    # Each person once, in the language of their latest answer: the last given, as all this
    # week's are given at the same time.
    latest = {who: a.language for who, a in _people(answers).items()}
    truth.update(f"language {language}" for language in latest.values())
    for a in now:
        truth["week answers"] += 1
        needs = ["needs"] + (["no services"] if a.service is None else [])
        for where in needs:
            truth[f"{where} answers"] += a.need == "text"
            truth[f"{where} theme: housing"] += a.need == "text"
            truth[f"{where} theme: money_benefits"] += a.need == "text" and a.consent
        if a.service is not None and a.rating is not None:
            truth["skipped working_well"] += not a.working_well
            truth["skipped could_be_better"] += 1
            truth["?wrote working_well"] += a.working_well
        if a.service in rated:
            for where in (a.service, "all"):
                for measure, choices in RATED.items():
                    truth[f"{where} {measure}"] += a.rating in choices
                truth[f"{where} rated"] += a.rating in CHOICES
    for code in rated:
        truth[f"?{code} not rated"] = truth[f"chart {code} {NOW}"] - truth[f"{code} rated"]
        # People, each once, however many of their answers said the staff were kind.
        kind = {
            _who(i, a)
            for i, a in enumerate(answers)
            if a.weeks_ago == 0 and a.service == code and a.working_well and a.rating is not None
        }
        truth[f"{code} people, theme: staff_attitude"] = len(kind)
        truth[f"?{code} not staff_attitude"] = truth[f"chart {code} {NOW}"] - len(kind)
    truth["?no need"] = truth["week answers"] - truth["needs answers"]
    truth["?no need, no services"] = (
        truth[f"chart no services {NOW}"] - truth["no services answers"]
    )
    truth["?others' needs"] = truth["needs answers"] - truth["no services answers"]
    for theme in ("housing", "money_benefits"):
        truth[f"?others' {theme}"] = (
            truth[f"needs theme: {theme}"] - truth[f"no services theme: {theme}"]
        )
    for week in range(NOW):
        truth[f"?total {week}"] = sum(1 for a in answers if a.weeks_ago == NOW - week)
    return dict(truth)


def _people(answers: list[Given], weeks_ago: int = 0) -> dict[int, Given]:
    """The people who gave answers in a week, each with the last they gave."""
    return {_who(i, a): a for i, a in enumerate(answers) if a.weeks_ago == weeks_ago}


def _who(i: int, a: Given) -> int:
    return a.person if a.person is not None else 100 + i


def _sums(shown: dict[str, Value], answers: list[Given], truth: dict[str, int]) -> list[Equation]:
    """Every sum a reader can do with the figures: those shown, and what they are sums of."""
    now = [a for a in answers if a.weeks_ago == 0]
    chart = sorted({name.rsplit(" ", 1)[0] for name in shown if name.startswith("chart ")})
    totals = [f"?total {w}" for w in range(NOW)] + ["week answers"]
    sums = [{f"{group} {w}": 1 for group in chart} | {totals[w]: -1} for w in range(NOW + 1)]
    if shown["week average answers, four weeks before"] != HIDDEN:  # rounded: taken as exact
        sums.append({totals[w]: 1 for w in range(NOW - 4, NOW)} | {"1": -truth["?four weeks"]})
    rated = sorted({name.split(" ")[0] for name in shown if name.endswith(" rated")} - {"all"})
    for code in rated:
        sums.append({f"{code} {m}": 1 for m in RATED} | {f"{code} rated": -1})
        sums.append({f"{code} rated": 1, f"?{code} not rated": 1, f"chart {code} {NOW}": -1})
        # Each person who mentioned a theme gave at least one of the service's answers.
        theme, rest = f"{code} people, theme: staff_attitude", f"?{code} not staff_attitude"
        sums.append({theme: 1, rest: 1, f"chart {code} {NOW}": -1})
    for measure in [*RATED, "rated"]:
        sums.append({f"{code} {measure}": 1 for code in rated} | {f"all {measure}": -1})
    sums.append({f"all {m}": 1 for m in RATED} | {"all rated": -1})
    sums.append({"needs answers": 1, "?no need": 1, "week answers": -1})
    sums.append({"no services answers": 1, "?others' needs": 1, "needs answers": -1})
    if "chart no services" in chart:
        sums.append(
            {"no services answers": 1, "?no need, no services": 1, f"chart no services {NOW}": -1}
        )
    if any(name.startswith("no services theme") for name in shown):  # the group is shown
        for theme in ("housing", "money_benefits"):
            mine, every = f"no services theme: {theme}", f"needs theme: {theme}"
            sums.append({mine: 1, f"?others' {theme}": 1, every: -1})
    # How many stopped before a question is not published, but a reader may guess nobody did,
    # and is right when nobody did: then it is a known 0, else one more unknown.
    nos = {f"chart no services {NOW}": 1} if "chart no services" in chart else {}
    stopped = sum(1 for a in now if a.service is not None and a.rating is None)
    for question in ("working_well", "could_be_better"):
        wrote = {f"?wrote {question}": 1, f"skipped {question}": 1, "week answers": -1}
        sums.append(wrote | nos | _stopped(truth, f"?stopped before {question}", stopped))
    # Each person is counted in one language.
    if languages := {name: 1 for name in shown if name.startswith("language ")}:
        sums.append(languages | {"week people": -1})
    return sums


def _stopped(truth: dict[str, int], name: str, count: int) -> Equation:
    """How many stopped before a question, as a term: an unknown, unless it is 0."""
    truth[name] = count
    return {name: 1} if count else {}


async def test_a_services_themes_do_not_tell_how_few_answers_a_small_service_had(
    runtime: Runtime,
) -> None:
    """Harbour's 6 answers hidden beside Lantern's 3, with only one rating to bound them: its 6
    people who mentioned staff say it had 6 answers at least, so 19 less 10 and 6 would leave
    Lantern 3 at most, there for anyone to see to be one of the small ones."""
    harbour = [Given("harbour-recovery", "good", working_well=True)]
    harbour += [Given("harbour-recovery", "skip", working_well=True)] * 5
    answers = [Given("riverside-hostel", "good")] * 10 + harbour
    answers += [Given("lantern-mental-health", "good")] * 3
    digest = await _published(runtime, answers)
    shown, truth = _read(digest), _truth(answers)
    assert shown["harbour-recovery people, theme: staff_attitude"] in (6, HIDDEN)
    assert shown[f"chart lantern-mental-health {NOW}"] == HIDDEN
    most = at_most(_sums(shown, answers, truth), shown, truth, f"chart lantern-mental-health {NOW}")
    assert most is None or most >= BELOW


async def test_the_audits_example_publishes_no_skipped_ratings_to_be_worked_out(
    runtime: Runtime,
) -> None:
    """10 answers and 8 ratings at Riverside, 6 and 7 elsewhere: "skipped: fewer than 5" beside
    them said 2. Answers less ratings say it anyway, so the skips are not listed as hidden."""
    seed = Seeder(runtime)
    await seed.many(8, rating="good")
    await seed.many(2, skipped=["rating"])
    await seed.many(6, "harbour-recovery", rating="good")
    await seed.many(7, "lantern-mental-health", rating="good")
    text = plain_text(await build_digest(runtime.engine, runtime.services, WEEK))
    assert "How was your experience" not in text
    assert f"{RIVERSIDE}: 10 answers, 100% positive, 0% negative" in text
    assert "The services above together: 100% positive, 0% negative, of 21 ratings." in text


async def test_a_small_service_is_not_given_away_by_the_total_less_the_others(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    skipped = ["working_well", "could_be_better", "unmet_need"]
    await seed.many(10, rating="good", skipped=skipped)
    await seed.many(6, "harbour-recovery", rating="good", skipped=skipped)
    await seed.many(3, "lantern-mental-health", rating="good", skipped=skipped)
    text = plain_text(await build_digest(runtime.engine, runtime.services, WEEK))
    assert f"{LANTERN}: fewer than 5 answers" in text
    # 19 less 10 and 6 would say 3. Hiding Harbour's 6 is not enough while its 6 ratings show:
    # answers are never fewer than ratings. Its ratings go too, and with them the total's.
    assert "19 answers from 19 people." in text
    assert f"{RIVERSIDE}: 10 answers, 100% positive, 0% negative" in text
    assert f"{HARBOUR}: fewer than 5 answers, positive withheld, negative withheld" in text
    assert "The services above together: positive withheld" in text
