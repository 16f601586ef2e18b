"""Telegram's `parse_mode=HTML` parser: tags become entities, errors match Telegram's wording."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.errors import bad_request
from tests.fakes.html_lexer import Attributes, decode_entity, refuse_entities

PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")
TAGS = frozenset((
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "code", "pre", "blockquote", "tg-emoji", "tg-time",
))  # fmt: skip
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_PLAIN_RUN = re.compile(r"[^<>&]+")


@dataclass(frozen=True)
class FormattedText:
    """Message text as Telegram stores it: plain text plus entities (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset into the output
    chunk: int  # index into the output chunks, to recover the text inside


def utf16_len(text: str) -> int:
    """Length as Telegram counts entity offsets: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def format_text(text: str, parse_mode: str | None, *, strict: bool = True) -> FormattedText:
    """Apply a parse mode the way Telegram does before storing and measuring a text."""
    if parse_mode is None:
        return _trim(FormattedText(text))
    if parse_mode not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")
    if parse_mode == "HTML":
        return _trim(parse_html(text, strict=strict))
    return _trim(FormattedText(text))  # Markdown flavours are passed through unparsed


def parse_html(text: str, *, strict: bool = True) -> FormattedText:
    """Parse Telegram HTML, refusing what Telegram's parser refuses.

    `strict` also refuses what the docs forbid but the server tolerates: a bare `&` or `>`
    (Telegram keeps them as text) and `<a>` without href (Telegram links the text itself).
    """
    return _HtmlParser(text, strict).run()


class _HtmlParser:
    def __init__(self, text: str, strict: bool) -> None:
        self.src, self.strict, self.i = text, strict, 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte(self, index: int) -> int:
        return len(self.src[:index].encode())

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset += utf16_len(chunk)

    def run(self) -> FormattedText:
        src, n = self.src, len(self.src)
        while self.i < n:
            plain = _PLAIN_RUN.match(src, self.i)
            if plain:
                self.emit(plain.group())
                self.i = plain.end()
                continue
            c = src[self.i]
            if c == "&":
                decoded = decode_entity(src, self.i)
                if decoded is not None:
                    self.emit(decoded[0])
                    self.i = decoded[1]
                    continue
                if self.strict:
                    raise refuse_entities(
                        f'unescaped "&" at byte offset {self.byte(self.i)}; use &amp;'
                    )
            if c == ">" and self.strict:
                where = self.byte(self.i)
                raise refuse_entities(f'unescaped ">" at byte offset {where}; use &gt;')
            if c != "<":
                self.emit(c)
                self.i += 1
            elif self.i + 1 < n and src[self.i + 1] == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            tag = self.stack[-1].tag
            raise refuse_entities(f'Can\'t find end tag corresponding to start tag "{tag}"')
        for entity in self.entities:
            entity.pop("_language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def start_tag(self) -> None:
        src, n, begin = self.src, len(self.src), self.i
        j = begin + 1
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= n:
            raise refuse_entities(f"Unclosed start tag at byte offset {self.byte(begin)}")
        tag = src[begin + 1 : j].lower()
        if tag not in TAGS:
            raise refuse_entities(
                f'Unsupported start tag "{tag}" at byte offset {self.byte(begin)}'
            )
        attrs, self.i = Attributes(src, tag, begin, self.byte).parse(j)
        where = f"at byte offset {self.byte(begin)}"
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise refuse_entities(f'Tag "span" must have class "tg-spoiler" {where}')
        if tag == "a" and not attrs.get("href") and self.strict:
            raise refuse_entities(f'Tag "a" must have a non-empty "href" attribute {where}')
        if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise bad_request("Invalid custom emoji identifier specified")
        if tag == "tg-time" and not attrs.get("unix", "").isdigit():
            raise refuse_entities(f'Tag "tg-time" must have a "unix" attribute {where}')
        self.stack.append(_Open(tag, attrs, self.offset, len(self.out)))

    def end_tag(self) -> None:
        src, n, begin = self.src, len(self.src), self.i
        if not self.stack:
            raise refuse_entities(f"Unexpected end tag at byte offset {self.byte(begin)}")
        j = begin + 2
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        name = src[begin + 2 : j].lower()
        while j < n and src[j].isspace():
            j += 1
        if j >= n or src[j] != ">":
            raise refuse_entities(f"Unclosed end tag at byte offset {self.byte(begin)}")
        top = self.stack.pop()
        if name and name != top.tag:
            raise refuse_entities(
                f'Unmatched end tag at byte offset {self.byte(begin)}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
        self.i = j + 1
        if self.offset > top.start:
            self.close(top)

    def close(self, top: _Open) -> None:
        entity: dict[str, Any] = {"offset": top.start, "length": self.offset - top.start}
        if top.tag in _SIMPLE:
            entity["type"] = _SIMPLE[top.tag]
        elif top.tag == "a":
            url = top.attrs.get("href") or "".join(self.out[top.chunk :])  # lenient: text is URL
            entity.update(type="text_link", url=url)
        elif top.tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=top.attrs["emoji-id"])
        elif top.tag == "tg-time":
            entity.update(type="date_time", unix_time=int(top.attrs["unix"]))
            if top.attrs.get("format"):
                entity["date_time_format"] = top.attrs["format"]
        elif top.tag == "blockquote":
            expandable = "expandable" in top.attrs
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif top.tag == "code":
            language = _language(top.attrs)
            last = self.entities[-1] if self.entities else None
            if language and last and last["type"] == "pre" and _same_span(last, entity):
                last["language"] = language  # <code class="language-x"> wrapping a <pre>
                return
            entity["type"] = "code"
            if language:
                entity["_language"] = language  # kept only if a <pre> closes right around it
        else:  # pre
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            if last and last["type"] == "code" and _same_span(last, entity) and "_language" in last:
                self.entities.pop()
                entity["language"] = last["_language"]
        self.entities.append(entity)


def _language(attrs: dict[str, str]) -> str:
    css = attrs.get("class", "")
    return css.removeprefix("language-") if css.startswith("language-") else ""


def _same_span(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["offset"] == b["offset"] and a["length"] == b["length"])


def _trim(formatted: FormattedText) -> FormattedText:
    """Telegram strips leading and trailing whitespace, moving entities with the text."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)
