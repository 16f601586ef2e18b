"""How parameters look on the wire: form strings holding JSON, plus uploaded files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_PRIMITIVE_OF = {bool: "Boolean", int: "Integer", float: "Float", list: "Array", dict: "Object"}


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as a multipart part; stands in for an `InputFile` parameter."""

    filename: str
    content: bytes
    mime_type: str | None = None


def decode_value(value: Any, types: tuple[str, ...]) -> Any:
    """Turn a form/query string back into the JSON value it encodes, as Telegram does.

    Bot API clients (PTB included) send every non-string parameter as a JSON-encoded string;
    Telegram decodes it according to the parameter's declared type. Strings stay strings unless
    the declared types allow something else that the string decodes to.
    """
    if not isinstance(value, str) or types == ("String",):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    kind = _PRIMITIVE_OF.get(type(decoded))
    if kind is None:
        return value  # a JSON string literal or null: keep the raw text
    for declared in types:
        if declared == kind or (kind == "Integer" and declared == "Float"):
            return decoded
        if kind == "Array" and declared.startswith("Array of "):
            return decoded
        if kind == "Object" and declared not in ("String", "Integer", "Float", "Boolean"):
            return decoded
    return value


def resolve_attachments(params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
    """Put uploaded parts where they belong: under their own name or an `attach://` reference."""
    referenced = set(_attach_names(params))
    resolved = {
        name: files.get(value.removeprefix("attach://"), value)
        if isinstance(value, str) and value.startswith("attach://")
        else value
        for name, value in params.items()
    }
    for name, upload in files.items():
        if name not in referenced and name not in resolved:
            resolved[name] = upload
    return resolved


def _attach_names(value: Any) -> list[str]:
    if isinstance(value, str):
        if value.startswith("attach://"):
            return [value.removeprefix("attach://")]
        if value[:1] in "[{":  # nested JSON, e.g. a media group still in wire form
            try:
                return _attach_names(json.loads(value))
            except ValueError:
                return []
        return []
    if isinstance(value, dict):
        return [name for item in value.values() for name in _attach_names(item)]
    if isinstance(value, list):
        return [name for item in value for name in _attach_names(item)]
    return []
