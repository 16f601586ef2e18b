"""Themes in people's words: a commissioner-editable keyword file, and counts per theme."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LANGUAGES = ("en", "pl")
_KEY = re.compile(r"[a-z][a-z_]{1,39}")
_LETTERS = r"[^\W\d_]+"
_KEYWORD = re.compile(rf"{_LETTERS}(?:['’-]{_LETTERS})*(?: {_LETTERS}(?:['’-]{_LETTERS})*)*\*?")
# Scrubbing leaves tags such as [phone]; they are ours, not people's words.
TAG = re.compile(r"\[[a-z][a-z-]*\]")


class ThemesFileError(Exception):
    """The themes file is missing or malformed; the message names THEMES_FILE and says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"THEMES_FILE {reason}")
        self.reason = reason  # without the setting's name, for the settings to put it in front


class _Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: str = Field(min_length=1, max_length=60)
    keywords: dict[str, list[str]]

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError("keys are lowercase letters and underscores")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not value.get("en"):
            raise ValueError("every theme needs English keywords (en)")
        for words in value.values():
            for word in words:
                if not _KEYWORD.fullmatch(word):
                    raise ValueError(f"{word!r} is not a keyword (letters, then * if stemmed)")
        return value


class _ThemesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    themes: list[_Theme] = Field(min_length=1, max_length=40)


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    patterns: dict[str, re.Pattern[str]]  # language -> all its keywords as one pattern

    def mentioned_in(self, text: str, language: str) -> bool:
        """Whether the text holds a keyword of its own language or of English."""
        text = TAG.sub(" ", text)
        return any(
            pattern.search(text)
            for lang, pattern in self.patterns.items()
            if lang in ("en", language)
        )


@dataclass(frozen=True)
class Themes:
    items: tuple[Theme, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have keywords, English first."""
        found = {lang for theme in self.items for lang in theme.patterns}
        return tuple(lang for lang in LANGUAGES if lang in found)

    def count(self, texts: Iterable[tuple[str, str]]) -> Counter[str]:
        """How many of the (text, language) pairs mention each theme, by theme key."""
        found: Counter[str] = Counter()
        for text, language in texts:
            found.update(t.key for t in self.items if t.mentioned_in(text, language))
        return found

    def people(self, texts: Iterable[tuple[Hashable, str, str]]) -> Counter[str]:
        """How many people mention each theme, from (person, text, language): however many
        of one person's texts mention it, that person counts once."""
        found: dict[str, set[Hashable]] = {}
        for person, text, language in texts:
            for t in self.items:
                if t.mentioned_in(text, language):
                    found.setdefault(t.key, set()).add(person)
        return Counter({key: len(people) for key, people in found.items()})


def _pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for keyword in sorted(set(keywords), key=len, reverse=True):
        stem, stemmed = keyword.removesuffix("*"), keyword.endswith("*")
        words = r"\s+".join(re.escape(word) for word in stem.split())
        parts.append(words + (r"\w*" if stemmed else ""))
    return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE)


def default_themes_file() -> Path:
    """The themes shipped with the bot; a deployer points THEMES_FILE at their own copy."""
    return Path(str(resources.files("conversations") / "themes.yaml"))


def load_themes(path: Path | None = None, languages: Collection[str] = LANGUAGES) -> Themes:
    """Read and check a themes file; refuse unknown keys and languages the bot does not speak."""
    path = path or default_themes_file()
    try:
        parsed = _ThemesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ThemesFileError(f"cannot be read: {path} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ThemesFileError(f"is not UTF-8 text: {path}") from None
    except yaml.YAMLError:
        raise ThemesFileError(f"is not valid YAML: {path}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the whole file"
        message = first["msg"].removeprefix("Value error, ")
        raise ThemesFileError(f"{path}: {where}: {message}") from None
    keys = [t.key for t in parsed.themes]
    if len(set(keys)) != len(keys):
        raise ThemesFileError(f"{path}: theme keys must be unique")
    for theme in parsed.themes:
        unknown = set(theme.keywords) - set(languages)
        if unknown:
            raise ThemesFileError(f"{path}: {theme.key}: unknown language {sorted(unknown)[0]}")
    return Themes(
        tuple(
            Theme(
                t.key,
                t.label,
                {lang: _pattern(words) for lang, words in t.keywords.items() if words},
            )
            for t in parsed.themes
        )
    )
