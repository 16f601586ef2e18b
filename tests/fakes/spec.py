"""The Bot API spec (api.json) as a validator: what real Telegram would refuse, the fake refuses."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes import rules
from tests.fakes.errors import TelegramRefusal, bad_request
from tests.fakes.wire import UploadedFile, decode_value

SPEC_ENV_VAR = "TELEGRAM_API_SPEC"
VENDORED_SPEC = Path(__file__).with_name("bot_api_10.0.json")
_SCALARS = {"Integer", "String", "Boolean", "Float", "True"}
_CONSTANT = re.compile(r'(?:always|must be) "?([a-z_]+)"?\.?$')
_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    """One parameter of a method or one field of a type, as api.json declares it."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @functools.cached_property
    def constant(self) -> str | None:
        """The only value allowed, for discriminators like MessageOriginUser.type ("user")."""
        match = _CONSTANT.search(self.description)
        return match.group(1) if match and self.name in ("type", "status", "source") else None

    @functools.cached_property
    def limit(self) -> tuple[int, int, str] | None:
        """(min, max, "characters"|"bytes") for strings, unless measured after entity parsing."""
        match = _LIMIT.search(self.description)
        if not match or self.types != ("String",) or "after entities parsing" in self.description:
            return None
        return int(match.group(1)), int(match.group(2)), match.group(3).lower()


def spec_path() -> Path:
    """The vendored api.json, unless TELEGRAM_API_SPEC points elsewhere."""
    override = os.environ.get(SPEC_ENV_VAR)
    return Path(override) if override else VENDORED_SPEC


class BotApiSpec:
    """Methods and types of one Bot API version, able to validate calls and objects."""

    def __init__(self, raw: Mapping[str, Any], *, strict_html: bool = True) -> None:
        self.version: str = raw["version"]
        self.strict_html = strict_html
        self.methods: dict[str, dict[str, Field]] = {
            name: _fields(entry) for name, entry in raw["methods"].items()
        }
        self.returns: dict[str, tuple[str, ...]] = {
            name: tuple(entry["returns"]) for name, entry in raw["methods"].items()
        }
        self.types: dict[str, dict[str, Field]] = {
            name: _fields(entry) for name, entry in raw["types"].items()
        }
        self.subtypes: dict[str, tuple[str, ...]] = {
            name: tuple(entry["subtypes"])
            for name, entry in raw["types"].items()
            if "subtypes" in entry
        }
        self._by_lower: dict[str, str] = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: Path | str | None = None, *, strict_html: bool = True) -> BotApiSpec:
        """Load (once per path) the vendored spec, the TELEGRAM_API_SPEC one, or `path`."""
        return _load(str(path or spec_path()), strict_html)

    def canonical_method(self, method: str) -> str:
        """Telegram matches method names case-insensitively; unknown ones are a 404."""
        name = self._by_lower.get(method.lower())
        if name is None:
            raise TelegramRefusal("Not Found", 404)
        return name

    def decode(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Decode wire-form (JSON-in-strings) parameters into the values they stand for."""
        fields = self.methods[self.canonical_method(method)]
        return {
            key: decode_value(value, fields[key].types) if key in fields else value
            for key, value in params.items()
        }

    def validate(self, method: str, params: Mapping[str, Any]) -> None:
        """Refuse the call exactly where Telegram would (raises TelegramRefusal)."""
        name = self.canonical_method(method)
        fields = self.methods[name]
        for key in params:
            if key not in fields:
                raise bad_request(f'unknown parameter "{key}"')
        for field in fields.values():
            if field.required and field.name not in params:
                raise rules.missing_parameter(name, field.name)
        for key, value in params.items():
            self._check_field(name, fields[key], value, f'parameter "{key}"')
        rules.check_method(name, params, strict_html=self.strict_html)

    def validate_object(self, type_name: str, obj: Any) -> None:
        """Check a JSON object (e.g. an Update we build) against a type of the spec."""
        if type_name in self.subtypes:
            self._check_abstract(type_name, obj)
            return
        if not isinstance(obj, dict):
            raise bad_request(f"{type_name} must be a JSON object")
        fields = self.types[type_name]
        for key in obj:
            if key not in fields:
                raise bad_request(f'unknown field "{key}" in {type_name}')
        for field in fields.values():
            if field.required and field.name not in obj:
                raise bad_request(f'field "{field.name}" of {type_name} is required')
        rules.check_type(type_name, obj)
        for key, value in obj.items():
            self._check_field(type_name, fields[key], value, f'field "{key}" of {type_name}')

    def validate_result(self, method: str, result: Any) -> None:
        """Check what a (fake) server returns against the method's declared result type."""
        self._check(result, self.returns[self.canonical_method(method)], "result")

    def _check_field(self, owner: str, field: Field, value: Any, where: str) -> None:
        if field.constant is not None and value != field.constant:
            raise bad_request(f'{where} must be "{field.constant}"')
        if field.limit is not None and isinstance(value, str):
            low, high, unit = field.limit
            size = len(value.encode()) if unit == "bytes" else len(value)
            if not low <= size <= high:
                raise rules.length_refusal(owner, field.name, where, field.limit)
        self._check(value, field.types, where)

    def _check(self, value: Any, types: tuple[str, ...], where: str) -> None:
        plausible = [kind for kind in types if self._plausible(value, kind)]
        objects = [kind for kind in types if kind in self.types and kind != "InputFile"]
        if not plausible and isinstance(value, dict) and len(objects) == 1:
            self.validate_object(objects[0], value)  # names the missing field
        if not plausible:
            raise bad_request(f"{where} must be of type {' or '.join(types)}")
        first_error: TelegramRefusal | None = None
        for kind in plausible:
            try:
                self._check_one(value, kind, where)
            except TelegramRefusal as refusal:
                first_error = first_error or refusal
            else:
                return
        assert first_error is not None
        raise first_error

    def _check_one(self, value: Any, kind: str, where: str) -> None:
        if kind.startswith("Array of "):
            for item in value:
                self._check(item, (kind.removeprefix("Array of "),), where)
        elif kind not in _SCALARS and kind != "InputFile":
            self.validate_object(kind, value)

    def _plausible(self, value: Any, kind: str) -> bool:
        """Is `value` of the right JSON kind, with an object's required fields present?"""
        if kind in ("Integer", "Float", "Boolean", "True", "String"):
            return _scalar_matches(value, kind)
        if kind.startswith("Array of "):
            return isinstance(value, list)
        if kind == "InputFile":
            return isinstance(value, UploadedFile)
        if kind in self.subtypes:
            return any(self._plausible(value, sub) for sub in self.subtypes[kind])
        fields = self.types[kind].values()
        return isinstance(value, dict) and all(f.name in value for f in fields if f.required)

    def _check_abstract(self, type_name: str, obj: Any) -> None:
        if not isinstance(obj, dict):
            raise bad_request(f"{type_name} must be a JSON object")
        tags: dict[str, list[str]] = {}  # discriminator field -> the values variants expect
        for sub in self.subtypes[type_name]:
            constants = [f for f in self.types[sub].values() if f.constant is not None]
            if constants and all(obj.get(f.name) == f.constant for f in constants):
                self.validate_object(sub, obj)
                return
            for f in constants:
                tags.setdefault(f.name, []).append(str(f.constant))
        for name, values in tags.items():
            if len(values) == len(self.subtypes[type_name]):
                expected = ", ".join(values)
                raise bad_request(f'field "{name}" of {type_name} must be one of: {expected}')
        candidates = [sub for sub in self.subtypes[type_name] if self._plausible(obj, sub)]
        if not candidates:
            raise bad_request(f"can't parse {type_name}: no variant matches")
        self._check(obj, tuple(candidates), type_name)


def _scalar_matches(value: Any, kind: str) -> bool:
    if kind == "String":
        return isinstance(value, str)
    if kind in ("Boolean", "True"):
        return value is True if kind == "True" else isinstance(value, bool)
    number = isinstance(value, int | float) if kind == "Float" else isinstance(value, int)
    return number and not isinstance(value, bool)


def _fields(entry: Mapping[str, Any]) -> dict[str, Field]:
    return {
        f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]), f["description"])
        for f in entry.get("fields", ())
    }


@functools.lru_cache(maxsize=8)
def _load(path: str, strict_html: bool) -> BotApiSpec:
    with Path(path).open(encoding="utf-8") as handle:
        return BotApiSpec(json.load(handle), strict_html=strict_html)
