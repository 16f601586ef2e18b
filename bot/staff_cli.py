"""`invite` and `staff`: a deployer's commands for commissioners' access."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import NetworkError

from bot.bot_api import meet
from bot.failures import bot_api_url
from bot.settings import ConfigError, Settings
from conversations.services import load_services
from storage.engine import create_engine
from storage.migrate import require_current, upgrade
from storage.staff import StaffRepository

_DURATION = re.compile(r"(\d{1,4})([dhm])")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match[1]) == 0:
        raise ConfigError(f"--expires {text!r}: use a number and d, h or m, such as 7d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


async def invite(
    settings: Settings,
    role: str,
    services: str | None,
    email: str | None,
    expires: str,
    out: Callable[[str], None],
) -> None:
    """Print a single-use code and the deep link that uses it."""
    known = {s.code for s in load_services(settings.services_file).items}
    codes = tuple(c.strip() for c in services.split(",") if c.strip()) if services else None
    unknown = sorted(set(codes or ()) - known)
    if unknown:
        raise ConfigError(f"--services: unknown service code {', '.join(unknown)}")
    if email is not None and not _EMAIL.fullmatch(email):
        raise ConfigError(f"--email {email!r} does not look like an e-mail address")
    valid_for = parse_duration(expires)
    # Telegram first: a refused token stops here, before an invite is stored. One that is away
    # only costs the link; the code works without it.
    try:
        username: str | None = await meet(settings)
    except NetworkError:
        username = None
    code = secrets.token_urlsafe(16)
    engine = create_engine(settings.database_url, settings.database_timeout)
    try:
        await _migrate_embedded(settings, engine)
        await StaffRepository(engine).create_invite(code, role, codes, email, valid_for)
    finally:
        await engine.dispose()
    out(f"invite for a {role} ({', '.join(codes) if codes else 'all services'}), "
        f"single use, expires in {expires}:")  # fmt: skip
    if username is not None:
        out(f"  https://t.me/{username}?start=join-{code}")
    else:
        out(f"  (could not reach the Bot API at {bot_api_url(settings)} to make the link)")
    out(f"  or send the bot: /join {code}")


async def staff_list(settings: Settings, out: Callable[[str], None]) -> None:
    engine = create_engine(settings.database_url, settings.database_timeout)
    try:
        await _migrate_embedded(settings, engine)
        everyone = await StaffRepository(engine).everyone()
    finally:
        await engine.dispose()
    if not everyone:
        out("No staff yet. `listening-post invite commissioner` makes an invite for one.")
    for member in everyone:
        scope = ",".join(member.services) if member.services else "all services"
        out(f"{member.id}\t{member.role}\t{scope}\t{member.email or '-'}")


async def staff_remove(settings: Settings, staff_id: int, out: Callable[[str], None]) -> int:
    engine = create_engine(settings.database_url, settings.database_timeout)
    try:
        await _migrate_embedded(settings, engine)
        removed = await StaffRepository(engine).remove(staff_id)
    finally:
        await engine.dispose()
    out(f"removed staff member {staff_id}" if removed else f"no staff member {staff_id}")
    return 0 if removed else 1


async def _migrate_embedded(settings: Settings, engine: AsyncEngine) -> None:
    """The embedded default is set up by whichever command touches it first, as `run` does;
    PostgreSQL is migrated by `listening-post migrate` at release, and must have been."""
    if settings.is_sqlite:
        await upgrade(engine)
    else:
        await require_current(engine)  # one-off: a database that is away stops it too
