"""A channel for process tests whose every publication takes a while: PUBLISHER_EXTRA_CHANNELS
``slow=tests.support.slowchannel:slow_channel``, ``SLOW_CHANNEL_SECONDS`` long (default 8)."""

from __future__ import annotations

import os

from publisher.settings import Settings
from publisher.testing import FakeChannel

__all__ = ["slow_channel"]


def slow_channel(settings: Settings) -> FakeChannel:
    return FakeChannel(
        "slow", idempotent=True, delay=float(os.environ.get("SLOW_CHANNEL_SECONDS", "8"))
    )
