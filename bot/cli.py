"""The `listening-post` command and its subcommands.

Bad configuration: one line naming the setting, and exit 2. A Bot API or database that does not
answer: one line naming its setting, and exit 1. Never a traceback for either.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from bot import commands, digest_commands, failures, staff_cli, webhook_admin
from bot.digest_commands import FORMATS
from bot.failures import EXIT_CONFIG
from bot.settings import ConfigError, get_settings
from conversations.flow import FlowError
from conversations.services import ServicesFileError
from digests.themes import ThemesFileError

log = logging.getLogger("listening_post")


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
    sub.add_parser("clock", help="send commissioners their weekly digest, on time, once each")
    digest = sub.add_parser("digest", help="print a week's digest of every service")
    digest.add_argument("--week", help="an ISO week such as 2026-W47 (default: the last one)")
    digest.add_argument("--format", choices=sorted(FORMATS), default="text", dest="form")
    invite = sub.add_parser("invite", help="make a single-use invite code for a commissioner")
    invite.add_argument("role", choices=["commissioner"])
    invite.add_argument("--services", help="comma-separated service codes (default: all)")
    invite.add_argument("--email", help="where to e-mail their digest as well")
    invite.add_argument("--expires", default="7d", help="how long the code works (default 7d)")
    staff = sub.add_parser("staff", help="list or remove staff")
    staff_sub = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    staff_sub.add_parser("list", help="list staff")
    remove = staff_sub.add_parser("remove", help="remove a staff member by number")
    remove.add_argument("id", type=int)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except (ConfigError, ServicesFileError, FlowError, ThemesFileError) as exc:
        return _stop(str(exc), EXIT_CONFIG)
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        failure = failures.explain(exc, get_settings())  # read already: the command ran
        if failure is not None:
            return _stop(failure.line, failure.status)
        # A bug: its traceback goes through the log, whose filter takes the token out of it.
        log.critical("stopped by an unexpected error", exc_info=True)
        return 1


def _stop(line: str, status: int) -> int:
    print(f"listening-post: {line}", file=sys.stderr)
    return status


def _command(args: argparse.Namespace) -> int:
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
    elif args.command == "digest":
        asyncio.run(digest_commands.print_digest(settings, args.week, args.form, print))
    elif args.command == "clock":
        return asyncio.run(_until_signalled(lambda stop: digest_commands.clock(settings, stop)))
    elif args.command == "invite":
        invite = staff_cli.invite(
            settings, args.role, args.services, args.email, args.expires, print
        )
        asyncio.run(invite)
    elif args.command == "staff" and args.action == "remove":
        return asyncio.run(staff_cli.staff_remove(settings, args.id, print))
    elif args.command == "staff":
        asyncio.run(staff_cli.staff_list(settings, print))
    else:
        return asyncio.run(_until_signalled(lambda stop: commands.run(settings, stop)))
    return 0


async def _until_signalled(work: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run `work` until SIGINT or SIGTERM sets its stop event and it winds down."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await work(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
