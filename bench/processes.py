"""The processes a benchmark run starts and measures: bots, databases, and CPU counters."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

REPO = Path(__file__).resolve().parent.parent
# Every setting the app reads; the benchmark sets these itself so a stray .env cannot interfere.
APP_SETTINGS = (
    "BOT_TOKEN", "DATABASE_URL", "BOT_API_URL", "PSEUDONYM_KEY", "SERVICES_FILE", "TIMEZONE",
    "DATABASE_TIMEOUT", "TELEGRAM_MAX_RATE", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_PATH",
    "PORT",
)  # fmt: skip
STARTUP_SECONDS = 60
STOP_SECONDS = 30  # serve finishes requests in flight for up to 20 s on SIGTERM
_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds over all cores since boot, from /proc/stat."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / _TICK, sum(ticks) / _TICK


def app_env(settings: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    return env | dict(settings)


@dataclass
class Bot:
    """A bot running as a subprocess, its webhook on 127.0.0.1:`port`."""

    process: asyncio.subprocess.Process
    port: int
    log: Path
    command: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.asynccontextmanager
async def running(args: list[str], env: Mapping[str, str], log: Path) -> AsyncIterator[Bot]:
    """Start `python <args>` from the repository root; yield once /healthz answers 200."""
    port = int(env["PORT"])
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    bot = Bot(process, port, log, "python " + " ".join(args))
    try:
        await _healthy(bot)
        yield bot
    finally:
        await _stop(process)


async def _healthy(bot: Bot) -> None:
    url = f"http://127.0.0.1:{bot.port}/healthz"
    deadline = time.monotonic() + STARTUP_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while time.monotonic() < deadline:
            if bot.process.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{bot.command} did not become healthy; its log ends:\n{bot.log_tail()}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


async def run_once(args: list[str], env: Mapping[str, str]) -> None:
    """Run `python <args>` (e.g. `-m bot migrate`) to the end; raise with its output on failure."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=REPO, env=dict(env),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), STARTUP_SECONDS)
    if process.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed:\n{output.decode(errors='replace')}")


@contextlib.asynccontextmanager
async def postgres_database(admin_url: str, name: str) -> AsyncIterator[str]:
    """A fresh, empty database `name` on the server at `admin_url`; dropped afterwards."""
    admin = await asyncpg.connect(admin_url, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = admin_url.rsplit("/", 1)[0]
            yield f"{base}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def postgres_version(admin_url: str) -> str:
    admin = await asyncpg.connect(admin_url, timeout=10)
    try:
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()
