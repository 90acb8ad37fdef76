"""twitter-text (``twitter-text-parser``), imported once without the real ``pkg_resources``.

Every use of the library in the X channel imports it from here: :mod:`.text` (weights) and
:mod:`.entities` (URLs). See :func:`pkg_resources_stand_in`.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

__all__ = [
    "extract_urls_with_indices",
    "has_invalid_characters",
    "parse_tweet",
    "pkg_resources_stand_in",
]

_STAND_IN_LOCK = threading.RLock()


@contextmanager
def pkg_resources_stand_in() -> Iterator[None]:
    """Import ``twitter_text`` inside this block: it then never needs the real pkg_resources.

    ``twitter_text.regexp.emoji`` runs ``import pkg_resources`` and
    ``pkg_resources.resource_string(__name__, "emoji-test.txt")`` at import time. Current
    setuptools no longer ships pkg_resources (and older ones warn on import), so for the
    duration of the block ``sys.modules["pkg_resources"]`` is a minimal stand-in whose
    ``resource_string`` reads the file with :mod:`importlib.resources`. Whatever was there
    before (the real module, or nothing) is put back afterwards; a lock keeps threads that
    enter the block at once from restoring each other's stand-in.
    """

    def resource_string(module_name: str, resource: str) -> bytes:
        package = sys.modules[module_name].__package__ or module_name
        return files(package).joinpath(resource).read_bytes()

    stand_in = types.ModuleType("pkg_resources", "Stand-in for importing twitter_text only.")
    stand_in.__dict__["resource_string"] = resource_string
    name = "pkg_resources"
    with _STAND_IN_LOCK:
        before = {name: sys.modules[name]} if name in sys.modules else {}
        sys.modules[name] = stand_in
        try:
            yield
        finally:
            sys.modules.pop(name, None)
            sys.modules.update(before)


with pkg_resources_stand_in():
    from twitter_text import parse_tweet
    from twitter_text.extract_urls import extract_urls_with_indices
    from twitter_text.parse_tweet import has_invalid_characters
