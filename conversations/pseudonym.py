"""Turn a Telegram user into a pseudonym before anything reaches storage (HMAC-SHA256, keyed)."""

from __future__ import annotations

import hashlib
import hmac

from storage.types import Pseudonym


class Pseudonymiser:
    """Holds the secret key: one person always gets one pseudonym, and nobody can reverse it."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(…)"

    def of(self, telegram_user_id: int) -> Pseudonym:
        digest = hmac.new(self._key, b"user:%d" % telegram_user_id, hashlib.sha256)
        return Pseudonym(digest.hexdigest())

    def join_key(self, chat_id: int) -> str:
        """A key for counting wrong invite codes, in its own domain: it cannot be matched to
        the same person's feedback pseudonym."""
        return hmac.new(self._key, b"join:%d" % chat_id, hashlib.sha256).hexdigest()
