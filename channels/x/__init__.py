"""The ``x`` channel: appeals as X posts and threads, published with tweepy."""

from __future__ import annotations

from channels.x.channel import XChannel, request_was_sent, translate_http_error
from channels.x.client import XClient, XSettings
from channels.x.fetch import FetchedImage, ImageFetcher, fetch_image
from channels.x.ratelimit import Limit, RateLimitState

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
