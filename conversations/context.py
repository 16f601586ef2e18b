"""Typed callback context: what every handler needs, without string keys in bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from conversations.pseudonym import Pseudonymiser
from conversations.walk import Walker
from digests.source import DigestSource
from storage.repository import Repository
from storage.staff import StaffRepository


@dataclass
class Deps:
    repo: Repository
    walker: Walker
    pseudonyms: Pseudonymiser
    staff: StaffRepository
    digests: DigestSource


class BotData:
    """The application's shared objects; `deps` is set once when the application is built."""

    deps: Deps


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def deps(self) -> Deps:
        return self.bot_data.deps


LPApplication = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
