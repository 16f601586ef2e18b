"""The lexical layer of Telegram's HTML: attribute lists and the few entities it decodes."""

from __future__ import annotations

from collections.abc import Callable

from tests.fakes.errors import TelegramRefusal, bad_request

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def refuse_entities(detail: str) -> TelegramRefusal:
    """Telegram's 400 for text whose markup it cannot parse."""
    return bad_request(f"can't parse entities: {detail}")


class Attributes:
    """The attribute list of one start tag, parsed with Telegram's (lenient) grammar."""

    def __init__(self, src: str, tag: str, begin: int, byte: Callable[[int], int]) -> None:
        self.src, self.tag, self.begin, self.byte = src, tag, begin, byte

    def fail(self, detail: str) -> TelegramRefusal:
        return refuse_entities(f"{detail} at byte offset {self.byte(self.begin)}")

    def parse(self, i: int) -> tuple[dict[str, str], int]:
        """Read attributes from src[i] up to the closing `>`; return them and the next index."""
        src, n = self.src, len(self.src)
        attrs: dict[str, str] = {}
        while True:
            while i < n and src[i].isspace():
                i += 1
            if i >= n:
                raise self.fail("Unclosed start tag")
            if src[i] == ">":
                return attrs, i + 1
            start = i
            while i < n and not src[i].isspace() and src[i] not in "=>":
                i += 1
            name = src[start:i]
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{self.tag}"')
            while i < n and src[i].isspace():
                i += 1
            if i >= n or src[i] != "=":
                if name == "expandable" and self.tag == "blockquote":
                    attrs[name] = ""  # the one valueless attribute Telegram documents
                    continue
                detail = (
                    f'Expected equal sign in declaration of an attribute of the tag "{self.tag}"'
                )
                raise self.fail(detail)
            i += 1
            while i < n and src[i].isspace():
                i += 1
            if i >= n:
                raise self.fail(f'Unclosed start tag "{self.tag}"')
            attrs[name], i = self.value(i)
            if i >= n:
                raise self.fail("Unclosed start tag")

    def value(self, i: int) -> tuple[str, int]:
        src, n = self.src, len(self.src)
        if src[i] not in "'\"":
            start = i
            while i < n and src[i].isascii() and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i < n and not src[i].isspace() and src[i] != ">":
                raise refuse_entities(
                    f"Unexpected end of name token at byte offset {self.byte(start)}"
                )
            return src[start:i].lower(), i
        quote, i, chars = src[i], i + 1, []
        while i < n and src[i] != quote:
            decoded = decode_entity(src, i) if src[i] == "&" else None
            if decoded is None:
                chars.append(src[i])
                i += 1
            else:
                chars.append(decoded[0])
                i = decoded[1]
        return "".join(chars), min(i + 1, n)


def decode_entity(src: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity at src[i] == "&"; None if it is not one Telegram knows."""
    j, n = i + 1, len(src)
    if j < n and src[j] == "#":
        j += 1
        hexadecimal = j < n and src[j] in "xX"
        j += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = j
        while j < n and src[j] in digits and j - start < 8:
            j += 1
        if j == start:
            return None
        code = int(src[start:j], 16 if hexadecimal else 10)
        if code == 0 or code > 0x10FFFF:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise bad_request(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        start = j
        while j < n and src[j].isascii() and src[j].isalpha():
            j += 1
        if src[start:j] not in _NAMED:
            return None
        char = _NAMED[src[start:j]]
    return char, j + 1 if j < n and src[j] == ";" else j
