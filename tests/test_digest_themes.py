"""Themes come from a file commissioners edit; new words leave out tags and stop words."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.themes import ThemesFileError, default_themes_file, load_themes
from digests.words import frequent_words, new_words, words_in


def test_the_themes_file_has_about_ten_themes_each_in_english_and_polish() -> None:
    themes = load_themes()
    assert 8 <= len(themes.items) <= 15
    assert all(set(t.patterns) == {"en", "pl"} for t in themes.items)
    assert {"staff_attitude", "waiting_times", "safety", "housing"} <= {t.key for t in themes.items}


def _theme_of(text: str, language: str = "en") -> set[str]:
    return set(load_themes().count([(text, language)]))


def test_a_stemmed_keyword_matches_its_endings_but_only_from_the_start_of_a_word() -> None:
    assert "waiting_times" in _theme_of("I waited three hours")
    assert "waiting_times" not in _theme_of("The await was fine")  # not "wait*" at a word start


def test_a_plain_keyword_matches_only_the_whole_word() -> None:
    assert "waiting_times" in _theme_of("always LATE")
    assert "waiting_times" not in _theme_of("hot chocolate")


def test_keywords_of_several_words_match_across_line_breaks() -> None:
    assert "communication" in _theme_of("nobody would call\nback")


def test_polish_keywords_match_polish_answers_in_any_case() -> None:
    assert "waiting_times" in _theme_of("Kolejka była BARDZO długa", "pl")
    assert "safety" in _theme_of("NIEBEZPIECZNIE w nocy", "pl")
    assert "communication" not in _theme_of("a list of things", "en")  # "list" is Polish only


def test_scrubbing_tags_are_not_read_as_words() -> None:
    assert "communication" not in _theme_of("write to [email] or [phone]")
    assert words_in("call [phone] about the heating") == {"call", "heating"}


def test_a_text_counts_once_for_a_theme_however_often_it_is_mentioned() -> None:
    assert load_themes().count([("wait wait waiting queue", "en")])["waiting_times"] == 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("themes:\n  - key: food\n    label: Food\n    keywords: {pl: [jedzenie]}\n", "English"),
        ("themes:\n  - key: food\n    label: Food\n    colour: red\n    keywords: {en: [food]}\n",
         "colour"),
        ("themes:\n  - key: food\n    label: Food\n    keywords: {en: [food], de: [essen]}\n",
         "unknown language de"),
        ("themes:\n  - key: food\n    label: Food\n    keywords: {en: ['fo*od']}\n",
         "not a keyword"),
        ("themes:\n  - key: Food!\n    label: Food\n    keywords: {en: [food]}\n", "lowercase"),
        ("themes: [\n", "not valid YAML"),
    ],
)  # fmt: skip
def test_a_malformed_themes_file_is_refused_saying_where(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ThemesFileError, match=message):
        load_themes(_write(tmp_path, text))


def test_the_default_themes_file_is_the_one_beside_the_flows() -> None:
    assert default_themes_file().name == "themes.yaml"
    assert default_themes_file().parent.name == "conversations"


def test_frequent_words_count_people_not_repeats_and_leave_stop_words_out() -> None:
    texts = ["mould mould mould", "the mould", "Mould and damp", "damp", "and the"]
    assert frequent_words(enumerate(texts), at_least=2) == [("mould", 3), ("damp", 2)]


def test_a_word_one_person_writes_again_and_again_is_not_frequent() -> None:
    texts = [(1, "Bartholomew's mould"), (1, "Bartholomew"), (1, "bartholomew"), (2, "mould")]
    assert frequent_words(texts, at_least=2) == [("mould", 2)]


def test_new_words_are_the_frequent_ones_nobody_used_in_the_weeks_before() -> None:
    frequent = [("mould", 7), ("heating", 5)]
    assert new_words(frequent, {"mould": 0, "heating": 2}) == ("mould",)


def test_contractions_and_short_words_are_never_news() -> None:
    assert words_in("Didn't go, it's OK by me") == set()
