"""The tweepy client, pointed at a configurable X API, and X's v2 media endpoints.

tweepy 4.17's ``Client.request`` builds every URL as ``"https://api.twitter.com" + route`` and
calls ``session.request`` without a timeout. The smallest override that keeps all of tweepy's
own behaviour (OAuth 1.0a signing, the status-code → exception mapping) is the session: ours
rewrites that host to ``X_API_BASE_URL`` (``/2/media/*`` to ``X_UPLOAD_BASE_URL``) and adds
connect/read timeouts. OAuth signs the prepared request, so the signature covers the real URL.
:class:`XClient` lives in :mod:`._tweepy` and is loaded from there on first use (``tweepy`` and
``requests`` are for talking to X; rendering never imports them).

tweepy 4.17 has no v2 media upload (``Client.media_upload`` does not exist) and its v1.1
``API.media_upload`` targets endpoints X retired in 2025 (and imports the deprecated ``imghdr``).
So :func:`upload_image` calls X's v2 endpoints through tweepy's own ``Client.request``:
``POST /2/media/upload`` (JSON: base64 ``media``, ``media_category``, ``media_type``) and
``POST /2/media/metadata`` (``{"id", "metadata": {"alt_text": {"text"}}}``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from publisher.domain.secret import Secret

if TYPE_CHECKING:
    import requests

    from publisher.channels.x._tweepy import XClient

__all__ = [
    "CREATE_TWEET",
    "DELETE_TWEET",
    "MEDIA_METADATA",
    "MEDIA_UPLOAD",
    "TWEEPY_HOST",
    "XClient",
    "XSettings",
    "set_alt_text",
    "upload_image",
]


TWEEPY_HOST = "https://api.twitter.com"
"""The host tweepy 4.17 hard-codes in ``BaseClient.request``."""
CREATE_TWEET = "POST /2/tweets"
DELETE_TWEET = "DELETE /2/tweets/:id"
MEDIA_UPLOAD = "POST /2/media/upload"
MEDIA_METADATA = "POST /2/media/metadata"


@dataclass(frozen=True)
class XSettings:
    """Where the X API is and the OAuth 1.0a user-context credentials to call it with."""

    api_key: Secret | None = None
    api_secret: Secret | None = None
    access_token: Secret | None = None
    access_token_secret: Secret | None = None
    api_base_url: str = "https://api.x.com"
    upload_base_url: str = ""
    """Media uploads; empty means the same host as ``api_base_url`` (where X serves v2 media)."""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @property
    def has_credentials(self) -> bool:
        return None not in (
            self.api_key,
            self.api_secret,
            self.access_token,
            self.access_token_secret,
        )


def upload_image(client: Any, content: bytes, media_type: str) -> requests.Response:
    """``POST /2/media/upload`` (one-shot, JSON, base64) through tweepy's ``Client.request``."""
    body = {
        "media": base64.b64encode(content).decode("ascii"),
        "media_category": "tweet_image",
        "media_type": media_type,
        "shared": False,
    }
    response: requests.Response = client.request(
        "POST", "/2/media/upload", json=body, user_auth=True
    )
    return response


def set_alt_text(client: Any, media_id: str, alt_text: str) -> requests.Response:
    """``POST /2/media/metadata`` with the image's alt text."""
    body = {"id": media_id, "metadata": {"alt_text": {"text": alt_text}}}
    response: requests.Response = client.request(
        "POST", "/2/media/metadata", json=body, user_auth=True
    )
    return response


def __getattr__(name: str) -> object:
    """``XClient``, imported (with tweepy) when it is first asked for."""
    if name == "XClient":
        from publisher.channels.x._tweepy import XClient

        return XClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
