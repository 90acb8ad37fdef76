"""The ``facebook`` channel: appeals as Facebook Page posts, through the Graph API."""

from __future__ import annotations

from publisher.channels.facebook.channel import (
    DEFAULT_API_VERSION,
    DEFAULT_GRAPH_URL,
    OUTBOX_FILE,
    FacebookChannel,
    FacebookSettings,
    GraphError,
    classify,
)
from publisher.channels.facebook.render import (
    FACEBOOK_LIMITS,
    MAX_CHARACTERS,
    render_posts,
    render_update_posts,
    weigh,
)
from publisher.channels.facebook.usage import SLOW_DOWN_AT, Usage, read_usage

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_GRAPH_URL",
    "FACEBOOK_LIMITS",
    "MAX_CHARACTERS",
    "OUTBOX_FILE",
    "SLOW_DOWN_AT",
    "FacebookChannel",
    "FacebookSettings",
    "GraphError",
    "Usage",
    "classify",
    "read_usage",
    "render_posts",
    "render_update_posts",
    "weigh",
]
