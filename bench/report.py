"""What a benchmark run found: one row per configuration and round, printed as one table."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench.people import Load, Result

TARGET_RATIO = 0.8
TARGET_P99_MS = 250.0


@dataclass(frozen=True)
class Config:
    name: str
    database: str  # "" (the bare bot), "sqlite" or "postgresql"
    max_rate: float  # TELEGRAM_MAX_RATE for serve; 0 lifts the cap
    updates: int  # measured updates


@dataclass
class Row:
    """One configuration measured once."""

    config: Config
    result: Result
    bot_cpu: float  # share of one core used by the bot process
    bot_ms: float  # CPU milliseconds the bot process spent per update
    load_cpu: float  # share of one core used by the benchmark process (people + stand-in)
    machine: float  # share of all cores busy, whoever used them
    api_calls: float  # Bot API calls per update


COLUMNS = (
    ("configuration", "<38"), ("upd/s", ">6"), ("range", ">11"), ("p50 ms", ">6"),
    ("p99 ms", ">6"), ("x bare", ">6"), ("target", "<7"), ("bot CPU", ">7"), ("CPU ms/upd", ">10"),
    ("load CPU", ">8"), ("machine", ">7"), ("calls/upd", ">9"), ("notes", ""),
)  # fmt: skip


def _line(cells: list[str]) -> str:
    return " ".join(f"{cell:{align}}" for cell, (_, align) in zip(cells, COLUMNS, strict=True))


def print_table(rounds: list[list[Row]], load: Load) -> None:
    """Medians over rounds; latency percentiles over every measured update of all rounds.

    "x bare" is the median of each round's ratio to the bare bot measured in the same round,
    so a neighbour's load on the machine affects both sides of each ratio alike.
    """
    head = _line([name for name, _ in COLUMNS])
    print(f"\n{head}\n{'-' * len(head)}")
    for index in range(len(rounds[0])):
        rows = [runs[index] for runs in rounds]
        latencies = [s for row in rows for s in row.result.latencies]
        if len(latencies) < 2:
            print(f"{rows[0].config.name:<38} no measured updates")
            continue
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        p50, p99 = cuts[49] * 1000, cuts[98] * 1000
        rates = [row.result.rate for row in rows]
        ratio = statistics.median(
            row.result.rate / runs[0].result.rate if runs[0].result.rate else 0.0
            for row, runs in zip(rows, rounds, strict=True)
        )
        met = "met" if ratio >= TARGET_RATIO and p99 < TARGET_P99_MS else "NOT met"
        counted = (
            (sum(row.result.errors for row in rows), "non-200"),
            (sum(row.result.off_script for row in rows), "off-script"),
            (sum(row.result.timed_out for row in rows), f"stopped at {load.deadline:g} s"),
        )
        notes = "; ".join(f"{n} {what}" for n, what in counted if n)

        def median(values: list[float]) -> float:
            return statistics.median(values)

        cells = [rows[0].config.name, f"{median(rates):.1f}",
                 f"{min(rates):.0f}-{max(rates):.0f}", f"{p50:.0f}", f"{p99:.0f}",
                 f"{ratio:.2f}", "-" if index == 0 else met,
                 f"{median([row.bot_cpu for row in rows]):.0%}",
                 f"{median([row.bot_ms for row in rows]):.1f}",
                 f"{median([row.load_cpu for row in rows]):.0%}",
                 f"{median([row.machine for row in rows]):.0%}",
                 f"{median([row.api_calls for row in rows]):.2f}", notes]  # fmt: skip
        print(_line(cells))
    print(
        f"\ntarget: >= {TARGET_RATIO} x the bare bot's updates/s with p99 < {TARGET_P99_MS:g} ms "
        f"at {load.people} people. upd/s: median over {len(rounds)} round(s) (range: lowest-"
        "highest); x bare: median of per-round ratios. bot CPU, load CPU: share of one core used "
        "by the bot and by the benchmark (people + stand-in) during the run, warm-up included; "
        "CPU ms/upd: the bot's CPU time per update; machine: share of all cores busy, whoever "
        "used them."
    )


async def print_machine(postgres_version: str, people: int, rounds: int, load: Load) -> None:
    cpuinfo = await asyncio.to_thread(Path("/proc/cpuinfo").read_text)
    models = [line.split(":", 1)[1] for line in cpuinfo.splitlines() if "model name" in line]
    model = models[0].strip() if models else platform.processor()
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("python-telegram-bot", "aiohttp", "SQLAlchemy", "aiosqlite", "asyncpg")
    )
    print(
        f"machine: {len(os.sched_getaffinity(0))} CPUs ({model}), "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    print(f"python {platform.python_version()}, {versions}, PostgreSQL {postgres_version}")
    print(
        f"people: {people} at once; {rounds} round(s); per configuration {load.warmup} warm-up "
        f"updates, then the measured ones (deadline {load.deadline:g} s)"
    )
