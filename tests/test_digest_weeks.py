"""Weeks run Monday to Monday in Europe/London, whatever the clocks do in between."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.runtime import Runtime
from digests.build import build_digest
from digests.weeks import Week, parse_week, week_just_ended, week_of, week_so_far
from tests.seeding import Seeder


def test_a_week_is_read_from_its_iso_label() -> None:
    week = parse_week("2026-W47")
    assert (week.year, week.number, week.label) == (2026, 47, "2026-W47")
    assert (week.monday, week.sunday) == (date(2026, 11, 16), date(2026, 11, 22))


@pytest.mark.parametrize("text", ["2026-47", "2026-W7", "W47", "2025-W53", "2026-W00"])
def test_a_week_that_does_not_exist_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="week"):
        parse_week(text)


def test_2026_has_a_53rd_week_that_ends_in_2027() -> None:
    week = parse_week("2026-W53")
    assert week.sunday == date(2027, 1, 3) and week.shifted(1).label == "2027-W01"


def test_a_winter_week_starts_at_midnight_utc() -> None:
    week = parse_week("2026-W47")
    assert week.start == datetime(2026, 11, 16, tzinfo=UTC)
    assert week.end - week.start == timedelta(days=7)


def test_a_summer_week_starts_at_11pm_utc_on_sunday() -> None:
    week = parse_week("2026-W27")
    assert week.start == datetime(2026, 6, 28, 23, tzinfo=UTC)


def test_the_week_the_clocks_go_back_in_october_lasts_169_hours() -> None:
    week = parse_week("2026-W43")  # clocks go back at 02:00 BST on Sunday 25 October 2026
    assert week.start == datetime(2026, 10, 18, 23, tzinfo=UTC)  # Monday 00:00 BST
    assert week.end == datetime(2026, 10, 26, 0, tzinfo=UTC)  # Monday 00:00 GMT
    assert week.end - week.start == timedelta(hours=169)


def test_the_week_the_clocks_go_forward_in_march_lasts_167_hours() -> None:
    week = parse_week("2026-W13")  # clocks go forward at 01:00 GMT on Sunday 29 March 2026
    assert week.end - week.start == timedelta(hours=167)


def test_half_past_midnight_on_a_summer_monday_is_already_the_new_week() -> None:
    moment = datetime(2026, 10, 18, 23, 30, tzinfo=UTC)  # Monday 19 October, 00:30 BST
    assert week_of(moment).label == "2026-W43"
    assert week_of(moment, "UTC").label == "2026-W42"


def test_the_week_just_ended_on_a_monday_morning_is_the_week_before() -> None:
    monday_morning = datetime(2026, 10, 26, 7, tzinfo=UTC)
    assert week_just_ended(monday_morning).label == "2026-W43"
    assert week_just_ended(datetime(2026, 10, 25, 23, 59, tzinfo=UTC)).label == "2026-W42"


def test_this_week_so_far_ends_now() -> None:
    now = datetime(2026, 11, 18, 9, 15, tzinfo=UTC)
    week, until = week_so_far(now)
    assert week.label == "2026-W47" and until == now


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        week_of(datetime(2026, 11, 18, 9, 15))


def test_the_weeks_before_come_oldest_first() -> None:
    week = Week(2026, 2)
    assert [w.label for w in week.before(3)] == ["2025-W51", "2025-W52", "2026-W01"]


async def test_answers_either_side_of_the_october_clock_change_land_in_their_local_week(
    runtime: Runtime,
) -> None:
    seed = Seeder(runtime)
    week = parse_week("2026-W43")
    # Monday 00:30 BST, Sunday 01:30 GMT after the change, and Sunday 23:30 GMT: all in W43.
    for moment in (
        datetime(2026, 10, 18, 23, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
    ):
        await seed.many(2, at=moment, rating="good")
    # Sunday 23:30 BST before the week, and Monday 00:00 GMT after it: not in W43.
    await seed.give(at=datetime(2026, 10, 18, 22, 30, tzinfo=UTC), rating="good")
    await seed.give(at=datetime(2026, 10, 26, 0, 0, tzinfo=UTC), rating="good")
    digest = await build_digest(runtime.engine, runtime.services, week)
    assert digest.responses == 6
    assert (digest.first_day, digest.last_day) == (date(2026, 10, 19), date(2026, 10, 25))
