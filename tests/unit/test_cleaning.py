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


# ftfy_would_change: clean_text imports and runs ftfy only on text it says ftfy may change.

# With the config clean_text gives ftfy, these are the fixers fix_and_explain applies after the
# encoding step (in ftfy 6: its list in ftfy/__init__.py), each acting on single characters.
_CHARACTER_FIXERS = (
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_terminal_escapes",
    "remove_control_chars",
)


def test_the_config_turns_off_the_fixers_ftfy_would_change_does_not_look_for() -> None:
    config = cleaning._ftfy_config()
    assert config.unescape_html is False and config.uncurl_quotes is False
    assert config.normalization == "NFC"
    assert config.max_decode_length == cleaning._FTFY_SEGMENT
    for name in _CHARACTER_FIXERS:
        assert getattr(config, name) is True, name


def test_the_fixers_checked_are_the_ones_ftfy_applies() -> None:
    """The list ftfy.fix_and_explain loops over (a new fixer in an ftfy release fails here)."""
    import inspect
    import re

    listed = re.search(r"for fixer in \[(.*?)\]", inspect.getsource(ftfy.fix_and_explain), re.S)
    assert listed is not None
    assert set(re.findall(r'"(\w+)"', listed.group(1))) == {*_CHARACTER_FIXERS, "uncurl_quotes"}


@pytest.mark.parametrize("name", _CHARACTER_FIXERS)
def test_no_character_fixer_touches_a_character_outside_the_checked_set(name: str) -> None:
    """Every code point ftfy_would_change lets through, one string: each fixer leaves it."""
    import ftfy.fixes

    fixer = getattr(ftfy.fixes, name)
    others = "".join(
        c
        for c in map(chr, range(0x110000))
        if not cleaning._ftfy_characters().match(c) and c not in "\t\n"
    )
    assert fixer(others) == others
    assert fixer(f"a\t\nb{others}") == f"a\t\nb{others}"


@pytest.mark.parametrize(
    "text", ["\x85", "\x92", "ﬁ", "Ｌ", "\u3000", "\u2028", "\x1b[31mred", "\x07", "\ufeff", "\r"]
)
def test_characters_a_fixer_changes_are_sent_to_ftfy(text: str) -> None:
    assert ftfy.fix_text(f"x {text} y", config=cleaning._ftfy_config()) != f"x {text} y"
    assert cleaning.ftfy_would_change(f"x {text} y")


def test_the_badness_loaded_on_its_own_is_ftfys() -> None:
    import ftfy.badness

    is_bad = cleaning._load_ftfy_badness()
    assert is_bad is not ftfy.badness.is_bad
    assert is_bad.__globals__["BADNESS_RE"].pattern == ftfy.badness.BADNESS_RE.pattern
    for text in ("donâ€™t", "cafÃ©", "Âcoronavirus", "it’s £5", "Ã¢â‚¬Å“", "plain"):
        assert is_bad(text) == ftfy.badness.is_bad(text), text


def test_without_ftfys_files_its_badness_is_imported_as_usual(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ftfy.badness

    monkeypatch.setattr(cleaning.importlib.util, "find_spec", lambda name: None)
    assert cleaning._load_ftfy_badness() is ftfy.badness.is_bad


@pytest.mark.parametrize(
    "text",
    [
        "donâ€™t",
        "cafÃ©",
        "Â£5",
        "â€œquotedâ€\x9d",
        "ï»¿BOM",
        "e\u0301",  # not NFC
        "line one\nthatÂ\u00a0coronavirus\n",
        "Ã¢â‚¬Å“double",
    ],
)
def test_mojibake_and_text_ftfy_changes_are_sent_to_ftfy(text: str) -> None:
    assert cleaning.ftfy_would_change(text)
    assert ftfy.fix_text(text, config=cleaning._ftfy_config()) != text


def test_a_seed_with_a_stray_a_circumflex_needs_no_ftfy() -> None:
    from pathlib import Path

    seeds = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    assert any(not t.isascii() and not cleaning.ftfy_would_change(t) for t in texts)
    for text in texts:
        for piece in (text, *text.splitlines(keepends=True)):
            if not cleaning.ftfy_would_change(piece):
                assert ftfy.fix_text(piece, config=cleaning._ftfy_config()) == piece


# What appeals are written in, what mojibake is made of, and the characters the check looks for.
_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x80, max_codepoint=0x24F),
    st.sampled_from(list("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ£éâŵŷ🙂👍\u0301\u0308\u00a0\u200d\n\t")),
    st.sampled_from(["â€™", "Ã©", "Â", "Ã", "â€", "ï»¿", "\ufffd", "ðŸ™‚", "Ã¢â‚¬"]),
    st.characters(),
)


@settings(max_examples=3_000, deadline=None, derandomize=True, database=None)
@given(text=st.lists(_ALPHABET, max_size=40).map("".join))
def test_ftfy_changes_nothing_ftfy_would_change_lets_through(text: str) -> None:
    if not cleaning.ftfy_would_change(text):
        assert ftfy.fix_text(text, config=cleaning._ftfy_config()) == text
