"""Webhook throughput and latency: `serve` on SQLite and PostgreSQL beside a bare PTB bot.

    .venv/bin/python -m bench.webhook_bench [--people 10] [--updates 2000] [--no-postgres]

Every configuration is a real subprocess (`python -m bot serve`, or bench/bare_bot.py) on
loopback. Simulated people (bench/people.py) walk the feedback conversation through its webhook;
the bot calls a minimal Bot API stand-in (bench/standin.py) served by this process. Prints
updates/s and p50/p99 latency per configuration; asserts nothing. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bench.people import Crowd, Load
from bench.processes import (
    app_env,
    free_port,
    machine_busy,
    postgres_database,
    postgres_version,
    process_cpu,
    run_once,
    running,
)
from bench.report import Config, Row, print_machine, print_table
from bench.standin import TOKEN, StandIn

SECRET = "bench-webhook-secret-" + secrets.token_hex(8)
WEBHOOK_PATH = "/telegram"


def configurations(args: argparse.Namespace) -> list[Config]:
    configs = [Config("bare PTB bot", "", 0, args.updates)]
    databases = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    for max_rate, updates in ((0.0, args.updates), (30.0, args.capped_updates)):
        for database in databases if updates else []:
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[database]
            cap = "cap lifted" if not max_rate else f"cap {max_rate:g}/s (default)"
            configs.append(Config(f"serve + {label}, {cap}", database, max_rate, updates))
    return configs


async def main(args: argparse.Namespace) -> int:
    load = Load(args.people, args.warmup, args.updates, args.deadline)
    configs = configurations(args)
    version = "not used" if args.no_postgres else await postgres_version(args.postgres_url)
    await print_machine(version, args.people, args.rounds, load)
    standin = StandIn()
    runner = web.AppRunner(standin.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    api_url = f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    rounds: list[list[Row]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="lp-bench-") as tmp:
            for round_ in range(1, args.rounds + 1):
                rows: list[Row] = []
                for number, config in enumerate(configs):
                    name = f"{round_}_{number}"
                    print(f"round {round_}/{args.rounds}: {config.name}", file=sys.stderr)
                    scaled = Load(load.people, load.warmup, config.updates, load.deadline)
                    rows.append(await measure(config, name, scaled, standin, api_url, args, tmp))
                rounds.append(rows)
    finally:
        await runner.cleanup()
    print_table(rounds, load)
    return 0


async def measure(
    config: Config,
    name: str,
    load: Load,
    standin: StandIn,
    api_url: str,
    args: argparse.Namespace,
    tmp: str,
) -> Row:
    port = free_port()
    settings = {"BOT_TOKEN": TOKEN, "BOT_API_URL": api_url, "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_PATH": WEBHOOK_PATH, "PORT": str(port),
                "PSEUDONYM_KEY": secrets.token_hex(32),
                "TELEGRAM_MAX_RATE": f"{config.max_rate:g}"}  # fmt: skip
    async with database(config, name, args, tmp) as url:
        env = app_env(settings | ({"DATABASE_URL": url} if url else {}))
        if config.database == "postgresql":
            await run_once(["-m", "bot", "migrate"], env)
        command = ["-m", "bot", "serve"] if config.database else ["-m", "bench.bare_bot"]
        log = Path(tmp) / f"config-{name}.log"
        async with running(command, env, log) as bot:
            calls_before = sum(standin.calls.values())
            cpu, own, busy = process_cpu(bot.pid), time.process_time(), machine_busy()
            started = time.perf_counter()
            webhook = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            result = await Crowd(standin, webhook, SECRET, load, strict=bool(config.database)).run()
            wall = time.perf_counter() - started
            cpu, own = process_cpu(bot.pid) - cpu, time.process_time() - own
            busy_after = machine_busy()
            calls = sum(standin.calls.values()) - calls_before
    share = (busy_after[0] - busy[0]) / max(busy_after[1] - busy[1], 1e-9)
    sent = load.warmup + len(result.latencies)
    per_update = 1000 * cpu / max(sent, 1)
    return Row(config, result, cpu / wall, per_update, own / wall, share, calls / max(sent, 1))


@contextlib.asynccontextmanager
async def database(
    config: Config, name: str, args: argparse.Namespace, tmp: str
) -> AsyncIterator[str]:
    """A fresh, empty database for one configuration; its URL ("" for none)."""
    if config.database == "sqlite":
        yield f"sqlite:///{Path(tmp) / f'config-{name}.db'}"
    elif config.database == "postgresql":
        database_name = f"lp_bench_{os.getpid()}_{name}"
        async with postgres_database(args.postgres_url, database_name) as url:
            yield url
    else:
        yield ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add = parser.add_argument
    add("--people", type=int, default=10, help="people at once (default 10)")
    add("--updates", type=int, default=2000, help="measured updates per configuration")
    add(
        "--capped-updates",
        type=int,
        default=300,
        help="measured updates with the default 30/s cap; 0 skips those rows (default 300)",
    )
    add("--warmup", type=int, default=200, help="updates before measuring (default 200)")
    add("--rounds", type=int, default=3, help="times every configuration runs (default 3)")
    add(
        "--deadline",
        type=float,
        default=180,
        help="seconds after which a configuration stops whatever it has done (default 180)",
    )
    add(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the benchmark may create and drop a database",
    )
    add("--no-postgres", action="store_true", help="only the bare bot and SQLite")
    args = parser.parse_args(argv)
    if min(args.people, args.updates, args.rounds) < 1:
        parser.error("--people, --updates and --rounds must be at least 1")
    if min(args.capped_updates, args.warmup) < 0 or args.deadline <= 0:
        parser.error("--capped-updates and --warmup cannot be negative, --deadline must be > 0")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
