"""Cut long Telegram HTML into messages that each fit the limit and each parse on their own."""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
# Tags and entities are single atoms, so no cut falls inside one; text goes a character at a time.
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|[\s\S]")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_PARAGRAPH, _LINE, _WORD, _ANY, _END = 3, 2, 1, 0, 4


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); raw HTML is never shorter than its text."""
    return len(text.encode("utf-16-le")) // 2


def _open_tags(atoms: list[str]) -> list[tuple[tuple[str, str], ...]]:
    """The tags open before each atom (and after the last): (name, start tag as written)."""
    stack: list[tuple[str, str]] = []
    found = []
    for atom in atoms:
        found.append(tuple(stack))
        tag = _TAG.fullmatch(atom)
        if tag and tag[1] and stack and stack[-1][0] == tag[2].lower():
            stack.pop()
        elif tag and not tag[1]:
            stack.append((tag[2].lower(), atom))
    found.append(tuple(stack))
    return found


def _level(atoms: list[str], end: int) -> int:
    """How good a place to cut it is just before atoms[end]."""
    if end == len(atoms):
        return _END
    before = atoms[end - 1]
    if before == "\n":
        return _PARAGRAPH if end >= 2 and atoms[end - 2] == "\n" else _LINE
    return _WORD if before.isspace() else _ANY


def split_message(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut at a blank line if one fits, else at a line end, else at a space, else anywhere.

    A tag open at a cut is closed at the end of one message and opened again in the next.
    """
    atoms = _ATOM.findall(html)
    stacks = _open_tags(atoms)
    chunks: list[str] = []
    start = 0
    while start < len(atoms):
        if atoms[start].isspace():
            start += 1
            continue
        opening = "".join(tag for _, tag in stacks[start])
        size, best = _units(opening), {}
        for end in range(start + 1, len(atoms) + 1):
            size += _units(atoms[end - 1])
            if size > limit:
                break
            closing = "".join(f"</{name}>" for name, _ in reversed(stacks[end]))
            if size + _units(closing) <= limit:
                best[_level(atoms, end)] = end
        if not best:
            raise ValueError(f"{limit} characters cannot hold this markup")
        end = best[max(best)]
        body = "".join(atoms[start:end]).strip()
        chunk = opening + body + "".join(f"</{name}>" for name, _ in reversed(stacks[end]))
        if _TAG.sub("", chunk).strip():
            chunks.append(chunk)
        start = end
    return chunks
