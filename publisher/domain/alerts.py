"""Alerts: what is worth telling a person at once, how an alert is signed, and when a webhook
that did not answer is tried again. Pure: the store keeps the outbox, the services send it.

An alert is written to the ``alerts`` table (the outbox) in the same transaction as the change
it tells of (a delivery became ``failed`` or ``unknown``; a channel was disabled). A task on the
control queue then POSTs it to ``ALERT_WEBHOOK_URL``, signed like Stripe and GitHub sign their
webhooks::

    Publisher-Signature: t=1767225600,v1=<64 lowercase hex digits>

``v1`` is the lowercase hex HMAC-SHA256, keyed with ``ALERT_WEBHOOK_SECRET``, of the bytes
``<t>.<body>``: the decimal Unix time ``t``, a full stop, then the request body exactly as
received. A receiver recomputes it, compares in constant time (:func:`verify_signature` does),
and refuses a ``t`` more than :data:`SIGNATURE_TOLERANCE` seconds away from its own clock (a
replayed request). Every try of one alert carries the same ``id`` in its body and the same
``Idempotency-Key`` header, so a receiver that saw it already answers 2xx and does nothing.

::

    pending ──2xx──▶ delivered
       │ └─no answer, or not 2xx: tried again after alert_backoff(attempts)─┐
       │                                                                   │
       ├── attempts == ALERT_WEBHOOK_MAX_ATTEMPTS ──▶ gave-up  (the console lists it)
       └── no ALERT_WEBHOOK_URL ──▶ not-configured
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

__all__ = [
    "ALERT_BACKOFF_CAP",
    "EVENT_HEADER",
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE",
    "AlertEvent",
    "AlertFacts",
    "AlertStatus",
    "WebhookAnswer",
    "alert_backoff",
    "alert_body",
    "alert_payload",
    "parse_signature_header",
    "sign",
    "signature_header",
    "verify_signature",
]

SIGNATURE_HEADER = "Publisher-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "Publisher-Event"
SIGNATURE_TOLERANCE = 300
"""Seconds a receiver should accept between a signature's ``t`` and its own clock."""
ALERT_BACKOFF_CAP = timedelta(hours=1)


class AlertEvent(StrEnum):
    DELIVERY_FAILED = "delivery.failed"
    """A permanent error: the content or the credentials need fixing, then a retry."""
    DELIVERY_UNKNOWN = "delivery.unknown"
    """It may have gone out: a person checks the platform, then confirms."""
    CHANNEL_DISABLED = "channel.disabled"
    """The platform refused the credentials: nothing more is sent on it until re-enabled."""


class AlertStatus(StrEnum):
    PENDING = "pending"
    """Waiting to be sent (or tried again at ``next_attempt_at``)."""
    DELIVERED = "delivered"
    """The receiver answered 2xx."""
    GAVE_UP = "gave-up"
    """Every try failed: the console lists it, a person must look."""
    NOT_CONFIGURED = "not-configured"
    """No ALERT_WEBHOOK_URL when it was due: never sent (the event is kept)."""


@dataclass(frozen=True)
class WebhookAnswer:
    """What one try of an alert came to."""

    delivered: bool
    """The receiver answered 2xx."""
    status: int | None = None
    """The HTTP status, when there was an answer."""
    error: str | None = None
    """Why it was not delivered (names the receiver's host, never its full address)."""


def alert_backoff(attempts: int, base: timedelta) -> timedelta:
    """How long after the ``attempts``-th failed try the next one is made: ``base`` · 2^(n-1),
    at most :data:`ALERT_BACKOFF_CAP`."""
    if attempts <= 1:
        return min(base, ALERT_BACKOFF_CAP)
    return min(base * (1 << min(attempts - 1, 20)), ALERT_BACKOFF_CAP)


# ------------------------------------------------------------------------------------ payload


@dataclass(frozen=True)
class AlertFacts:
    """What one alert tells, as recorded when it happened."""

    id: str
    """Stable across tries: receivers deduplicate by it."""
    event: AlertEvent
    occurred_at: datetime
    channel: str
    target: str
    state: str
    """The delivery's state (``failed``, ``unknown``), or ``disabled`` for a channel."""
    delivery_id: int | None = None
    appeal_id: str | None = None
    error: str | None = None


def _summary(facts: AlertFacts) -> str:
    where = f"{facts.channel} ({facts.target})"
    if facts.event is AlertEvent.CHANNEL_DISABLED:
        text = f"Channel {where} is disabled"
    elif facts.event is AlertEvent.DELIVERY_UNKNOWN:
        text = (
            f"Delivery {facts.delivery_id} of appeal {facts.appeal_id} on {where} is unknown: "
            "it may have gone out; check the platform, then confirm it"
        )
    else:
        text = f"Delivery {facts.delivery_id} of appeal {facts.appeal_id} on {where} failed"
    return f"{text}. {facts.error}" if facts.error else text + "."


def alert_payload(facts: AlertFacts, *, error: str | None, link: str | None) -> dict[str, Any]:
    """The JSON object POSTed for one alert. ``error`` is the error text already redacted (the
    caller redacts; this module knows no secrets); ``link`` the console page, or None."""
    return {
        "id": facts.id,
        "type": facts.event.value,
        "occurred_at": facts.occurred_at.astimezone(UTC).isoformat(),
        "delivery_id": facts.delivery_id,
        "appeal_id": facts.appeal_id,
        "channel": facts.channel,
        "target": facts.target,
        "state": facts.state,
        "error": error,
        "link": link,
        "text": _summary(replace(facts, error=error)),
    }


def alert_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(
        dict(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


# ---------------------------------------------------------------------------------- signature


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The lowercase hex HMAC-SHA256 of ``<timestamp>.<body>``, keyed with ``secret``."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the :data:`SIGNATURE_HEADER` header: ``t=<unix>,v1=<hex>``."""
    return f"t={int(timestamp)},v1={sign(secret, timestamp, body)}"


def parse_signature_header(value: str) -> tuple[int, tuple[str, ...]] | None:
    """(t, every v1 signature) of a header value, or None when it is not one. Several ``v1``
    values may appear (a sender rotating its secret signs with both)."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in value.split(","):
        key, sep, text = item.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not text.isdigit() or timestamp is not None:
                return None
            timestamp = int(text)
        elif key == "v1":
            signatures.append(text.strip().lower())
    if timestamp is None or not signatures:
        return None
    return timestamp, tuple(signatures)


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    now: float,
    tolerance: float = SIGNATURE_TOLERANCE,
) -> bool:
    """Whether ``header`` (the :data:`SIGNATURE_HEADER` value) signs ``body`` with ``secret``,
    made within ``tolerance`` seconds of ``now`` (Unix time). Constant-time comparison."""
    if not header:
        return False
    parsed = parse_signature_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    # Compare with every candidate, so the time taken does not say which one matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in signatures]
    return any(matches)
