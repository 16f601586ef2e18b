"""Long polling that acknowledges an update only after its work is committed.

PTB's own Updater confirms updates as soon as it fetches the next batch; here the offset moves
past an update only once it has been processed, so a crash or a database outage loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.app import ALLOWED_UPDATES
from conversations.context import LPApplication
from conversations.guards import UNFINISHED

log = logging.getLogger(__name__)

POLL_SECONDS = 25
MAX_BACKOFF = 60.0


async def _process_person(app: LPApplication, updates: list[Update]) -> int | None:
    """One person's updates in order; returns the id of the first that could not be committed."""
    for update in updates:
        try:
            await app.process_update(update)
        except UNFINISHED:
            return update.update_id
    return None


async def process_batch(app: LPApplication, updates: list[Update]) -> int | None:
    """Different people's updates side by side, each person's in order.

    Returns the lowest update id that must be delivered again, or None when all are committed.
    """

    def person(update: Update) -> int:
        user = update.effective_user
        return user.id if user else 0

    groups = [list(g) for _, g in itertools.groupby(sorted(updates, key=person), key=person)]
    failed = await asyncio.gather(*(_process_person(app, group) for group in groups))
    return min((f for f in failed if f is not None), default=None)


async def poll(app: LPApplication, stop: asyncio.Event) -> None:
    """Fetch, process and acknowledge updates until `stop` is set."""
    offset: int | None = None
    # Separate waits: the Bot API coming back says nothing about the database, and vice versa.
    network_backoff = storage_backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            app.bot.get_updates(
                offset=offset, timeout=POLL_SECONDS, allowed_updates=ALLOWED_UPDATES
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            break
        try:
            updates = list(fetch.result())
        except RetryAfter as exc:
            await _sleep(stop, exc.retry_after)
            continue
        except (TimedOut, NetworkError) as exc:
            log.warning("could not reach the Bot API (%s); retrying", type(exc).__name__)
            await _sleep(stop, network_backoff)
            network_backoff = min(network_backoff * 2, MAX_BACKOFF)
            continue
        network_backoff = 1.0
        if not updates:
            continue
        redo = await process_batch(app, updates)
        if redo is None:
            offset = updates[-1].update_id + 1
            storage_backoff = 1.0
        else:
            # Everything before `redo` is committed; from `redo` on, ask again (already
            # committed ones among them are recognised and skipped).
            offset = redo
            await _sleep(stop, storage_backoff)
            storage_backoff = min(storage_backoff * 2, MAX_BACKOFF)


async def _sleep(stop: asyncio.Event, seconds: float | timedelta) -> None:
    delay = seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)
