"""An appeal as Bluesky posts: the lines every social channel says, within Bluesky's rules.

The statuses are composed as Mastodon's are (:mod:`publisher.channels.mastodon.render`: the
lead, a missing person's age and where they were last seen, the call to action, the link, at
most two CamelCase hashtags, then a thread of the summary and every contact), counted in
graphemes with every URL taking :data:`~.text.LABEL_GRAPHEMES` (the most a link label shows),
then turned into Bluesky posts (:func:`~.text.richtext`): each URL shown as its short label
with a ``#link`` facet holding the full address, each hashtag a ``#tag`` facet. A post's
``weight`` is the graphemes of the text as posted, at most 300.

Pure: the same appeal gives the same posts, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from publisher.channel import PlatformLimits, SocialPost
from publisher.channels.bluesky.text import (
    LABEL_GRAPHEMES,
    MAX_BYTES,
    MAX_GRAPHEMES,
    Facet,
    graphemes,
    richtext,
    utf8_length,
)
from publisher.channels.mastodon.render import MastodonLimits
from publisher.channels.mastodon.render import render_combined_posts as compose_combined
from publisher.channels.mastodon.render import (
    render_combined_update_posts as compose_combined_update,
)
from publisher.channels.mastodon.render import render_posts as compose_posts
from publisher.channels.mastodon.render import render_update_posts as compose_update
from publisher.channels.x.render import Posts
from publisher.domain.record import Appeal

__all__ = [
    "LIMITS",
    "MAX_ALT_GRAPHEMES",
    "MAX_IMAGE_BYTES",
    "BlueskyPost",
    "Posts",
    "as_post",
    "render_combined_posts",
    "render_combined_update_posts",
    "render_posts",
    "render_update_posts",
]

MAX_ALT_GRAPHEMES = 2000
"""The Bluesky app's limit on an image description (the lexicon sets none)."""
MAX_IMAGE_BYTES = 1_000_000
"""``app.bsky.embed.images#image``: ``image`` is a blob of at most 1,000,000 bytes."""

LIMITS = PlatformLimits(
    name="Bluesky", max_weight=MAX_GRAPHEMES, max_alt=MAX_ALT_GRAPHEMES, max_media=4
)

_COMPOSE = MastodonLimits(
    name="Bluesky",
    max_weight=MAX_GRAPHEMES,
    max_alt=MAX_ALT_GRAPHEMES,
    max_media=4,
    characters_per_url=LABEL_GRAPHEMES,
)


@dataclass(frozen=True)
class BlueskyPost(SocialPost):
    """A post and its facets (UTF-8 byte ranges of ``text``)."""

    facets: tuple[Facet, ...] = field(default=())


def as_post(post: SocialPost) -> BlueskyPost:
    """``post`` as Bluesky posts it: already one, or its text with URLs and hashtags linked
    as written (no label: the text is what was given)."""
    if isinstance(post, BlueskyPost):
        return post
    rich = richtext(post.text, shorten=False)
    return BlueskyPost(
        text=rich.text, weight=graphemes(rich.text), media=post.media, facets=rich.facets
    )


def _convert(composed: Posts) -> Posts:
    posts: list[SocialPost] = []
    for post in composed.posts:
        rich = richtext(post.text)
        counted = graphemes(rich.text)
        if counted > MAX_GRAPHEMES or utf8_length(rich.text) > MAX_BYTES:
            raise AssertionError(f"post counts {counted} graphemes: {rich.text!r}")
        posts.append(
            BlueskyPost(text=rich.text, weight=counted, media=post.media, facets=rich.facets)
        )
    warnings = tuple(
        "bluesky:" + w.removeprefix("mastodon:") if w.startswith("mastodon:") else w
        for w in composed.warnings
    )
    return Posts(posts=tuple(posts), warnings=warnings)


def render_posts(appeal: Appeal) -> Posts:
    """The posts for an appeal as it stands now (withdrawn: none; resolved: one, the
    resolution and the link, no image; otherwise the first post and its thread)."""
    return _convert(compose_posts(appeal, _COMPOSE))


def render_update_posts(appeal: Appeal) -> Posts:
    """One "UPDATE: …" post for a new revision or a resolution, replying to the first one."""
    return _convert(compose_update(appeal, _COMPOSE))


def render_combined_posts(versions: Sequence[Appeal]) -> Posts | None:
    """The appeal in every language of ``versions`` as one thread starting with a bilingual
    post (composed as Mastodon's, counted as Bluesky counts, each post's facets found in its
    own text); None when that post does not fit Bluesky's 300 graphemes."""
    return _convert_combined(compose_combined(versions, _COMPOSE))


def render_combined_update_posts(versions: Sequence[Appeal]) -> Posts | None:
    """One "UPDATE: …" post in every language of ``versions``; None when it does not fit."""
    return _convert_combined(compose_combined_update(versions, _COMPOSE))


def _convert_combined(composed: Posts | None) -> Posts | None:
    """``composed`` as Bluesky posts, or None when its first (bilingual) post is over
    Bluesky's 3000 bytes as posted (the graphemes were counted when it was composed)."""
    if composed is None:
        return None
    if composed.posts and utf8_length(richtext(composed.posts[0].text).text) > MAX_BYTES:
        return None
    return _convert(composed)
