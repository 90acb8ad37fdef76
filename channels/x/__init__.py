"""The ``x`` channel: appeals as X posts and threads, published with tweepy."""

from __future__ import annotations

from publisher.channels.x.channel import XChannel, request_was_sent, translate_http_error
from publisher.channels.x.client import XClient, XSettings
from publisher.channels.x.fetch import FetchedImage, ImageFetcher, fetch_image
from publisher.channels.x.ratelimit import Limit, RateLimitState

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
