"""The Graph API's usage headers, read after every answer to slow down before a limit.

- ``X-App-Usage``: ``{"call_count": 28, "total_cputime": 25, "total_time": 25}`` (percentages
  of the app's allowance);
- ``X-Page-Usage``: the same for the Page, with ``estimated_time_to_regain_access`` (minutes);
- ``X-Business-Use-Case-Usage``: ``{"<id>": [{"type": "pages", "call_count": …,
  "total_cputime": …, "total_time": …, "estimated_time_to_regain_access": …}]}``.

A header that is missing or not in this shape is ignored (it only ever slows us down).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["SLOW_DOWN_AT", "SLOW_DOWN_FOR", "Usage", "read_usage"]

SLOW_DOWN_AT = 90
"""From this percentage of any allowance, no further call is made for a while."""
SLOW_DOWN_FOR = timedelta(minutes=5)
"""How long to wait when a usage is at or above :data:`SLOW_DOWN_AT` and Facebook gives no
time to regain access (its windows are a rolling hour)."""
_METRICS = ("call_count", "total_cputime", "total_time")
HEADERS = ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage")


@dataclass(frozen=True)
class Usage:
    """The highest percentage any usage header gave, which header, and the longest time to
    regain access (minutes) any of them said."""

    percent: float = 0.0
    header: str | None = None
    regain_minutes: float = 0.0

    def wait_until(self, now: datetime) -> datetime | None:
        """Until when no call should be made, or None when we may carry on."""
        if self.regain_minutes > 0:
            return now + max(timedelta(minutes=self.regain_minutes), SLOW_DOWN_FOR)
        if self.percent >= SLOW_DOWN_AT:
            return now + SLOW_DOWN_FOR
        return None

    def describe(self) -> str:
        text = f"{self.header} at {self.percent:g}%"
        if self.regain_minutes > 0:
            text += f", access regained in {self.regain_minutes:g} min"
        return text


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _entries(header: str, data: Any) -> list[Mapping[str, Any]]:
    if header == "X-Business-Use-Case-Usage":
        if not isinstance(data, Mapping):
            return []
        found: list[Mapping[str, Any]] = []
        for entries in data.values():
            if isinstance(entries, list):
                found.extend(e for e in entries if isinstance(e, Mapping))
        return found
    return [data] if isinstance(data, Mapping) else []


def read_usage(headers: Mapping[str, str]) -> Usage:
    """The usage an answer's headers report (``headers`` looked up case-insensitively, as
    ``requests`` gives them)."""
    best = Usage()
    regain = 0.0
    for header in HEADERS:
        raw = headers.get(header)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for entry in _entries(header, data):
            percent = max(_number(entry.get(metric)) for metric in _METRICS)
            regain = max(regain, _number(entry.get("estimated_time_to_regain_access")))
            if percent > best.percent:
                best = Usage(percent=percent, header=header)
    return Usage(percent=best.percent, header=best.header or HEADERS[0], regain_minutes=regain)
