"""`listening-post clock`: each commissioner gets last week's digest once, on the day and time set.

Run as many clocks as you like: each (week, recipient) is claimed in the database first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings
from digests.model import Digest
from digests.weeks import Week, week_just_ended
from storage.deliveries import Deliveries
from storage.staff import Staff, StaffRepository

log = logging.getLogger(__name__)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TICK_SECONDS = 60.0

Build = Callable[[Staff, Week], Awaitable[Digest]]
Channel = Callable[[Staff, Digest], Awaitable[None]]


class Undeliverable(Exception):
    """This recipient cannot get digests by this channel (they blocked the bot, say)."""


def due_at(week: Week, settings: Settings) -> datetime:
    """When the digest of `week` is due: the set day and time in the week after, local time."""
    day = week.end.astimezone(ZoneInfo(settings.timezone)).date()
    day += timedelta(days=DAYS.index(settings.digest_day))
    hour, minute = (int(part) for part in settings.digest_time.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(settings.timezone))


def latest_due(now: datetime, settings: Settings) -> tuple[Week, datetime]:
    """The most recent digest whose time has come (so one missed while down is still sent)."""
    week = week_just_ended(now, settings.timezone)
    due = due_at(week, settings)
    if now < due:
        week = week.shifted(-1)
        due = due_at(week, settings)
    return week, due


async def deliver_due(
    now: datetime,
    settings: Settings,
    staff: StaffRepository,
    deliveries: Deliveries,
    build: Build,
    channels: Mapping[str, Channel],
) -> int:
    """Send every digest that is due and unclaimed, by each channel; returns how many were sent."""
    week, due = latest_due(now, settings)
    sent = 0
    for member in await staff.everyone():
        if member.joined_at > due:
            continue  # joined after this digest was due: theirs starts next week
        digest: Digest | None = None
        for channel, send in channels.items():
            if channel == "email" and not member.email:
                continue
            if not await deliveries.claim(week.label, member.id, channel):
                continue
            try:
                digest = digest or await build(member, week)
                await send(member, digest)
            except Undeliverable as exc:  # retrying cannot help: keep the claim, say so once
                await deliveries.delivered(week.label, member.id, channel)
                log.warning("staff member %d cannot get digests by %s: %s", member.id, channel, exc)
                continue
            except Exception as exc:  # any failure: give the claim back so a later tick retries
                await deliveries.release(week.label, member.id, channel)
                log.warning("a digest was not delivered by %s (%s)", channel, type(exc).__name__)
                continue
            await deliveries.delivered(week.label, member.id, channel)
            sent += 1
    if sent:
        log.info("sent %d digest(s) for %s", sent, week.label)
    return sent


async def run_clock(
    settings: Settings,
    staff: StaffRepository,
    deliveries: Deliveries,
    build: Build,
    channels: Mapping[str, Channel],
    stop: asyncio.Event,
) -> None:
    """Check every minute until `stop`; a digest missed while down goes out at the first check."""
    while not stop.is_set():
        try:
            now = datetime.now(ZoneInfo(settings.timezone))
            await deliver_due(now, settings, staff, deliveries, build, channels)
        except Exception as exc:  # the database may be down: keep ticking
            log.warning("the clock could not check for due digests (%s)", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=TICK_SECONDS)
