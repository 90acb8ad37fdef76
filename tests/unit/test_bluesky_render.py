"""Bluesky's counting (graphemes), its facets (UTF-8 byte offsets, a short label for a link,
the full URL in the facet) and the posts rendered for every fixture appeal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from publisher.channel import RenderContext, Rendition, Target
from publisher.channels.bluesky import (
    LIMITS,
    BlueskyChannel,
    BlueskyPost,
    graphemes,
    link_label,
    record_key,
    render_posts,
    richtext,
)
from publisher.channels.bluesky.render import render_update_posts
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import PermanentPublishError
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
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme


def _covered(text: str, start: int, end: int) -> str:
    return text.encode("utf-8")[start:end].decode("utf-8")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 300, 300),
        (FAMILY, 1),
        ("\U0001f1ec\U0001f1e7", 1),
        ("e\u0301", 1),
        ("Dŵr", 3),
        ("a\r\nb", 3),
    ],
)
def test_graphemes_are_counted_as_bluesky_does(text: str, count: int) -> None:
    assert graphemes(text) == count


def test_a_link_is_a_short_label_and_its_facet_holds_the_whole_url() -> None:
    url = "https://www.example.police.uk/news/2026/missing/appeal-for-help-finding-dwr/"
    rich = richtext(f"Helpwch ni i ddod o hyd i Dŵr {FAMILY} {url} #FindDwr")
    label = link_label(url)
    assert label == "example.police.uk/news/2026/m…"
    assert graphemes(label) == 30
    assert label in rich.text and url not in rich.text
    link, tag = rich.facets
    assert (link.kind, link.value) == ("link", url)
    assert _covered(rich.text, link.byte_start, link.byte_end) == label
    # Byte offsets, not characters: "ŵ" is 2 bytes, the family emoji 25.
    prefix = f"Helpwch ni i ddod o hyd i Dŵr {FAMILY} "
    assert link.byte_start == len(prefix.encode("utf-8")) == len(prefix) + 1 + 18
    assert (tag.kind, tag.value) == ("tag", "FindDwr")
    assert _covered(rich.text, tag.byte_start, tag.byte_end) == "#FindDwr"


def test_a_short_link_is_shown_whole_and_a_hash_in_a_url_is_no_tag() -> None:
    rich = richtext("See https://police.uk/a#help now")
    assert rich.text == "See police.uk/a… now"
    [link] = rich.facets
    assert link.value == "https://police.uk/a#help"


@pytest.mark.parametrize("appeal", APPEALS, ids=lambda a: a.id)
def test_every_post_fits_and_its_facets_match_its_text(appeal: Appeal) -> None:
    rendered = render_posts(appeal)
    for post in rendered.posts:
        assert isinstance(post, BlueskyPost)
        assert post.weight == graphemes(post.text) <= 300
        assert len(post.text.encode("utf-8")) <= 3000
        for facet in post.facets:
            shown = _covered(post.text, facet.byte_start, facet.byte_end)
            if facet.kind == "tag":
                assert shown == f"#{facet.value}"
            else:
                assert facet.value.startswith("https://") and shown == link_label(facet.value)
    if appeal.status is not AppealStatus.WITHDRAWN:
        first = rendered.posts[0]
        assert any(f.kind == "link" and f.value == str(appeal.url) for f in first.facets)
        assert all(w.startswith("bluesky:") for w in rendered.warnings if ":" in w[:12])
        assert len(render_update_posts(appeal).posts) == 1


def _long(appeal: Appeal, summary: str) -> Appeal:
    return appeal.model_copy(update={"summary": summary, "image": None})


def _exactly(count: int) -> str:
    """A text of exactly ``count`` graphemes, mostly emoji and combining marks."""
    words: list[str] = []
    while graphemes(" ".join(words)) < count:
        words.append(f"{FAMILY}e\u0301ŵ")
    text = " ".join(words)
    while graphemes(text) > count:
        text = text[:-1]
    return text.rstrip() + "x" * (count - graphemes(text.rstrip()))


def test_a_long_summary_is_split_into_posts_of_at_most_300_graphemes() -> None:
    appeal = next(a for a in APPEALS if a.status is AppealStatus.ACTIVE)
    summary = _exactly(700)
    posts = render_posts(_long(appeal, summary)).posts
    assert len(posts) >= 3
    assert all(p.weight == graphemes(p.text) <= 300 for p in posts)
    said = " ".join(p.text for p in posts)
    assert said.count(FAMILY) == summary.count(FAMILY)


def test_exactly_300_graphemes_passes_the_channel_and_301_is_refused() -> None:
    channel = BlueskyChannel(outbox=None)
    exact = _exactly(300)
    assert graphemes(exact) == 300 and len(exact) > 600
    rendition = Rendition(
        channel="bluesky",
        appeal_id="a",
        revision=1,
        posts=(BlueskyPost(text=exact, weight=300),),
        limits=LIMITS,
    )
    # Within the limit: it gets as far as the credentials (none here).
    with pytest.raises(PermanentPublishError, match="not configured"):
        channel.publish(rendition, Target())
    over = replace(rendition, posts=(BlueskyPost(text=exact + "x", weight=301),))
    with pytest.raises(PermanentPublishError, match="301 graphemes"):
        channel.publish(over, Target())


def test_record_keys_are_tids_the_same_for_the_same_delivery_and_part() -> None:
    key = record_key("publisher-abc", 1)
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")
    assert record_key("publisher-abc", 1) == key
    assert record_key("publisher-abc", 2) != key
    assert record_key("publisher-abd", 1) != key
    # Its time part is in the past (2023-2025), never in the future.
    value = 0
    for character in key:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(character)
    micros = value >> 10
    assert 1_672_531_200_000_000 <= micros < 1_767_225_600_000_000


def test_the_channel_declares_bluesky_limits_and_abilities() -> None:
    channel = BlueskyChannel()
    assert channel.limits == LIMITS
    assert (LIMITS.name, LIMITS.max_weight, LIMITS.max_alt, LIMITS.max_media) == (
        "Bluesky",
        300,
        2000,
        4,
    )
    assert channel.deletes_posts and channel.can_update and channel.resumes_threads
    rendition = channel.render(APPEALS[-1], RenderContext())
    assert rendition.files and rendition.limits == LIMITS
