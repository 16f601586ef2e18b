"""Logging that never writes the bot token, message text or identifiers."""

from __future__ import annotations

import logging

_TRACEBACKS = logging.Formatter()


class RedactToken(logging.Filter):
    """Belt and braces: replace the token wherever a library might print it (URLs, errors).

    That includes a logged exception's text and traceback: PTB's InvalidToken repeats the token,
    and a failed request's URL holds it.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._token:
            return True
        message = record.getMessage()
        if self._token in message:
            record.msg = self._redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse a record's exc_text once it is set, so this is what they print.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]")


def configure(token: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # PTB logs update contents at DEBUG; keep its chatter to warnings.
    logging.getLogger("telegram").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Database drivers log statements with their parameters (pseudonyms, people's words) at DEBUG.
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(logging.WARNING)
