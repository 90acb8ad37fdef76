"""The ``x`` channel: appeals as X posts and threads, published with tweepy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publisher.channels.x.channel import XChannel, request_was_sent, translate_http_error
from publisher.channels.x.client import XSettings
from publisher.channels.x.fetch import FetchedImage, ImageFetcher, fetch_image
from publisher.channels.x.ratelimit import Limit, RateLimitState

if TYPE_CHECKING:
    from publisher.channels.x._tweepy import XClient

__all__ = [
    "FetchedImage",
    "ImageFetcher",
    "Limit",
    "RateLimitState",
    "XChannel",
    "XClient",
    "XSettings",
    "fetch_image",
    "request_was_sent",
    "translate_http_error",
]


def __getattr__(name: str) -> object:
    """``XClient``, imported (with tweepy) when it is first asked for: rendering never is."""
    if name == "XClient":
        from publisher.channels.x._tweepy import XClient

        return XClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
