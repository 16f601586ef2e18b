"""The digest's chart speaks the digest's words: its title and axis come from digest_texts.yaml."""

from __future__ import annotations

from digests.chart import weekly_chart
from digests.texts import Texts, digest_texts

WEEKS = ("2026-W39", "2026-W40", "2026-W41")
SERIES = {"Riverside Hostel (example)": [6, None, 9]}


def test_the_charts_axis_is_labelled_in_the_digest_texts_words() -> None:
    english = digest_texts()
    polish = Texts(english.raw | {"chart_axis": "odpowiedzi"})
    assert english("chart_axis") == "answers"

    elsewhere = Texts(english.raw | {"withheld": "wstrzymane"})  # a word the chart never shows

    drawn = weekly_chart(WEEKS, SERIES, english)
    assert drawn.startswith(b"\x89PNG")
    assert weekly_chart(WEEKS, SERIES, elsewhere) == drawn
    assert weekly_chart(WEEKS, SERIES, polish) != drawn  # another axis word, another picture
