"""The `listening-post` command: run, migrate, check. Bad configuration: one line and exit 2."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bot import commands, webhook_admin
from bot.settings import ConfigError
from conversations.flow import FlowError
from conversations.services import ServicesFileError

log = logging.getLogger("listening_post")

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="listening-post",
        description="Anonymous feedback about public services, for the people who fund them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot with long polling")
    sub.add_parser("migrate", help="apply database migrations to DATABASE_URL")
    sub.add_parser("check", help="validate settings, services and flow files")
    sub.add_parser("serve", help="receive updates through Telegram's webhook on $PORT")
    sub.add_parser("set-webhook", help="register WEBHOOK_URL with Telegram (safe to repeat)")
    sub.add_parser("webhook-info", help="show what Telegram knows about the webhook")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return asyncio.run(commands.check(print))
        settings = commands.settings_with_logging()
        if args.command == "migrate":
            asyncio.run(commands.migrate(settings))
        elif args.command == "serve":
            commands.serve(settings)
        elif args.command == "set-webhook":
            asyncio.run(webhook_admin.set_webhook(settings, print))
        elif args.command == "webhook-info":
            asyncio.run(webhook_admin.webhook_info(settings, print))
        else:
            return asyncio.run(_run_until_signalled(settings))
        return 0
    except (ConfigError, ServicesFileError, FlowError) as exc:
        print(f"listening-post: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


async def _run_until_signalled(settings: commands.Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await commands.run(settings, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
