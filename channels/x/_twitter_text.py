"""twitter-text (``twitter-text-parser``), imported once, on first use, without the real
``pkg_resources``.

Every use of the library in the X channel imports it from here: :mod:`.text` (weights) and
:mod:`.entities` (URLs). See :func:`pkg_resources_stand_in`.

:func:`measure` is the library's ``parse_tweet`` (weighted length and validity), computed the
same way from the library's own configuration, URL extractor, emoji expression and invalid
characters, but without its costs: ``parse_tweet`` runs the emoji expression (an alternation of
every emoji sequence) over every text, and weighs every character through a list search. Here
the expression runs only on a text that holds a character some emoji is made of, and runs of
plain characters are weighed at once. ``tests/unit/test_x_weighing.py`` compares the two on the
conformance cases and on thousands of generated texts.
"""

from __future__ import annotations

import re
import sys
import threading
import types
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

__all__ = [
    "extract_urls_with_indices",
    "has_invalid_characters",
    "measure",
    "parse_tweet",
    "pkg_resources_stand_in",
    "scheme_url_spans",
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


class _Library:
    """What this module uses of twitter-text, imported (and its expressions compiled) once,
    on first use: the URL, emoji and invalid-character expressions take a few tenths of a
    second to build, which a process that renders no post (a rebuild in which no appeal
    changed, the web app starting) would otherwise pay at import."""

    def __init__(self) -> None:
        with pkg_resources_stand_in():
            from twitter_text import parse_tweet
            from twitter_text.config import config
            from twitter_text.extract_urls import extract_urls_with_indices
            from twitter_text.parse_tweet import has_invalid_characters
            from twitter_text.regexp.emoji import emoji, emoji_list
            from twitter_text.regexp.invalid_chars import invalid_chars

        self.parse_tweet = parse_tweet
        self.extract_urls_with_indices = extract_urls_with_indices
        self.has_invalid_characters = has_invalid_characters
        self.emoji_expression: re.Pattern[str] = emoji
        self.invalid_chars: re.Pattern[str] = invalid_chars
        options: dict[str, Any] = config["defaults"]  # what parse_tweet uses given no options
        self.scale: int = options["scale"]
        self.url_weight: int = options["transformed_url_length"] * self.scale
        self.emoji_weight: int = options["default_weight"]
        self.default_weight: int = options["default_weight"]
        self.max_length: int = options["max_weighted_tweet_length"]
        self.ranges: tuple[tuple[int, int, int], ...] = tuple(
            (r["start"], r["end"], r["weight"]) for r in options["ranges"]
        )
        # A match of the emoji expression is either one of its multi-code-point sequences,
        # all of whose characters are then in the text, or one character of its
        # single-code-point class. So a text can hold an emoji only if it holds a character of
        # the class or, for each sequence, one chosen character of it (its first non-ASCII
        # one: digits and "#" begin keycap sequences, but "\u20e3" ends them). A text without
        # any of these holds no emoji, and needs no search.
        sequences = [
            "".join(chr(int(point, 16)) for point in entry.codepoint.split())
            for entry in emoji_list
        ]
        self.sequence_marks = frozenset(
            next((ch for ch in sequence if not ch.isascii()), sequence[0])
            for sequence in sequences
            if len(sequence) > 1
        )


@cache
def _library() -> _Library:
    return _Library()


def parse_tweet(text: str) -> Any:
    """The library's ``parse_tweet(text)`` with its default options (what X counts)."""
    return _library().parse_tweet(text)


def extract_urls_with_indices(
    text: str, extract_urls_without_protocol: bool = True
) -> list[dict[str, Any]]:
    """The library's ``extract_urls_with_indices``."""
    found: list[dict[str, Any]] = _library().extract_urls_with_indices(
        text, extract_urls_without_protocol
    )
    return found


@lru_cache(maxsize=16_384)
def _line_scheme_urls(line: str) -> tuple[tuple[int, int], ...]:
    return tuple(
        (found["indices"][0], found["indices"][1])
        for found in extract_urls_with_indices(line, False)
    )


def scheme_url_spans(text: str) -> list[tuple[int, int]]:
    """Where ``extract_urls_with_indices(text, False)`` finds its URLs (those with a scheme,
    as Mastodon and Bluesky link them): ``(start, end)`` each, found line by line.

    The same, because a URL never holds a line break, and a line break before one is a
    character a URL may follow, as the start of a text is; each distinct line (a contact, the
    link line of a status) is searched once, however many posts show it.
    """
    if ":" not in text:  # the library's own shortcut: no scheme, no URL
        return []
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((offset + start, offset + end) for start, end in _line_scheme_urls(line))
        offset += len(line) + 1
    return spans


def has_invalid_characters(text: str) -> bool:
    """The library's ``has_invalid_characters``."""
    return bool(_library().has_invalid_characters(text))


_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")  # parse_tweet's convert_line_ending


@cache
def _may_be_emoji(char: str) -> bool:
    library = _library()
    return char in library.sequence_marks or library.emoji_expression.fullmatch(char) is not None


@cache
def _char_weight(char: str) -> int:
    point = ord(char)
    library = _library()
    for start, end, weight in library.ranges:
        if start <= point <= end:
            return weight
    return library.default_weight


def _plain_weight(text: str) -> int:
    if text.isascii():  # all in the first range
        return len(text) * _char_weight("a")
    return sum(map(_char_weight, text))


def measure(text: str) -> tuple[int, bool]:
    """``(weightedLength, valid)`` of ``parse_tweet(text)``, exactly."""
    library = _library()
    text = _LINE_ENDINGS.sub("\n", unicodedata.normalize("NFC", text))
    # Entities by start index, as parse_tweet keys them; a URL wins over an emoji there.
    entities: dict[int, tuple[int, int]] = {}
    if any(map(_may_be_emoji, set(text))):
        for match in library.emoji_expression.finditer(text):
            entities[match.start()] = (len(match.group(0)), library.emoji_weight)
    for url in extract_urls_with_indices(text):
        entities[url["indices"][0]] = (len(url["url"]), library.url_weight)
    total = 0
    valid = True
    position = 0
    for start in sorted(entities):
        if start < position:  # inside the entity before: parse_tweet stepped over it
            continue
        plain = text[position:start]
        total += _plain_weight(plain)
        length, weight = entities[start]
        total += weight
        # parse_tweet checks each character it steps on: plain ones and an entity's first.
        valid = valid and library.invalid_chars.search(plain + text[start]) is None
        position = start + length
    plain = text[position:]
    total += _plain_weight(plain)
    valid = valid and library.invalid_chars.search(plain) is None
    weighted = int(total / library.scale)
    return weighted, valid and 0 < weighted <= library.max_length
