"""Every word of the digest comes from digests/digest_texts.yaml, looked up by dotted key."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Texts:
    raw: dict[str, Any]

    def __call__(self, key: str, /, **values: object) -> str:
        """The text at `key` ("services.line"), with its {placeholders} filled in."""
        node = self._find(key)
        if not isinstance(node, str):
            raise KeyError(f"digest_texts.yaml: {key} is not a text")
        return node.format(**values)

    def many(self, key: str, /, **values: object) -> list[str]:
        """The list of texts at `key`, each filled in."""
        node = self._find(key)
        if not isinstance(node, list):
            raise KeyError(f"digest_texts.yaml: {key} is not a list")
        return [str(item).format(**values) for item in node]

    def has(self, key: str) -> bool:
        try:
            self._find(key)
        except KeyError:
            return False
        return True

    def _find(self, key: str) -> Any:
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"digest_texts.yaml has no {key}")
            node = node[part]
        return node


@functools.cache
def digest_texts() -> Texts:
    source = resources.files("digests") / "digest_texts.yaml"
    return Texts(yaml.safe_load(source.read_text(encoding="utf-8")))
