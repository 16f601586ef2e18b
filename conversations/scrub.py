"""Normalise people's free text and swap contact details and identifiers for tags before storage.

Where a pattern is ambiguous the tag wins: a lost word costs less than a leaked phone number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from storage.types import ScrubbedText

TAGS: frozenset[str] = frozenset(
    {"[phone]", "[email]", "[postcode]", "[ni-number]", "[nhs-number]", "[link]", "[handle]"}
)

# Other line breaks are control or separator characters; dropping them would glue two lines into
# one word, so they become newlines instead.
_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "}
)
_BLANK_LINES = re.compile(r"\n(?:[ ]*\n){2,}")
_INVISIBLE = frozenset({"Cc", "Cf"})  # covers zero-width, soft hyphen, bidi and tag characters


def normalise(text: str) -> str:
    """NFKC, without invisible or control characters, with tidy line breaks and no outer blanks."""
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    # Invisible characters go before NFKC so that they cannot keep apart what it would compose.
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in _INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


_I = re.IGNORECASE
# Only last labels people actually use: ".it", ".in", ".to" or ".no" would turn every missing
# space after a full stop ("waited.No one came") into a link.
_TLD = (
    r"(?:com|org|net|uk|co|gov|nhs|ac|edu|io|info|me|pl|eu|ie|de|fr|es|nl|ly|gl|gg|app|dev|tv"
    r"|biz|xyz|online|site)"
)
_LABEL = r"[^\W_][\w-]{0,62}"
# Repetitions and runs of blanks are bounded throughout so that no input can backtrack for long.
_AT = (
    r"(?:\s{0,3}@\s{0,3}|\s{0,3}[(\[{<]\s?(?:at|małpa)\s?[)\]}>]\s{0,3}"
    r"|\s{1,3}(?:at|małpa)\s{1,3})"
)
_DOT = (
    r"(?:\.|\s{1,3}\.\s{1,3}|\s{0,3}[(\[{<]\s?(?:dot|kropka)\s?[)\]}>]\s{0,3}"
    r"|\s{1,3}(?:dot|kropka)\s{1,3})"
)
_LOCAL = r"[^\W_][\w%+-]{0,63}"

_EMAIL = re.compile(
    rf"(?<![\w.%+-])[\w.%+-]{{1,64}}@(?:{_LABEL}\.){{1,8}}[^\W\d_]{{2,63}}(?![\w-])", _I
)
_HIDDEN_EMAIL = re.compile(
    rf"(?<![\w.%+-])(?P<local>{_LOCAL}(?:{_DOT}{_LOCAL}){{0,3}})(?P<at>{_AT})"
    rf"(?P<domain>(?:{_LABEL}{_DOT}){{1,4}}{_TLD})(?![\w-])",
    _I,
)
# A bare "at" before a real domain is often plain English ("I found the form at gov.uk"). It makes
# an address only after a word that could end one, and only if the dot is spelled out or the local
# part looks machine-made; otherwise the link rule tags the domain alone.
_NOT_A_MAILBOX_WORDS = (
    "i me you he she it we they him her us them was were is are am be been being look looked "
    "looking see saw seen found find check checked visit visited go went gone stay stayed live "
    "lived work worked born arrived arrive apply applied online here there that this which what "
    "who and or but not only just even also still all up out in on off back home help get got "
    "available info information details website site page form meet met"
)
_NOT_A_MAILBOX = frozenset(_NOT_A_MAILBOX_WORDS.split())
_MACHINE_LOCAL = re.compile(r"[\d._%+-]")
_SPELLED_DOT = re.compile(r"\s|[(\[{<]")
_WORD = re.compile(r"\w+")
_NOT_DIGIT = re.compile(r"\D")

_URL = re.compile(r"(?:\b(?:https?|ftp|tg)://|(?<![\w.-])www\.)\S+", _I)
_DOMAIN = re.compile(rf"(?<![\w.-])(?:{_LABEL}\.){{1,6}}{_TLD}(?![\w-])(?:[/?#]\S*)?", _I)
_TRAILING = ".,!?;:)]}'\"…"
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_]{3,}", _I)

_NI_NUMBER = re.compile(r"(?<!\w)[a-z]{2}[ -]?\d(?:[ -]?\d){5}[ -]?[a-d](?!\w)", _I)
_POSTCODE = re.compile(
    r"(?<!\w)(?:gir ?0aa|(?P<out>[a-pr-uwyz](?:[a-hk-y]\d[a-z\d]?|\d[a-z\d]?)) ?"
    r"(?P<in>\d[abd-hjlnp-uw-z]{2}))(?!\w)",
    _I,
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")

# Between digits: a closing bracket and/or up to three spaces, dots or hyphens.
_SEP = r"\)?[ .\-]{0,3}"
_PHONE = re.compile(
    # Not the tail of a longer number or of a date such as 01.03.2025.
    r"(?<![\d+])(?<!\d[.-])(?:"
    # +44 / 0044 / 44, an optional (0) or stray trunk 0, then the 9 or 10 national digits.
    r"(?:\((?=(?:\+|00)44\)))?(?:\+|00)? ?4 ?4\)?[ .\-]{0,3}"
    rf"(?:\(0\)[ .\-]{{0,3}}|0[ .\-]{{0,3}})?[1-9](?:{_SEP}\d){{8,9}}"
    # Other countries' numbers only when written with a "+".
    rf"|\+[1-9](?:{_SEP}\d){{7,14}}"
    # National numbers. The first group is 3+ digits, two ("07") before a 3-digit group, or a
    # lone "0": that is what keeps dates such as 03-01-2025 10 out.
    rf"|(?:\((?=0\d{{2,4}}\)))?0\d(?:{_SEP}(?=\d{{3}}))?\d(?:{_SEP}\d){{7,8}}"
    rf"|0[ .\-]{{1,3}}\d(?:{_SEP}\d){{8,9}}"
    # A mobile without its 0 ("7700 900123"): ten digits from a 7, unbroken or in the 4-6 or
    # 4-3-3 grouping mobiles are written in, so counts, amounts, years and times stay as written.
    r"|7\d{3}(?:[ .\-]{0,3}\d{3}){2}"
    r")(?!\d|[.-]\d)"
)
# A 3-3-4 or unbroken 10-digit run is always tagged, valid check digit or not: it is some
# identifier, and over-scrubbing is the safer mistake. National numbers starting 0 were already
# taken as phones above.
_NHS_NUMBER = re.compile(r"(?<![\d+])(?<!\d[.-])\d{3}([ .\-]?)\d{3}\1\d{4}(?!\d)")
# Ten digits grouped any other way ("9434 765 919", "9 4 3 4 ...") are common in lists of
# numbers, so they are tagged only when the modulus 11 check digit holds.
_LOOSE_TEN_DIGITS = re.compile(r"(?<![\d+])(?<!\d[ .\-])\d(?:[ .\-]?\d){9}(?![ .\-]?\d)")


def _nhs_check_digit_holds(digits: str) -> bool:
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return check != 10 and check % 11 == int(digits[9])


def _hidden_email(match: re.Match[str]) -> str:
    at, domain = match["at"], match["domain"]
    if not at.strip().isalpha():  # "@", "(at)", "[at]": nobody writes those in a sentence
        return "[email]"
    last_word = _WORD.findall(match["local"])[-1].lower()
    if last_word in _NOT_A_MAILBOX:
        return match[0]
    if _SPELLED_DOT.search(domain) or _MACHINE_LOCAL.search(match["local"]):
        return "[email]"
    return match[0]  # "a word at example.com": left for the link rule, which tags the domain


def _link(match: re.Match[str]) -> str:
    url = match[0].rstrip(_TRAILING)
    return "[link]" + match[0][len(url) :]


def _postcode(match: re.Match[str]) -> str:
    # "the M6 3rd time" and "Flat B12 3rd floor" are a road or room and an ordinal, not a postcode;
    # the mixed case gives them away, so an all-lower-case "b33 8th" is still tagged.
    outward, inward = match["out"], match["in"]
    if outward and outward != outward.lower() and _ORDINAL.fullmatch(inward):
        return match[0]
    return "[postcode]"


def _loose_ten_digits(match: re.Match[str]) -> str:
    digits = _NOT_DIGIT.sub("", match[0])
    return "[nhs-number]" if _nhs_check_digit_holds(digits) else match[0]


# Order matters: whole e-mail addresses before the handles and domains inside them, links before
# the postcodes and numbers in their paths, phones before the NHS numbers they resemble.
_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, "[email]"),
    (_HIDDEN_EMAIL, _hidden_email),
    (_URL, _link),
    (_DOMAIN, _link),
    (_HANDLE, "[handle]"),
    (_NI_NUMBER, "[ni-number]"),
    (_POSTCODE, _postcode),
    (_PHONE, "[phone]"),
    (_NHS_NUMBER, "[nhs-number]"),
    (_LOOSE_TEN_DIGITS, _loose_ten_digits),
)


def scrub(text: str) -> ScrubbedText:
    """Normalise ``text`` and replace phone numbers, addresses and identifiers with tags."""
    text = normalise(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return ScrubbedText(text)


_TAG = re.compile("|".join(re.escape(tag) for tag in sorted(TAGS)))


def shorten(text: ScrubbedText, limit: int) -> ScrubbedText:
    """At most `limit` characters of scrubbed text, cut before a tag rather than through it.

    Cut only after scrubbing: cut first, and the limit can fall inside an address or number,
    leaving a fragment ("sam.jones@examp") that no rule recognises any more.
    """
    value = text.value
    if len(value) <= limit:
        return text
    end = limit
    for tag in _TAG.finditer(value):
        if tag.start() < limit < tag.end():
            end = tag.start()
            break
    return ScrubbedText(value[:end].rstrip())
