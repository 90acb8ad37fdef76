"""The tweepy client itself: :class:`XClient` and the session that rebases tweepy's URLs.

Separate from :mod:`.client` so that the settings and the channel can be imported, and appeals
rendered, without importing tweepy or requests (see :mod:`.client` for why the session).
"""

from __future__ import annotations

from typing import Any

import requests
import tweepy

from publisher.channels.x.client import TWEEPY_HOST, XSettings

__all__ = ["XClient"]


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
