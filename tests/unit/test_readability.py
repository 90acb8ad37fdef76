"""Syllables, sentences and the Flesch-Kincaid reading age, offline."""

from __future__ import annotations

import pyphen
import pytest

from publisher.domain.readability import (
    TextStats,
    count_syllables,
    flesch_kincaid_grade,
    reading_age,
    split_sentences,
    split_words,
    text_stats,
)


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("cat", 1),
        ("the", 1),
        ("help", 1),
        ("fire", 1),
        ("liked", 1),
        ("lives", 1),
        ("police", 2),
        ("people", 2),
        ("table", 2),
        ("wanted", 2),
        ("places", 2),
        ("create", 2),
        ("couples", 2),
        ("movement", 2),
        ("helpline", 2),
        ("doesn't", 2),
        ("don't", 1),
        ("domestic", 3),
        ("violence", 3),
        ("family", 3),
        ("area", 3),
        ("information", 4),
        ("available", 4),
        ("emergency", 4),
        ("coronavirus", 5),
        ("constabulary", 5),
        ("particularly", 5),
        ("Derbyshire", 3),
        ("101", 1),
    ],
)
def test_count_syllables_known_words(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


def test_count_syllables_never_below_pyphen() -> None:
    dictionary = pyphen.Pyphen(lang="en_GB")
    for word in ["experiencing", "restrictions", "communities", "associated", "organisation"]:
        assert count_syllables(word) >= len(dictionary.positions(word)) + 1


def test_count_syllables_is_at_least_one_for_a_word() -> None:
    assert count_syllables("rhythm") >= 1
    assert count_syllables("") == 0


def test_split_sentences_keeps_dotted_ranks_and_abbreviations_together() -> None:
    text = (
        'T/Ch. Insp. Bilby added: "We continue to help. You are not alone." '
        "Call 101, e.g. from a mobile. Why? Mr. Smith ran"
    )
    assert split_sentences(text) == [
        'T/Ch. Insp. Bilby added: "We continue to help.',
        'You are not alone."',
        "Call 101, e.g. from a mobile.",
        "Why?",
        "Mr. Smith ran",
    ]


def test_split_words_leaves_out_addresses_and_hashtags() -> None:
    text = (
        "Read more at www.example.police.uk/advice/ or https://x.com/a #YouAreNotAlone, you're safe"
    )
    assert split_words(text) == ["Read", "more", "at", "or", "you're", "safe"]


def test_flesch_kincaid_grade_formula() -> None:
    assert flesch_kincaid_grade(words=100, sentences=5, syllables=130) == pytest.approx(7.55)
    assert flesch_kincaid_grade(words=0, sentences=0, syllables=0) == 0.0


def test_text_stats_on_a_known_sentence() -> None:
    stats = text_stats("The cat sat on the mat.")
    assert stats == TextStats(sentences=1, words=6, syllables=6)
    # 0.39 * 6 + 11.8 * 1 - 15.59 = -1.45
    assert stats.grade == pytest.approx(-1.45)
    assert stats.reading_age == pytest.approx(3.55)


def test_text_stats_adds_paragraphs() -> None:
    stats = text_stats(["Call 101 now.", "We want to help you. Please call."])
    assert stats == TextStats(sentences=3, words=10, syllables=10)


def test_reading_age_orders_plain_and_hard_text() -> None:
    plain = "Sam is missing. She is 34. Call 101 if you see her."
    hard = (
        "Fears over jobs, financial pressure, school closures, working from home and all the "
        "other current changes to our daily lives could result in an increase in domestic "
        "abuse incidents."
    )
    assert reading_age(plain) < 9
    assert reading_age(hard) > 14
    assert reading_age(plain) == round(text_stats(plain).reading_age, 1)
