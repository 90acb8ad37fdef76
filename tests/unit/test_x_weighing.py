"""``lines_fit`` (weigh line by line) must agree exactly with twitter-text on the joined text."""

from __future__ import annotations

import random

import pytest

from publisher.channels.x.text import fits, lines_fit

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


@pytest.mark.parametrize("seed", range(40))
def test_lines_fit_agrees_with_parse_tweet_on_the_joined_text(seed: int) -> None:
    rng = random.Random(seed)
    lines = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
    for limit in (50, 140, 280):
        assert lines_fit(lines, limit) == fits("\n".join(lines), limit), (lines, limit)


def test_a_rejected_character_makes_the_post_not_fit() -> None:
    assert not lines_fit(["fine", "bad \ufffe char"])
    assert not fits("fine\nbad \ufffe char")
