"""The ``web`` channel: accessible, static HTML pages (:mod:`.channel`), built from view
models (:mod:`.views`) by the Jinja2 templates in ``templates/web/``."""

from __future__ import annotations

from publisher.channels.web.channel import WebChannel
from publisher.channels.web.views import RESERVED_SEGMENTS, human_time

__all__ = ["RESERVED_SEGMENTS", "WebChannel", "human_time"]
