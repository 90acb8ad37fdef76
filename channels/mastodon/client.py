"""The Mastodon.py client the channel uses, and the instance's limits read from its answer.

Mastodon.py (2.x) is built here with what a worker needs:

- ``ratelimit_method="throw"``: a worker never sleeps on a limit; a 429 raises
  ``MastodonRatelimitError`` and the channel reads the reset (``X-RateLimit-Reset``, which
  Mastodon.py parses into ``ratelimit_reset``, corrected by the server's ``Date``) itself;
- ``mastodon_version="4.0.0"`` with ``version_check_mode="created"``: no extra request to
  learn the version (``/api/v2/instance`` needs 4.0, which every supported Mastodon is). Not
  ``"none"``: Mastodon.py 2.3 then ignores the given version, takes the server for 1.0.0 and
  uploads media to the deprecated ``/api/v1/media`` (the fake serves only ``/api/v2/media``,
  so the tests would show it);
- a (connect, read) timeout, so that a refused or unreachable server is told apart from one
  that took the request and never answered.

Requests made (all under ``MASTODON_BASE_URL``, with ``Authorization: Bearer …``):
``GET /api/v2/instance/`` (limits), ``POST /api/v2/media`` (multipart ``file`` and
``description``: the alt text), ``POST /api/v1/statuses`` (form ``status``, ``in_reply_to_id``,
``media_ids[]``, ``visibility``; header ``Idempotency-Key``), ``DELETE /api/v1/statuses/:id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from publisher.channels.mastodon.render import DEFAULT_LIMITS, MastodonLimits
from publisher.domain.secret import Secret

if TYPE_CHECKING:
    from mastodon import Mastodon

__all__ = ["MastodonSettings", "build_client", "limits_from_instance"]

USER_AGENT = "publisher (police appeals)"


@dataclass(frozen=True)
class MastodonSettings:
    """Where the account's instance is and the access token to post with (a Secret)."""

    base_url: str = ""
    access_token: Secret | None = None
    visibility: str = "public"
    """Appeals are public: they are meant to be shared."""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @property
    def has_credentials(self) -> bool:
        return bool(self.base_url) and self.access_token is not None


def build_client(settings: MastodonSettings) -> Mastodon:
    """A Mastodon.py client for ``settings`` (which must have credentials)."""
    if not settings.has_credentials:
        raise ValueError("a Mastodon client needs MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN")
    assert settings.access_token is not None
    from mastodon import Mastodon  # here: rendering never needs Mastodon.py

    # requests takes a (connect, read) pair; Mastodon.py passes request_timeout on as it is.
    timeout = cast(float, (settings.connect_timeout, settings.read_timeout))
    return Mastodon(
        access_token=settings.access_token.reveal(),
        api_base_url=settings.base_url.rstrip("/"),
        ratelimit_method="throw",
        request_timeout=timeout,
        mastodon_version="4.0.0",
        version_check_mode="created",
        user_agent=USER_AGENT,
    )


def _whole(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value


def limits_from_instance(instance: Mapping[str, Any]) -> MastodonLimits:
    """The limits in a ``GET /api/v2/instance`` answer (``configuration.statuses`` and
    ``configuration.media_attachments``); Mastodon's defaults for what it leaves out.

    Raises ``ValueError`` when the answer has no usable ``configuration`` at all.
    """
    configuration = instance.get("configuration")
    if not isinstance(configuration, Mapping):
        raise ValueError("the instance's answer has no configuration")
    statuses = configuration.get("statuses") or {}
    media = configuration.get("media_attachments") or {}
    if not isinstance(statuses, Mapping) or not isinstance(media, Mapping):
        raise ValueError("the instance's configuration is not in Mastodon's shape")
    return MastodonLimits(
        name="Mastodon",
        max_weight=_whole(statuses.get("max_characters"), DEFAULT_LIMITS.max_weight),
        max_media=_whole(statuses.get("max_media_attachments"), DEFAULT_LIMITS.max_media),
        characters_per_url=_whole(
            statuses.get("characters_reserved_per_url"), DEFAULT_LIMITS.characters_per_url
        ),
        max_alt=_whole(media.get("description_limit"), DEFAULT_LIMITS.max_alt),
    )
