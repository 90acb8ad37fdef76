"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu's own ``_put`` creates the message file under its final name, then writes it; a consumer
polling the folder in between moves and reads an empty (or half-written) file, fails to decode
it, and the worker stops with "Unrecoverable error: JSONDecodeError". Seen in this project's
suite as a beat that exited while the dispatcher ticked. Here a message is written under a name
no consumer looks at, flushed, then renamed into place: a rename within one folder is atomic,
so a consumer sees either no message or the whole of it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from time import monotonic
from typing import Any, cast

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils import json as kombu_json

__all__ = ["Channel", "Transport"]

_dumps = cast(Callable[[Any], str], kombu_json.dumps)
"""kombu's JSON (it knows the types its messages carry), typed."""

_INCOMING = ".incoming-"
"""The prefix of a message being written. kombu's consumer takes only files named
``<time>_<uuid>.<queue>.msg`` (everything after the first dot is ``<queue>.msg``), which these
names can never be."""


class Channel(filesystem.Channel):
    # kombu names the second argument "message" in its base class and "payload" here.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` on ``queue``, whole or not at all."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        final = os.path.join(folder, name)
        partial = os.path.join(folder, f"{_INCOMING}{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as out:
                out.write(_dumps(payload).encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
        except OSError as exc:
            # Never created, or already renamed: either way nothing half-written is left.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
