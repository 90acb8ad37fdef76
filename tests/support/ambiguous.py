"""A channel for process tests whose every publication may or may not have gone out:
PUBLISHER_EXTRA_CHANNELS ``maybe=tests.support.ambiguous:ambiguous_channel``. It is not
idempotent, so each delivery on it ends ``unknown`` (a person confirms), as an X post whose
answer was lost would. The error names the configured X_API_KEY, as a careless library's
message might, so tests can check that alerts and logs redact it."""

from __future__ import annotations

import os

from publisher.channel import Receipt, Rendition, Target
from publisher.errors import AmbiguousPublishError
from publisher.settings import Settings
from publisher.testing import FakeChannel

__all__ = ["ERROR", "ambiguous_channel"]

ERROR = "the connection dropped after the request was sent"


class _AlwaysAmbiguous(FakeChannel):
    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        key = os.environ.get("X_API_KEY", "")
        raise AmbiguousPublishError(f"{ERROR} (https://api.example/2/tweets?api_key={key})")


def ambiguous_channel(settings: Settings) -> FakeChannel:
    return _AlwaysAmbiguous("maybe", idempotent=False)
