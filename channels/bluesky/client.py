"""The ``atproto`` client the channel uses, its settings, and record keys derived from a key.

The client (``atproto.Client``) speaks XRPC to the account's PDS (``BLUESKY_SERVICE_URL``):
``com.atproto.server.createSession`` once per process (it is rate limited: 30 per 5 minutes,
300 a day), then the access JWT on every call; the client itself calls
``com.atproto.server.refreshSession`` shortly before the access JWT expires, and the channel
calls it when the PDS says ``ExpiredToken`` anyway. The session's tokens stay in memory and
are never logged or written out.

The HTTP timeouts are (connect, read), so a server that refused the connection is told apart
from one that took the request and never answered. ``atproto`` and ``httpx`` are imported only
when a client is built: rendering never loads them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publisher.domain.secret import Secret

if TYPE_CHECKING:
    from atproto import Client

__all__ = ["DEFAULT_SERVICE_URL", "BlueskySettings", "build_client", "record_key"]

DEFAULT_SERVICE_URL = "https://bsky.social"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
"""The base32-sortable alphabet of a TID (``com.atproto`` record keys of type ``tid``)."""
_TID_START = 1_672_531_200_000_000
"""2023-01-01T00:00:00Z in microseconds."""
_TID_SPAN = 3 * 365 * 86_400_000_000


@dataclass(frozen=True)
class BlueskySettings:
    """The account's PDS, its handle (or DID) and an app password (a Secret)."""

    service_url: str = ""
    handle: str = ""
    app_password: Secret | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @property
    def has_credentials(self) -> bool:
        return bool(self.handle) and self.app_password is not None

    @property
    def base_url(self) -> str:
        return (self.service_url or DEFAULT_SERVICE_URL).rstrip("/")


def build_client(settings: BlueskySettings) -> Client:
    """An ``atproto`` client for ``settings`` (not yet logged in)."""
    if not settings.has_credentials:
        raise ValueError("a Bluesky client needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
    import httpx
    from atproto import Client
    from atproto_client.request import Request

    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    return Client(base_url=settings.base_url, request=Request(timeout=timeout))


def record_key(idempotency_key: str, part: int) -> str:
    """A record key in TID form made from the delivery's key and the post's number in the
    thread: the same on every attempt of the delivery, so a second ``createRecord`` of the same
    post names the same record and the PDS refuses it instead of posting twice.

    A TID is 64 bits written as 13 characters of the base32-sortable alphabet: the top bit 0,
    53 bits of microseconds since 1970, 10 bits of clock id. Both parts come from a SHA-256 of
    the key and number; the time is kept within 2023-2025, so that it is always in the past (a
    record key from the future may be distrusted by the network) and never near the keys the
    PDS makes itself for the account's other records."""
    digest = hashlib.sha256(f"{idempotency_key}\x00{part}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    micros = _TID_START + number % _TID_SPAN
    clock_id = (number >> 54) & 0x3FF
    value = (micros << 10) | clock_id
    characters = []
    for _ in range(13):
        characters.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(characters))
