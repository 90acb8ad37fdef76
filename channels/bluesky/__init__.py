"""The ``bluesky`` channel: appeals as Bluesky posts and threads, posted with ``atproto``."""

from __future__ import annotations

from publisher.channels.bluesky.channel import BlueskyChannel, translate_error
from publisher.channels.bluesky.client import (
    DEFAULT_SERVICE_URL,
    BlueskySettings,
    build_client,
    record_key,
)
from publisher.channels.bluesky.render import LIMITS, BlueskyPost, render_posts
from publisher.channels.bluesky.text import Facet, graphemes, link_label, richtext

__all__ = [
    "DEFAULT_SERVICE_URL",
    "LIMITS",
    "BlueskyChannel",
    "BlueskyPost",
    "BlueskySettings",
    "Facet",
    "build_client",
    "graphemes",
    "link_label",
    "record_key",
    "render_posts",
    "richtext",
    "translate_error",
]
