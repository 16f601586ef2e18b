"""A deployer's table of processed update ids does not grow for ever: old ids are forgotten."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update as sql_update

from bot.app import prune_processed
from storage.models import ProcessedUpdate, utcnow
from tests.harness import Harness


async def _processed_as_if(harness: Harness, update: dict[str, Any], ago: timedelta) -> None:
    """Record this update as processed `ago` (the test cannot wait two days)."""
    async with harness.runtime.engine.begin() as connection:
        await connection.execute(
            sql_update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update["update_id"])
            .values(processed_at=utcnow() - ago)
        )


async def _processed_ids(harness: Harness) -> set[int]:
    return {row["update_id"] for row in await harness.rows(ProcessedUpdate)}


async def test_the_hourly_job_forgets_ids_after_48_hours_and_still_catches_recent_redeliveries(
    harness: Harness,
) -> None:
    # The job the real Application schedules; it is run below as its job queue would run it.
    assert harness.app.job_queue is not None
    [job] = [job for job in harness.app.job_queue.jobs() if job.callback is prune_processed]
    assert job.job.trigger.interval == timedelta(hours=1)

    phone = harness.phone()
    start = harness.updates.command(phone.person, "/start", args="riverside-hostel")
    await phone.deliver(start)
    begin = harness.updates.press(phone.person, phone.last[-1], "Start")
    await phone.deliver(begin)
    rating = harness.updates.press(phone.person, phone.last[-1], "Good")
    await phone.deliver(rating)
    words = harness.updates.text(phone.person, "Kind staff")
    await phone.deliver(words)
    assert phone.said("What could be better?")

    two_days_and_a_bit, not_quite_two_days = timedelta(hours=48, minutes=1), timedelta(hours=47)
    for old in (start, begin):
        await _processed_as_if(harness, old, two_days_and_a_bit)
    await _processed_as_if(harness, rating, not_quite_two_days)

    await job.run(harness.app)

    assert await _processed_ids(harness) == {rating["update_id"], words["update_id"]}
    seen = len(phone.inbox())
    for redelivered in (rating, words):  # Telegram missed the 200s and delivers them again
        await harness.deliver(redelivered)
    assert len(phone.inbox()) == seen  # recognised as done: no question asked again
    assert [(a["question"], a["choice"] or a["text"]) for a in await harness.answers()] == [
        ("rating", "good"),
        ("working_well", "Kind staff"),
    ]
