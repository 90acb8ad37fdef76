"""Mastodon's counting (StatusLengthValidator: graphemes, URLs as the instance says, mentions
without their domain) and the statuses rendered within an instance's limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.channels.mastodon import DEFAULT_LIMITS, MastodonLimits, graphemes, weigh
from publisher.channels.mastodon.client import limits_from_instance
from publisher.channels.mastodon.render import render_posts, render_update_posts
from publisher.channels.mastodon.text import fits, lines_fit, lines_weight
from publisher.domain.phones import grouped
from publisher.domain.record import Appeal
from publisher.importers import load_appeal

TESTS = Path(__file__).resolve().parents[1]
APPEALS = [
    *(load_appeal(seed).appeal for seed in sorted((TESTS / "fixtures" / "seeds").glob("*.txt"))),
    *(
        Appeal.from_json(path.read_bytes())
        for path in sorted((TESTS / "fixtures" / "appeals").glob("*.json"))
    ),
    Appeal.from_json((TESTS / "fixtures" / "sample.json").read_bytes()),
]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 500, 500),
        ("https://a.co", 23),  # a short URL counts 23 too
        ("see https://www.example.police.uk/news/2024/june/a-very-long-address/", 4 + 23),
        ("police.uk/missing", 17),  # no scheme: Mastodon counts it as text
        ("👩\u200d👩\u200d👧\u200d👦", 1),  # one grapheme, seven code points
        ("🇬🇧", 1),
        ("e\u0301", 1),
        ("警察", 2),  # one each (X weighs them 2)
        ("ask @sam@mastodon.social", 4 + 4),  # a mention counts its username part
        ("email appeals@police.uk", 23),  # an address is not a mention
        ("a\r\nb", 3),
        ("   ", 0),
    ],
)
def test_weigh_counts_as_mastodon_does(text: str, count: int) -> None:
    assert weigh(text) == count


def test_the_instance_says_what_a_url_counts() -> None:
    assert weigh("x https://example.org/", 30) == 2 + 30
    assert graphemes("héllo") == 5


def test_limits_come_from_the_instance_answer_with_defaults_for_what_it_leaves_out() -> None:
    answer = {
        "configuration": {
            "statuses": {
                "max_characters": 5000,
                "max_media_attachments": 8,
                "characters_reserved_per_url": 30,
            }
        }
    }
    limits = limits_from_instance(answer)
    assert (limits.max_weight, limits.max_media, limits.characters_per_url) == (5000, 8, 30)
    assert limits.max_alt == DEFAULT_LIMITS.max_alt
    with pytest.raises(ValueError):
        limits_from_instance({"title": "no configuration"})


@pytest.mark.parametrize("characters", [120, 180, 280, 500, 1000])
@pytest.mark.parametrize("appeal", APPEALS, ids=[a.id for a in APPEALS])
def test_every_status_fits_the_instance_and_no_contact_is_lost(
    appeal: Appeal, characters: int
) -> None:
    limits = MastodonLimits(
        name="Mastodon", max_weight=characters, max_alt=100, max_media=1, characters_per_url=30
    )
    posts = render_posts(appeal, limits).posts
    assert posts
    for post in posts:
        assert post.weight == weigh(post.text, 30) <= characters
    text = "\n".join(post.text for post in posts)
    for contact in appeal.contacts:
        assert (contact.value if not contact.is_number else grouped(contact)) in text
    assert all(len(m.alt_text) <= 100 for p in posts for m in p.media)
    assert all(not p.media for p in posts[1:])


def test_more_room_means_fewer_statuses() -> None:
    """The first status stands alone (lead, call to action, link); the contacts follow it,
    in one status when the instance has room for them all."""
    appeal = APPEALS[0]
    small = render_posts(appeal, MastodonLimits("Mastodon", 150, 1500, 4)).posts
    large = render_posts(appeal, MastodonLimits("Mastodon", 5000, 1500, 4)).posts
    assert len(large) == 2 < len(small)


def test_resolved_and_updates_are_one_status_without_the_photo() -> None:
    leah = next(a for a in APPEALS if a.image is not None and a.kind.value == "missing-person")
    resolved = Appeal.model_validate(
        {**leah.model_dump(), "status": "resolved", "resolution": "Leah has been found."}
    )
    (post,) = render_posts(resolved).posts
    assert post.text.startswith("Leah has been found.") and not post.media
    (update,) = render_update_posts(resolved).posts
    assert update.text.startswith("UPDATE: Leah has been found.")


def test_an_instance_without_media_gets_no_image() -> None:
    leah = next(a for a in APPEALS if a.image is not None and a.image.alt)
    rendered = render_posts(leah, MastodonLimits("Mastodon", 500, 1500, 0))
    assert not any(p.media for p in rendered.posts)
    assert any("accepts no media" in w for w in rendered.warnings)


_LINE_PIECES = [
    "https://www.example.police.uk/news/a/",
    "http://a.co",
    "police.uk/x",
    "@sam@mastodon.social",
    "@sam",
    "appeals@police.uk",
    "\u0301",  # a combining accent: at a line's start it is a grapheme of its own
    "\u200d",
    "👩\u200d👩\u200d👧",
    "🇬🇧",
    "e\u0301",
    "警察",
    "\r",
    " ",
    "word",
    ":",
    "/",
    "=",
    "#Tag",
]


@settings(max_examples=2_000, deadline=None, derandomize=True, database=None)
@given(
    lines=st.lists(st.lists(st.sampled_from(_LINE_PIECES), max_size=6).map("".join), max_size=6),
    per_url=st.sampled_from([0, 23, 30]),
)
def test_lines_weight_and_fit_are_those_of_the_joined_text(lines: list[str], per_url: int) -> None:
    text = "\n".join(lines)
    weight = weigh(text, per_url)
    assert lines_weight(lines, per_url) == weight
    for limit in (weight - 1, weight, weight + 1, 0, 500):  # either side of the count
        assert lines_fit(lines, limit, per_url) == fits(text, limit, per_url), limit
