"""What scrubbing keeps and what it replaces, over a corpus of the things people actually send.

All numbers, addresses and names are fictional: Ofcom drama numbers, NHS test numbers, the QQ
National Insurance prefix and the example.com / example.org domains.
"""

from __future__ import annotations

import pytest

from conversations.scrub import TAGS, normalise, scrub
from storage.types import ScrubbedText

PHONES = [
    ("07700 900123", "[phone]"),
    ("07700900123", "[phone]"),
    ("07700-900-123", "[phone]"),
    ("07700.900.123", "[phone]"),
    ("0770 090 0123", "[phone]"),
    ("07 700 900 123", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("+447700900123", "[phone]"),
    ("0044 7700 900123", "[phone]"),
    ("+44 07700 900123", "[phone]"),
    ("447700900123", "[phone]"),
    ("(+44) 7700 900123", "[phone]"),
    ("(020) 7946 0018", "[phone]"),
    ("020 7946 0018", "[phone]"),
    ("02079460018", "[phone]"),
    ("+44 (0)20 7946 0018", "[phone]"),
    ("+44 20 7946 0018", "[phone]"),
    ("0161 496 0000", "[phone]"),
    ("(0161) 496 0123", "[phone]"),
    ("01632 960123", "[phone]"),
    ("0808 157 0192", "[phone]"),
    ("0306 999 0123", "[phone]"),
    ("07700  900123", "[phone]"),
    ("07700 - 900 - 123", "[phone]"),
    ("0 7 7 0 0 9 0 0 1 2 3", "[phone]"),
    ("0 7700 900123", "[phone]"),
    ("4 4 7 7 0 0 9 0 0 1 2 3", "[phone]"),
    ("+1 202 555 0143", "[phone]"),
    (
        "my key worker's number is 07700 900123 call her",
        "my key worker's number is [phone] call her",
    ),
    ("ring (020) 7946 0018 between 9 and 5", "ring [phone] between 9 and 5"),
    ("tel:07700900456.", "tel:[phone]."),
    ("(07700 900789)", "([phone])"),
    (
        "I rang 07700 900123 2 times and nobody answered",
        "I rang [phone] 2 times and nobody answered",
    ),
    ("the office is on 0161 496 0555, ask for Sam", "the office is on [phone], ask for Sam"),
    ("07700 900123/07700 900124", "[phone]/[phone]"),
    ("mobile 07700 900123/landline 020 7946 0018", "mobile [phone]/landline [phone]"),
    ("on 03.01.2025 call 07700 900123", "on 03.01.2025 call [phone]"),
    # A mobile without its leading 0, as people write it after "+44" habits or a typo.
    ("call me on 7700 900123", "call me on [phone]"),
    ("7700 900 123", "[phone]"),
    ("7700-900-456", "[phone]"),
    ("7700900789", "[phone]"),
    ("text 7700 900123 after 6pm", "text [phone] after 6pm"),
    ("zadzwoń 7700 900123, dziękuję", "zadzwoń [phone], dziękuję"),
]

EMAILS = [
    ("jo.bloggs@example.com", "[email]"),
    ("Sam_Smith+nhs@mail.example.org", "[email]"),
    ("email me at jo.bloggs at example dot com", "email me at [email]"),
    ("jo at example dot com", "[email]"),
    ("JO AT EXAMPLE DOT COM", "[email]"),
    ("name (at) example (dot) co (dot) uk", "[email]"),
    ("name(at)example(dot)org", "[email]"),
    ("name[at]example[dot]com", "[email]"),
    ("name [at] example [dot] com", "[email]"),
    ("name {at} example {dot} com", "[email]"),
    ("name @ example . com", "[email]"),
    ("name@ example.com", "[email]"),
    ("jo dot bloggs at example dot org", "[email]"),
    ("jo.bloggs at example.com", "[email]"),
    ("jo_99 at example.org please", "[email] please"),
    ("write to sam@example.org, she replies fast", "write to [email], she replies fast"),
    ("my email is (jo@example.com)", "my email is ([email])"),
    ("jan.kowalski małpa example kropka com", "[email]"),
    ("napisz na jan.kowalski@example.com", "napisz na [email]"),
]

POSTCODES = [
    ("SW1A 1AA", "[postcode]"),
    ("sw1a1aa", "[postcode]"),
    ("Sw1a 1aA", "[postcode]"),
    ("M1 1AE", "[postcode]"),
    ("m11ae", "[postcode]"),
    ("B33 8TH", "[postcode]"),
    ("CR2 6XH", "[postcode]"),
    ("DN55 1PT", "[postcode]"),
    ("EC1A 1BB", "[postcode]"),
    ("W1A 0AX", "[postcode]"),
    ("GIR 0AA", "[postcode]"),
    ("I live near SW1A 1AA", "I live near [postcode]"),
    (
        "the hostel is at M1 1AE, next to the park.",
        "the hostel is at [postcode], next to the park.",
    ),
    ("moved to CR2 6XH last year", "moved to [postcode] last year"),
]

NI_NUMBERS = [
    ("QQ 12 34 56 C", "[ni-number]"),
    ("QQ123456C", "[ni-number]"),
    ("qq 123456 c", "[ni-number]"),
    ("QQ-12-34-56-A", "[ni-number]"),
    (
        "my NI number is QQ 123 456 D, is that needed?",
        "my NI number is [ni-number], is that needed?",
    ),
]

NHS_NUMBERS = [
    ("943 476 5919", "[nhs-number]"),
    ("9434765919", "[nhs-number]"),
    ("943-476-5919", "[nhs-number]"),
    ("943.476.5919", "[nhs-number]"),
    ("999 000 0018", "[nhs-number]"),
    ("9434 765 919", "[nhs-number]"),
    ("9 9 9 0 0 0 0 0 2 6", "[nhs-number]"),
    # A failing check digit is still some identifier in the usual grouping: tag it anyway.
    ("943 476 5918", "[nhs-number]"),
    ("my NHS number is 943 476 5919.", "my NHS number is [nhs-number]."),
    ("NHS no 9990000034 on the letter", "NHS no [nhs-number] on the letter"),
]

LINKS = [
    ("https://example.com", "[link]"),
    ("http://example.org/complaints?id=42&x=y", "[link]"),
    ("HTTPS://EXAMPLE.COM/Path", "[link]"),
    ("www.example.com/page", "[link]"),
    ("example.co.uk", "[link]"),
    ("bit.ly/abc", "[link]"),
    ("t.me/someone", "[link]"),
    ("tg://resolve?domain=someone", "[link]"),
    ("Details at https://example.org/complaints?id=42.", "Details at [link]."),
    ("see www.example.org/path, then call", "see [link], then call"),
    ("my page (example.com/jo) has it", "my page ([link]) has it"),
    ("is it bit.ly/abc?", "is it [link]?"),
    ("go to example.org!", "go to [link]!"),
    ("I found the form at gov.uk", "I found the form at [link]"),
    ("I was at example.com all day", "I was at [link] all day"),
    # A plain word, a bare "at" and a real domain could be a sentence: only the domain goes.
    ("contact jo at example.org", "contact jo at [link]"),
]

HANDLES = [
    ("@someone", "[handle]"),
    ("@some_one123", "[handle]"),
    ("message @Key_Worker_7 on Telegram", "message [handle] on Telegram"),
    ("ask @abc or @xyz_12", "ask [handle] or [handle]"),
    ("thanks @someone!", "thanks [handle]!"),
]

MIXED = [
    ("mój numer to 07700 900123", "mój numer to [phone]"),
    ("mieszkam przy SW1A 1AA, zadzwoń 07700 900123", "mieszkam przy [postcode], zadzwoń [phone]"),
    ("mój numer NHS to 943 476 5919, dziękuję 😊", "mój numer NHS to [nhs-number], dziękuję 😊"),
    (
        "Call me on 07700 900456 or email sam@example.org, I'm at B33 8TH.",
        "Call me on [phone] or email [email], I'm at [postcode].",
    ),
    (
        "My NI is QQ 12 34 56 C and NHS no. 943 476 5919",
        "My NI is [ni-number] and NHS no. [nhs-number]",
    ),
    ("Found them on t.me/someone and @some_one123", "Found them on [link] and [handle]"),
    (
        "The receptionist was lovely.\n\nMy number: 020 7946 0018\nPostcode: EC1A 1BB",
        "The receptionist was lovely.\n\nMy number: [phone]\nPostcode: [postcode]",
    ),
    (
        "https://example.com/u/07700900123 has my details",
        "[link] has my details",
    ),
    (
        "Czekałam 3 tygodnie, mój e-mail: ania (at) example (dot) org",
        "Czekałam 3 tygodnie, mój e-mail: [email]",
    ),
]

# Things that must come back exactly as sent: nothing personal in them.
UNCHANGED = [
    "I waited 3 weeks for a call back",
    "about 45 minutes in the queue",
    "it cost £20 for the taxi",
    "I paid a £1,250.00 deposit",
    "in 2024 the service changed",
    "room 12 on the second floor",
    "I took bus 101 to the clinic",
    "my appointment was at 10:30",
    "the 07:45 train was late",
    "the letter was dated 12/03/2025",
    "on 01.03.2025 at 10.30 they called",
    "on 03-01-2025 10 people were turned away",
    "ring 116 123 if you need the Samaritans",
    "in an emergency dial 999",
    "call 111 for advice",
    "the police non-emergency number is 101",
    "Childline is 0800 1111",
    "I was at the hostel",
    "I was at home",
    "meet me at the station",
    "I was at the hostel dot com",
    "I arrived at midnight. Me and my friend slept outside",
    "I went home.No one called",
    "thank you 🙏😀👍🏽",
    "Zażółć gęślą jaźń",
    "Czekałam 3 tygodnie na wizytę o 10:30",
    "Byłam w przychodni, było źle, ale pielęgniarka pomogła",
    "the M6 was closed for the 3rd time",
    "Flat B12 3rd floor has no lift",
    "I'm on the M1 every day",
    "open 9am-5pm Monday to Friday",
    "waited 2-3 hours",
    "about 50% of the time",
    "1 2 3 4 5 6 7 8 9 10",
    "I'd rate it 10/10",
    "ticket 12345 is still open",
    "thanks @jo",
    "contact email at the top of the page",
    "e.g. the housing officer",
    "I uploaded report.pdf and photo.jpg",
    "version 2.0 of the form",
    "my son is in year 10 and I'm 34",
    "the wait went from 12 to 18 weeks",
    "A&E wait was 4 hours, form PIP2 page 3",
    "the numbers were 2024 2025 10",
    "9 4 3 4 7 6 5 9 1 8 bingo",
    # Numbers beginning with 7 that are not a mobile without its 0.
    "we raised £7,700.50 in 2024",
    "it cost £7700 over 900 days",
    "between 7700 and 9001 steps a day",
    "rooms 7701 to 7710 are empty",
    "7700 people came and 900 stayed",
    "ref 7700 900 is on the letter",
    "the 7:45 and 7.50 buses, then 7 more",
    "on 7.7.2024 I waited 7 hours",
    "order 7700 9001 2345 never came",
]

CORPUS = PHONES + EMAILS + POSTCODES + NI_NUMBERS + NHS_NUMBERS + LINKS + HANDLES + MIXED


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) + len(UNCHANGED) >= 110
    assert len(UNCHANGED) >= 30


@pytest.mark.parametrize(("text", "expected"), PHONES)
def test_phone_numbers_in_every_usual_spelling_become_a_tag(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), EMAILS)
def test_email_addresses_plain_or_disguised_become_a_tag(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), POSTCODES)
def test_postcodes_with_or_without_the_space_in_any_case_become_a_tag(
    text: str, expected: str
) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), NI_NUMBERS)
def test_national_insurance_numbers_in_any_grouping_become_a_tag(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), NHS_NUMBERS)
def test_nhs_numbers_become_a_tag(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), LINKS)
def test_links_become_a_tag_and_leave_sentence_punctuation_outside(
    text: str, expected: str
) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), HANDLES)
def test_telegram_and_twitter_handles_become_a_tag(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize(("text", "expected"), MIXED)
def test_realistic_messages_lose_only_their_contact_details(text: str, expected: str) -> None:
    assert scrub(text).value == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_numbers_times_dates_helplines_and_ordinary_words_are_kept(text: str) -> None:
    assert scrub(text).value == text


@pytest.mark.parametrize(("text", "expected"), CORPUS)
def test_scrubbing_twice_changes_nothing_more(text: str, expected: str) -> None:
    assert scrub(scrub(text).value).value == expected


def test_scrub_returns_scrubbed_text() -> None:
    result = scrub("call 07700 900123")
    assert isinstance(result, ScrubbedText)
    assert result == ScrubbedText("call [phone]")


def test_there_are_seven_tags_and_the_corpus_uses_only_them() -> None:
    assert sorted(TAGS) == [
        "[email]",
        "[handle]",
        "[link]",
        "[nhs-number]",
        "[ni-number]",
        "[phone]",
        "[postcode]",
    ]
    produced = {tag for _, expected in CORPUS for tag in TAGS if tag in expected}
    assert produced == TAGS


def test_full_width_digits_are_read_as_a_phone_number_after_normalisation() -> None:
    assert normalise("０７７００ ９００１２３") == "07700 900123"
    assert scrub("mój numer ０７７００ ９００１２３").value == "mój numer [phone]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0770\u200b0 900\u200d123", "[phone]"),
        ("07700\u2060900\ufeff123", "[phone]"),
        ("\u202e07700 900123\u202c", "[phone]"),
        ("jo\u200b@exam\u200cple.com", "[email]"),
        ("jo.blo\u00adggs@example.com", "[email]"),
        ("SW1A\u200b 1AA", "[postcode]"),
        ("\u2066943 476 5919\u2069", "[nhs-number]"),
    ],
)
def test_zero_width_and_bidi_characters_do_not_defeat_scrubbing(text: str, expected: str) -> None:
    assert scrub(text).value == expected


def test_control_characters_are_removed() -> None:
    assert normalise("hello\x00\x07 world\x1b\x7f") == "hello world"


def test_newlines_are_kept_and_blank_runs_shortened() -> None:
    assert normalise("line one\nline two") == "line one\nline two"
    assert normalise("one\n\n\n\n\ntwo") == "one\n\ntwo"
    assert normalise("one\n \n  \ntwo") == "one\n\ntwo"


def test_tabs_become_spaces_and_carriage_returns_become_newlines() -> None:
    assert normalise("a\tb") == "a b"
    assert normalise("one\r\ntwo\rthree") == "one\ntwo\nthree"
    assert normalise("one\u2028two\x0bthree") == "one\ntwo\nthree"


def test_leading_and_trailing_whitespace_is_stripped() -> None:
    assert normalise("  \n\t hello there \n\n ") == "hello there"


def test_compatibility_characters_are_folded_and_polish_letters_kept() -> None:
    assert normalise("ﬁle Ｈｅｌｌｏ") == "file Hello"
    assert normalise("z\u0307o\u0301łw") == "żółw"
    assert normalise("ąęłżźćńóś ĄĘŁŻŹĆŃÓŚ") == "ąęłżźćńóś ĄĘŁŻŹĆŃÓŚ"


def test_emoji_survive_normalisation() -> None:
    assert normalise("great service 👍🏽🙂") == "great service 👍🏽🙂"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 5000 + "@",
        "0 " * 3000,
        "1 " * 3000,
        "a." * 2500,
        "a at " * 1000,
        "a dot " * 1000,
        "a" + " " * 5000 + "@",
        "@" + "a" * 5000,
        "1" * 5000,
        "(0" * 2500,
        "a@" * 2500,
        "x (at) " * 700,
        "www." * 1000,
        "+" * 5000,
    ],
)
def test_pathological_inputs_finish(text: str) -> None:
    assert isinstance(scrub(text), ScrubbedText)
