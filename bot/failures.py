"""What stops a command from outside the program, as one line naming the setting to look at.

A refused BOT_TOKEN is a bad setting (exit 2, like the others); a Bot API or database that does
not answer may come back by itself (exit 1). No line holds the token, though PTB's InvalidToken
repeats it, nor a database password.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.settings import Settings
from storage.migrate import NotMigrated
from storage.repository import StorageUnavailable

EXIT_UNAVAILABLE = 1
EXIT_CONFIG = 2

# The database did not answer: what storage.repository counts as unavailable, plus the socket
# errors asyncpg lets out bare while it connects. Other OSErrors (a key file that cannot be
# written, say) are not the database's, and are not called so.
_DATABASE_AWAY = (
    StorageUnavailable,
    OperationalError,
    InterfaceError,
    PoolTimeout,
    ConnectionError,
    socket.gaierror,
    TimeoutError,
)


@dataclass(frozen=True)
class Failure:
    line: str
    status: int


def explain(exc: BaseException, settings: Settings) -> Failure | None:
    """The line for a failure a deployer can act on; None for anything else (a bug)."""
    api = bot_api_url(settings)
    if isinstance(exc, InvalidToken):
        return Failure(f"BOT_TOKEN was refused by the Bot API at {api} (BOT_API_URL)", EXIT_CONFIG)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return Failure(f"could not reach the Bot API at {api} (BOT_API_URL)", EXIT_UNAVAILABLE)
    if isinstance(exc, TelegramError):
        said = exc.message.replace(settings.bot_token.get_secret_value(), "[token]")
        return Failure(f"the Bot API at {api} (BOT_API_URL) said: {said}", EXIT_UNAVAILABLE)
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    if isinstance(exc, NotMigrated):
        return Failure(
            f"the database at {database} (DATABASE_URL) is not migrated: "
            "run `listening-post migrate` first",
            EXIT_CONFIG,
        )
    if isinstance(exc, _DATABASE_AWAY):
        return Failure(
            f"could not reach the database at {database} (DATABASE_URL)", EXIT_UNAVAILABLE
        )
    return None


def bot_api_url(settings: Settings) -> str:
    """BOT_API_URL as it is safe to print: PTB adds the token after it, and a self-hosted
    server's address may carry a password of its own."""
    scheme, sep, rest = settings.bot_api_url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}"
