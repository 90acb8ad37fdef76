"""The tweepy client, pointed at a configurable X API, and X's v2 media endpoints.

tweepy 4.17's ``Client.request`` builds every URL as ``"https://api.twitter.com" + route`` and
calls ``session.request`` without a timeout. The smallest override that keeps all of tweepy's
own behaviour (OAuth 1.0a signing, the status-code → exception mapping) is the session: ours
rewrites that host to ``X_API_BASE_URL`` (``/2/media/*`` to ``X_UPLOAD_BASE_URL``) and adds
connect/read timeouts. OAuth signs the prepared request, so the signature covers the real URL.

tweepy 4.17 has no v2 media upload (``Client.media_upload`` does not exist) and its v1.1
``API.media_upload`` targets endpoints X retired in 2025 (and imports the deprecated ``imghdr``).
So :func:`upload_image` calls X's v2 endpoints through tweepy's own ``Client.request``:
``POST /2/media/upload`` (JSON: base64 ``media``, ``media_category``, ``media_type``) and
``POST /2/media/metadata`` (``{"id", "metadata": {"alt_text": {"text"}}}``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import requests
import tweepy

from publisher.domain.secret import Secret

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


class _RebasedSession(requests.Session):
    """A requests session that sends tweepy's ``api.twitter.com`` URLs to our hosts."""

    def __init__(self, api_base_url: str, upload_base_url: str, timeout: tuple[float, float]):
        super().__init__()
        self.api_base_url = api_base_url.rstrip("/")
        self.upload_base_url = (upload_base_url or api_base_url).rstrip("/")
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, str) and url.startswith(TWEEPY_HOST + "/"):
            route = url[len(TWEEPY_HOST) :]
            base = self.upload_base_url if route.startswith("/2/media/") else self.api_base_url
            url = base + route
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class XClient(tweepy.Client):  # type: ignore[misc]
    """``tweepy.Client`` for OAuth 1.0a user context, configurable hosts, raw responses.

    ``return_type`` is ``requests.Response`` so the caller sees the rate-limit headers of
    successful calls too; ``wait_on_rate_limit`` is off: a worker never sleeps on a limit.
    """

    def __init__(self, settings: XSettings) -> None:
        if not settings.has_credentials:
            raise ValueError("XClient needs all four X credentials")
        assert settings.api_key and settings.api_secret  # for the type checker
        assert settings.access_token and settings.access_token_secret
        super().__init__(
            consumer_key=settings.api_key.reveal(),
            consumer_secret=settings.api_secret.reveal(),
            access_token=settings.access_token.reveal(),
            access_token_secret=settings.access_token_secret.reveal(),
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self.session = _RebasedSession(
            settings.api_base_url,
            settings.upload_base_url,
            (settings.connect_timeout, settings.read_timeout),
        )

    def __repr__(self) -> str:
        return f"XClient(api={self.session.api_base_url!r})"

    def close(self) -> None:
        self.session.close()


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
