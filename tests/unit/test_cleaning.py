"""Text cleaning: mojibake, entities once, stray Â, odd spaces, zero-width and control chars."""

from __future__ import annotations

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.domain import cleaning
from publisher.domain.cleaning import clean_inline, clean_text, repair_stray_a_circumflex


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a &amp; b", "a & b"),
        ("a &amp;amp; b", "a &amp; b"),  # unescaped exactly once
        ("x?w=600&amp;h=300", "x?w=600&h=300"),
        ("&lt;script&gt;", "<script>"),  # text, escaped again on output
        ("it&#8217;s", "it’s"),
    ],
)
def test_entities_are_unescaped_exactly_once(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_mojibake_is_repaired_and_curly_quotes_are_kept() -> None:
    assert clean_text("donâ€™t") == "don’t"
    assert clean_text("“quoted”") == "“quoted”"
    assert clean_text('"straight"') == '"straight"'


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("that Âcoronavirus", "that coronavirus"),
        ("Âcoronavirus at the start", "coronavirus at the start"),
        ("that Â coronavirus", "that  coronavirus"),
        ("that Â\u00a0coronavirus", "that  coronavirus"),
        ("thatÂ\u00a0coronavirus", "that coronavirus"),  # ftfy's own repair
    ],
)
def test_stray_a_circumflex_from_a_lost_nbsp_is_removed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize("word", ["CÂBLE", "Âge du fer", "L'Âme", "Â", "ÂB", "xÂy"])
def test_legitimate_a_circumflex_is_kept(word: str) -> None:
    assert repair_stray_a_circumflex(word) == word
    assert "Â" in clean_text(word)


def test_odd_spaces_become_plain_spaces_and_zero_width_characters_go() -> None:
    assert clean_text("a\u00a0b\u202fc\u2009d\u3000e") == "a b c d e"
    assert clean_text("in\u200bvisi\u2060ble\ufeff") == "invisible"
    assert clean_text("soft\u00adhyphen") == "softhyphen"


def test_a_zero_width_joiner_inside_an_emoji_sequence_is_kept() -> None:
    family = "\U0001f468\u200d\U0001f469"
    assert clean_text(family) == family
    assert clean_text("a\u200db") == "ab"


def test_control_characters_are_removed_and_line_endings_normalised() -> None:
    assert clean_text("bell\x07 and\x1b escape") == "bell and escape"
    assert clean_text("one  \r\ntwo\t\rthree ") == "one\ntwo\nthree"


def test_clean_inline_makes_one_line_with_single_spaces() -> None:
    assert clean_inline("  one\n two\t three  ") == "one two three"


def test_cleaning_is_stable_on_clean_text() -> None:
    text = "Call 0800 085 3481 – it’s free & confidential."
    assert clean_text(text) == text


@settings(max_examples=2_000, deadline=None, derandomize=True, database=None)
@given(
    text=st.lists(
        st.one_of(
            st.characters(min_codepoint=0x20, max_codepoint=0x7E),
            st.sampled_from(["\t", "\n", "&amp;", "&lt;b&gt;", "&#39;", "--", "``", "<b>", "A\tB"]),
        ),
        max_size=60,
    ).map("".join)
)
def test_ftfy_has_nothing_to_fix_in_printable_ascii(text: str) -> None:
    """clean_text skips ftfy on printable ASCII: that is only right while ftfy leaves it as is."""
    assert cleaning._PLAIN_ASCII.fullmatch(text)
    assert ftfy.fix_text(text, config=cleaning._ftfy_config()) == text
