"""How long one week's digest takes to build, and whether that grows with the table.

    .venv/bin/python -m bench.digest_bench [--answers 1000000] [--no-postgres] [--keep]

Seeds `--answers` answers over five years ending with the week measured (bench/digest_seed.py),
and smaller tables (`--compare`, a tenth by default) at the same weekly rate: the same weeks,
less history. Times digests.build.build_digest for that week on SQLite and PostgreSQL: the first
build on a freshly opened engine, then `--runs` more. Asserts nothing; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import digest_load as load
from bench.digest_seed import responses_a_week
from conversations.services import Services, default_services_file, load_services
from digests.build import build_digest
from digests.model import Digest
from digests.weeks import Week, parse_week
from storage.engine import create_engine

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
WEEK = "2026-W46"


@dataclass(frozen=True)
class Timing:
    seeded: load.Seeded
    responses: int
    megabytes: float
    cold: float
    runs: tuple[float, ...]
    digest: Digest


async def time_digests(tables: list[load.Seeded], services: Services, runs: int) -> list[Timing]:
    """The first build on a new engine (no connections, no page cache of its own), then `runs`
    rounds over every table in turn, so that whatever else the machine does falls on all."""
    engines = [create_engine(table.url) for table in tables]
    seconds: list[list[float]] = [[] for _ in tables]
    digests: list[Digest] = []
    try:
        for round_ in range(runs + 1):
            for i in _rotated(range(len(tables)), round_):
                started = time.perf_counter()
                digest = await build_digest(engines[i], services, tables[i].plan.end)
                seconds[i].append(time.perf_counter() - started)
                if round_ == 0:
                    digests.append(digest)
    finally:
        for engine in engines:
            await engine.dispose()
    timings = []
    for table, took, digest in zip(tables, seconds, digests, strict=True):
        responses, megabytes = await load.footprint(table)
        timings.append(Timing(table, responses, megabytes, took[0], tuple(took[1:]), digest))
    return timings


def _rotated(indexes: range, by: int) -> list[int]:
    by %= len(indexes)
    return [*indexes[by:], *indexes[:by]]


def report(timings: list[Timing], runs: int) -> str:
    head = (
        f"{'backend':<11}{'answers':>11}{'responses':>11}{'weeks':>7}{'MB':>7}{'seeded':>9}"
        f"{'cold':>8}{'median':>8}{'max':>8}"
    )
    lines = [head + f"   (seconds; median and max of {runs} warm builds)"]
    for t in timings:
        plan, seeded = t.seeded.plan, t.seeded.seconds
        lines.append(
            f"{t.seeded.backend:<11}{plan.answers:>11,}{t.responses:>11,}{plan.weeks:>7}"
            f"{t.megabytes:>7.0f}{'reused' if seeded is None else f'{seeded:.0f} s':>9}"
            f"{t.cold:>8.3f}{statistics.median(t.runs):>8.3f}{max(t.runs):>8.3f}"
        )
    for backend in dict.fromkeys(t.seeded.backend for t in timings):
        mine = sorted((t for t in timings if t.seeded.backend == backend), key=_answers)
        small, large = mine[0], mine[-1]
        if small is not large:
            growth = statistics.median(large.runs) / statistics.median(small.runs)
            lines.append(
                f"{backend}: {large.seeded.plan.answers / small.seeded.plan.answers:.0f}x the"
                f" answers, {growth:.2f}x the median build time"
            )
    same = all(t.digest == timings[0].digest for t in timings)
    lines.append(f"The same digest from every table: {'yes' if same else 'NO'}")
    return "\n".join(lines)


def _answers(timing: Timing) -> int:
    return timing.seeded.plan.answers


async def seed(args: argparse.Namespace, plans: list[load.Plan]) -> dict[str, list[load.Seeded]]:
    """Every table, smallest first, on each backend (or the kept ones of an earlier run)."""
    args.data_dir.mkdir(parents=True, exist_ok=True)
    seeded: dict[str, list[load.Seeded]] = {"sqlite": []}
    if not args.no_postgres:
        seeded["postgresql"] = []
    for backend, tables in seeded.items():
        for plan in plans:
            print(f"{backend}: {plan.answers:,} answers ({plan.name})", file=sys.stderr)
            if backend == "sqlite":
                tables.append(await load.sqlite(args.data_dir, plan))
            else:
                tables.append(await load.postgres(args.postgres, plan))
    return seeded


async def run(args: argparse.Namespace) -> None:
    week: Week = parse_week(args.week)
    per_week = responses_a_week(args.answers)
    sizes = sorted({*(args.compare or [args.answers // 10]), args.answers})
    services = load_services(default_services_file())
    seeded: dict[str, list[load.Seeded]] = {}
    try:
        seeded = await seed(args, [load.Plan(week, per_week, size) for size in sizes])
        busy = os.getloadavg()[0]
        timings = []
        for tables in seeded.values():
            timings += await time_digests(tables, services, args.runs)
        busy = max(busy, os.getloadavg()[0])
    finally:
        if not args.keep:
            for table in (t for tables in seeded.values() for t in tables):
                await load.drop(table, args.postgres)
    print(f"Digest for {week.label}, {per_week:.0f} responses a week on average")
    print(f"Load average while timing, up to {busy:.1f} on {os.cpu_count()} cores")
    print(report(timings, args.runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="five years of answers")
    parser.add_argument(
        "--compare", type=int, action="append", help="another table size (default: a tenth)"
    )
    parser.add_argument("--week", default=WEEK, help="the week measured, last of the history")
    parser.add_argument("--runs", type=int, default=7, help="warm builds after the cold one")
    parser.add_argument("--postgres", default=POSTGRES, help="server to create databases on")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "listening-post-bench",
        help="where SQLite files go",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases; the next run reuses them"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
