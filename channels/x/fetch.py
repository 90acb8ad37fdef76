"""Fetching the share image to upload it. Injectable: ``XChannel(fetch_image=…)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publisher.errors import PermanentPublishError, TransientPublishError

__all__ = ["IMAGE_TYPES", "MAX_IMAGE_BYTES", "FetchedImage", "ImageFetcher", "fetch_image"]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""X accepts images up to 5 MB."""
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class FetchedImage:
    content: bytes
    media_type: str

    def __repr__(self) -> str:
        return f"FetchedImage({self.media_type}, {len(self.content)} bytes)"


ImageFetcher = Callable[[str], FetchedImage]
"""Takes the image URL; returns its bytes and type, or raises a PublishError."""


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def fetch_image(url: str, *, timeout: float = 10.0) -> FetchedImage:
    """GET ``url`` (http or https only) and check it is an image X accepts.

    Network trouble and 5xx/429 are transient; a 4xx, a file too large, or bytes that are not
    a JPEG, PNG, GIF or WebP image are permanent (the record's image needs fixing).
    """
    if not url.startswith(("http://", "https://")):
        raise PermanentPublishError(f"the share image URL is not http(s): {url!r}")
    # Here, on the way to a platform: a build imports this module (every social channel names
    # this fetcher) but never fetches, and urllib.request brings http.client and ssl with it.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "publisher (share image)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read(MAX_IMAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TransientPublishError(f"share image {url}: HTTP {exc.code}") from exc
        raise PermanentPublishError(f"share image {url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TransientPublishError(f"share image {url} could not be fetched: {exc}") from exc
    if len(content) > MAX_IMAGE_BYTES:
        raise PermanentPublishError(f"share image {url} is larger than X's 5 MB limit")
    media_type = _sniff(content)
    if media_type is None:
        raise PermanentPublishError(f"share image {url} is not a JPEG, PNG, GIF or WebP image")
    return FetchedImage(content=content, media_type=media_type)
