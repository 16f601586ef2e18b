"""What one sendMessage costs in the Bot API stand-in, against the tests' validating fake.

    .venv/bin/python -m bench.standin_cost

Both get the parameters as PTB puts them on the wire (form values, JSON-encoded where not
strings) and are timed in-process, without HTTP (which costs both the same). The benchmark's
stand-in shares a process with the simulated people, so its cost per call bounds how many
updates a second one core can drive.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bench.standin import StandIn
from tests.fakes.bot_api import FAKE_TOKEN, FakeBotApi

CALLS = 2000
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Very good", "callback_data": "q:rating:very_good"}],
        [{"text": "Good", "callback_data": "q:rating:good"}],
        [{"text": "Skip", "callback_data": "q:rating:skip"}],
    ]
}


def params(chat_id: int) -> dict[str, Any]:
    return {
        "chat_id": str(chat_id),
        "text": "Overall, how was your experience of <b>Riverside Hostel</b>?",
        "parse_mode": "HTML",
        "reply_markup": json.dumps(KEYBOARD),
    }


async def fake_seconds() -> float:
    api = FakeBotApi(token=FAKE_TOKEN)
    started = time.perf_counter()
    for number in range(CALLS):
        status, _ = await api.handle("sendMessage", params(1000 + number % 10))
        assert status == 200
    return (time.perf_counter() - started) / CALLS


def standin_seconds() -> float:
    standin = StandIn()
    started = time.perf_counter()
    for number in range(CALLS):
        response = standin._send_message(params(1000 + number % 10))
        assert response.status == 200
    return (time.perf_counter() - started) / CALLS


def main() -> None:
    fake = asyncio.run(fake_seconds())
    standin = standin_seconds()
    print(f"sendMessage, mean of {CALLS} calls, without HTTP:")
    print(f"  tests/fakes FakeBotApi (validating): {fake * 1e6:8.0f} µs")
    print(f"  bench/standin.py StandIn:            {standin * 1e6:8.0f} µs")


if __name__ == "__main__":
    main()
