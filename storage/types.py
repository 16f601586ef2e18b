"""The only kinds of identity and free text the store accepts.

A raw Telegram ID or unscrubbed message cannot be passed where these are expected: the
repository checks the types at run time as well as for mypy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Pseudonym:
    """A keyed hash (HMAC-SHA256, hex) standing for one person; never their Telegram ID."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _PSEUDONYM.fullmatch(self.value):
            raise ValueError("a pseudonym is 64 lowercase hex characters")

    def __repr__(self) -> str:  # keep pseudonyms out of logs and tracebacks
        return "Pseudonym(…)"


@dataclass(frozen=True, slots=True)
class ScrubbedText:
    """Free text that has been normalised and had contact details replaced by tags.

    Build it with ``conversations.scrub.scrub``; constructing one by hand defeats its purpose.
    """

    value: str

    def __repr__(self) -> str:  # keep people's words out of logs and tracebacks
        return f"ScrubbedText(<{len(self.value)} chars>)"


def require(value: object, kind: type) -> None:
    """Refuse anything but the expected privacy type, whatever mypy was told."""
    if not isinstance(value, kind):
        raise TypeError(f"the store accepts only {kind.__name__}, not {type(value).__name__}")
