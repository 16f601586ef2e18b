"""The server side of getUpdates: a queue with offsets, limits and long-poll waiting."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import Any

# Sent unless a bot asks for them explicitly (see getUpdates.allowed_updates).
OPT_IN_UPDATES = frozenset(("chat_member", "message_reaction", "message_reaction_count"))


def update_type(update: dict[str, Any]) -> str:
    """The one optional field an Update carries, e.g. "message" or "callback_query"."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Pending updates. Safe to push from any thread; waiters are woken in their own loop."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.allowed: frozenset[str] | None = None  # None: everything but OPT_IN_UPDATES
        self._last_id = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def push(self, update: dict[str, Any]) -> None:
        with self._lock:
            if update["update_id"] <= self._last_id:
                raise ValueError(f"update_id {update['update_id']} must exceed {self._last_id}")
            self._last_id = update["update_id"]
            self._pending.append(update)
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has already closed
                loop.call_soon_threadsafe(_wake, future)

    def drop_pending(self) -> None:
        with self._lock:
            self._pending.clear()

    async def get(
        self,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: Sequence[str] | None,
    ) -> list[dict[str, Any]]:
        """Confirm below `offset`, then return up to `limit` updates, waiting if there are none."""
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates) or None
        limit = min(max(limit, 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait_seconds, 0)
        while True:
            with self._lock:
                self._confirm(offset)
                ready = self._pending[:limit]
                if ready or loop.time() >= deadline:
                    return [dict(update) for update in ready]
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            try:
                await asyncio.wait_for(future, deadline - loop.time())
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))

    def _confirm(self, offset: int | None) -> None:
        pending = self._pending
        if offset is not None and offset < 0:
            pending = pending[offset:]  # "-N": only the last N, all earlier ones forgotten
        elif offset is not None:
            pending = [update for update in pending if update["update_id"] >= offset]
        self._pending = [update for update in pending if self._wanted(update)]

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        return kind in self.allowed if self.allowed is not None else kind not in OPT_IN_UPDATES


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
