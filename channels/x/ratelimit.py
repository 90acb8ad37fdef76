"""The X rate limits we last saw, so we stop *before* a limit instead of hitting it.

X sends, on every response:

- ``x-rate-limit-limit`` / ``-remaining`` / ``-reset``: the 15-minute window of one endpoint;
- ``x-user-limit-24hour-limit`` / ``-remaining`` / ``-reset``: the user's posts per 24 hours;
- ``x-app-limit-24hour-limit`` / ``-remaining`` / ``-reset``: the app's posts per 24 hours.

Resets are epoch seconds. The worker never sleeps on a limit: :meth:`RateLimitState.check`
raises :class:`~publisher.errors.TransientPublishError` with ``retry_at`` and the scheduler
puts the delivery back until then. ``to_dict``/``from_dict`` let the scheduler persist the state
between processes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from publisher.errors import TransientPublishError

__all__ = ["Limit", "RateLimitState"]

_FAMILIES = {
    "window": "x-rate-limit",
    "user-24h": "x-user-limit-24hour",
    "app-24h": "x-app-limit-24hour",
}


@dataclass(frozen=True)
class Limit:
    """One limit as last reported: how many calls are left until ``reset``."""

    remaining: int
    reset: datetime
    limit: int | None = None

    def exhausted(self, now: datetime, needed: int = 1) -> bool:
        return self.remaining < needed and now < self.reset


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


class RateLimitState:
    """Thread-safe record of the limits per endpoint (``"POST /2/tweets"``) and family."""

    def __init__(self, limits: Mapping[str, Limit] | None = None) -> None:
        self._lock = threading.Lock()
        self._limits: dict[str, Limit] = dict(limits or {})

    def __repr__(self) -> str:
        return f"RateLimitState({self._limits!r})"

    @staticmethod
    def _key(endpoint: str, family: str) -> str:
        return f"{endpoint} {family}"

    def update(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Record the limits an ``endpoint`` response reported (missing headers: unchanged)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            for family, prefix in _FAMILIES.items():
                remaining = _int(lowered.get(f"{prefix}-remaining"))
                reset = _int(lowered.get(f"{prefix}-reset"))
                if remaining is None or reset is None:
                    continue
                self._limits[self._key(endpoint, family)] = Limit(
                    remaining=remaining,
                    reset=datetime.fromtimestamp(reset, UTC),
                    limit=_int(lowered.get(f"{prefix}-limit")),
                )

    def get(self, endpoint: str, family: str = "window") -> Limit | None:
        with self._lock:
            return self._limits.get(self._key(endpoint, family))

    def blocked_until(self, endpoint: str, now: datetime, needed: int = 1) -> datetime | None:
        """When ``needed`` more calls to ``endpoint`` become possible, if not now.

        A limit whose size is known and smaller than ``needed`` can never hold them all; then
        only one call is required now (the thread is posted across windows).
        """
        with self._lock:
            limits = [
                limit for key, limit in self._limits.items() if key.startswith(endpoint + " ")
            ]
        blocking = []
        for limit in limits:
            want = needed if limit.limit is None or limit.limit >= needed else 1
            if limit.exhausted(now, want):
                blocking.append(limit.reset)
        return max(blocking) if blocking else None

    def check(self, endpoint: str, now: datetime, needed: int = 1) -> None:
        """Raise :class:`TransientPublishError` if ``endpoint`` must not be called now."""
        until = self.blocked_until(endpoint, now, needed)
        if until is not None:
            raise TransientPublishError(
                f"X rate limit for {endpoint} reached; it resets at {until.isoformat()}",
                retry_at=until,
            )

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                key: {
                    "remaining": limit.remaining,
                    "reset": int(limit.reset.timestamp()),
                    "limit": limit.limit,
                }
                for key, limit in sorted(self._limits.items())
            }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimitState:
        limits = {}
        for key, value in data.items():
            limits[str(key)] = Limit(
                remaining=int(value["remaining"]),
                reset=datetime.fromtimestamp(int(value["reset"]), UTC),
                limit=None if value.get("limit") is None else int(value["limit"]),
            )
        return cls(limits)
