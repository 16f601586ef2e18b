"""The pseudonym key: from PSEUDONYM_KEY, or on the embedded default a generated 0600 key file."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from bot.settings import ConfigError, Settings

log = logging.getLogger(__name__)

KEY_FILE = "listening-post.key"


def key_file_for(settings: Settings) -> Path:
    """The key lives beside the SQLite database, so the two move (and are backed up) together."""
    database = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    return database.parent / KEY_FILE


def pseudonym_key(settings: Settings, *, create: bool = True) -> bytes:
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode()
        if len(key) < 32:
            raise ConfigError(
                "PSEUDONYM_KEY must be at least 32 characters (try: openssl rand -hex 32)"
            )
        return key
    if not settings.is_sqlite:
        raise ConfigError("PSEUDONYM_KEY is required with PostgreSQL (try: openssl rand -hex 32)")
    path = key_file_for(settings)
    if path.exists():
        key = path.read_text(encoding="ascii").strip().encode()
        if len(key) < 32:
            raise ConfigError(f"PSEUDONYM_KEY file {path} is damaged (too short)")
        return key
    if not create:
        raise ConfigError(f"PSEUDONYM_KEY is not set and {path} does not exist yet")
    key = secrets.token_hex(32).encode()
    # Create with 0600 from the start rather than chmod afterwards: no moment when others can read.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:  # the database's folder is missing or not ours to write in
        reason = f"PSEUDONYM_KEY is not set and {path} cannot be made ({exc.strerror})"
        raise ConfigError(reason) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    log.warning(
        "PSEUDONYM_KEY is not set: generated a new key in %s (keep it safe and back it up; "
        "without it returning people cannot be recognised)",
        path,
    )
    return key
