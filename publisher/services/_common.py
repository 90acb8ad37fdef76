"""What every use case shares: the clock convention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "seconds", "utc"]

Clock = Callable[[], datetime]
"""Returns the current time, aware UTC."""


def utc(now: datetime | None) -> datetime:
    """``now`` in UTC (the current time when None); a naive datetime is refused."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()} given where an aware one is needed")
    return now.astimezone(UTC)


def seconds(value: float | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
