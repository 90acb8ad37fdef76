"""The X channel's weighing agrees exactly with twitter-text.

``measure`` (the channel's own, faster computation) against the library's ``parse_tweet`` and
twitter-text's conformance cases; ``lines_fit`` (weigh line by line) against ``fits`` on the
joined text.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.channels.x._twitter_text import measure, parse_tweet
from publisher.channels.x.text import fits, lines_fit, weigh

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "twitter-text"
VALIDATE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (CONFORMANCE / "validate.yml").read_text(encoding="utf-8")
)["tests"]
CASES = [
    pytest.param(case, id=f"{section}: {case['description']}")
    for section in (
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
    )
    for case in VALIDATE[section]
]

PIECES = [
    "Call 101 quoting incident 123.",
    "National Domestic Abuse Helpline: 0808 200 0247",
    "https://www.example.police.uk/news/2020/march/appeal/",
    "www.example.org/help",
    "sailderbyshire.org.uk",
    "日本語のテキスト",
    "Emoji 😷👍🏽 and a family 👨‍👩‍👧",
    "#YouAreNotAlone #HelpUsFindThem",
    "é à ü – “quotes” … ™",
    "x" * 120,
    "",
]

# Pieces chosen for the edges of the rules: keycaps (ASCII then U+20E3), flags, tag sequences,
# skin tones, lone joiners and selectors, ©/® (emoji) next to ™ (not), combining marks that NFC
# composes, CR and CRLF, characters X rejects, directional marks, the weight-100 ranges' ends,
# astral characters, and URLs with and without a scheme, glued to text and to emoji.
EDGES = [
    "#️⃣", "#⃣", "1️⃣", "1⃣", "*️⃣", "🇬🇧", "🇬", "🏴󠁧󠁢󠁷󠁬󠁳󠁿", "🏴", "👍🏽", "🏽", "\u200d", "\ufe0f",
    "👨‍👩‍👧‍👦", "👩‍❤️‍👨", "©", "®", "™", "‼", "⁉", "☺", "☺️", "e\u0301", "A\u030a", "\r\n", "\r",
    "\n", "\ufffe", "\uffff", "\ufeff", "\u202a", "\u202e", "\u2066", "\u2069", "\u10ff",
    "\u1100", "\u2000", "\u200e", "\u2010", "\u2027", "\u2032", "\u2038", "\U00010000",
    "\U0010ffff", "a.co", "t.co/abc", "http://t.co/x", "https://e.org/😷", "x.com😷",
    "https://www.example.police.uk/news/", "www.e.org", "@name", "#Tag", " ", "", "0",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_conformance_weights(case: dict[str, Any]) -> None:
    expected = case["expected"]
    assert measure(case["text"]) == (expected["weightedLength"], expected["valid"])
    assert weigh(case["text"]) == expected["weightedLength"]


def _texts(pieces: list[str]) -> st.SearchStrategy[str]:
    glue = st.sampled_from(["", " ", "\n", "."])
    return st.lists(st.tuples(st.sampled_from(pieces), glue), max_size=14).map(
        lambda parts: "".join(piece + sep for piece, sep in parts)
    )


@settings(max_examples=3_000, deadline=None, derandomize=True, database=None)
@given(text=st.one_of(_texts(EDGES + PIECES), st.text(max_size=60), _texts(["x" * 40, "日本"])))
def test_measure_is_parse_tweet(text: str) -> None:
    parsed = parse_tweet(text)
    assert measure(text) == (parsed.weightedLength, parsed.valid)


@pytest.mark.parametrize("seed", range(40))
def test_lines_fit_agrees_with_parse_tweet_on_the_joined_text(seed: int) -> None:
    rng = random.Random(seed)
    lines = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
    for limit in (50, 140, 280):
        parsed = parse_tweet("\n".join(lines))
        assert fits("\n".join(lines), limit) == (parsed.valid and parsed.weightedLength <= limit)
        assert lines_fit(lines, limit) == fits("\n".join(lines), limit), (lines, limit)


def test_a_rejected_character_makes_the_post_not_fit() -> None:
    assert not lines_fit(["fine", "bad \ufffe char"])
    assert not fits("fine\nbad \ufffe char")
