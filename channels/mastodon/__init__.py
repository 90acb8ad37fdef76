"""The ``mastodon`` channel: appeals as Mastodon statuses and threads, posted with Mastodon.py."""

from __future__ import annotations

from publisher.channels.mastodon.channel import (
    LIMITS_MAX_AGE,
    MastodonChannel,
    translate_error,
)
from publisher.channels.mastodon.client import (
    MastodonSettings,
    build_client,
    limits_from_instance,
)
from publisher.channels.mastodon.render import DEFAULT_LIMITS, MastodonLimits
from publisher.channels.mastodon.text import fits, graphemes, weigh

__all__ = [
    "DEFAULT_LIMITS",
    "LIMITS_MAX_AGE",
    "MastodonChannel",
    "MastodonLimits",
    "MastodonSettings",
    "build_client",
    "fits",
    "graphemes",
    "limits_from_instance",
    "translate_error",
    "weigh",
]
