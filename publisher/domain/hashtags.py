"""Hashtags as X reads them: twitter-text's extraction rules, pure (``re`` and ``unicodedata``).

A hashtag is a ``#`` or ``＃`` not preceded by ``&`` or by a hashtag character (a variation
selector is fine: "✌️#tag"), then letters, marks, decimal digits and twitter-text's special
characters (``_``, ZWNJ, ZWJ, the Hebrew maqaf, geresh and gershayim, the middle dot, the
katakana middle dot, the wave dash, …), with at least one letter or mark (``#122`` and ``#_``
are not hashtags), not followed by ``#`` or ``://``, and not a keycap (``#`` + U+FE0F/U+20E3).
Letters and marks are Unicode's L* and M* categories, digits its Nd.

The record's ``hashtags`` field, the importers and the X channel (``channels/x/entities.py``,
which also keeps hashtags out of URLs) all use these rules, so a tag one accepts the others do.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

__all__ = [
    "END_OF_HASHTAG",
    "HASH_SIGNS",
    "SCANNED",
    "SPECIAL",
    "VARIATION_SELECTORS",
    "Ranges",
    "hashtag_pattern",
    "hashtag_pattern_text",
    "is_valid_tag",
    "scan_unicode",
    "unicode_ranges",
]

HASH_SIGNS = "#＃"
SPECIAL = (
    "_"
    "\u200c"  # ZERO WIDTH NON-JOINER
    "\u200d"  # ZERO WIDTH JOINER
    "\ua67e"  # CYRILLIC KAVYKA
    "\u05be"  # HEBREW PUNCTUATION MAQAF
    "\u05f3"  # HEBREW PUNCTUATION GERESH
    "\u05f4"  # HEBREW PUNCTUATION GERSHAYIM
    "\uff5e"  # FULLWIDTH TILDE
    "\u301c"  # WAVE DASH
    "\u309b"  # KATAKANA-HIRAGANA VOICED SOUND MARK
    "\u309c"  # KATAKANA-HIRAGANA SEMI-VOICED SOUND MARK
    "\u30a0"  # KATAKANA-HIRAGANA DOUBLE HYPHEN
    "\u30fb"  # KATAKANA MIDDLE DOT
    "\u3003"  # DITTO MARK
    "\u0f0b"  # TIBETAN MARK INTERSYLLABIC TSHEG
    "\u0f0c"  # TIBETAN MARK DELIMITER TSHEG BSTAR
    "\u00b7"  # MIDDLE DOT
)
"""twitter-text's ``HASHTAG_SPECIAL_CHARS``: allowed in a hashtag, but not alone."""
VARIATION_SELECTORS = "\ufe0e\ufe0f"
SCANNED = (range(0x40000), range(0xE0000, 0xE1000))
"""The code points looked at for letters, marks and digits: planes 0 to 3 and plane 14's
variation selectors. Planes 4 to 13 and the private-use planes hold none (a test checks it
against this Python's Unicode data), and skipping them makes the first use four times faster."""
END_OF_HASHTAG = re.compile(rf"[{HASH_SIGNS}]|://")
"""What may not follow a hashtag ("#tag#more", "#http://…")."""


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def is_valid_tag(tag: str) -> bool:
    """Whether ``tag`` (without its ``#``) is a whole hashtag: ``FindSam``, ``מצאו_את_שרה``,
    ``खोज``; not ``122``, ``_``, ``Find Sam`` or ``Find-Sam``."""
    return (
        bool(tag)
        and any(_is_letter(char) for char in tag)
        and all(
            _is_letter(char) or unicodedata.category(char) == "Nd" or char in SPECIAL
            for char in tag
        )
    )


Ranges = tuple[tuple[int, int], ...]
"""Code points as ``(first, last)`` runs, ascending, not touching one another."""


def _runs(codes: Iterable[int]) -> Ranges:
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return tuple(runs)


def scan_unicode() -> tuple[Ranges, Ranges]:
    """The hashtag letters (Unicode's L* and M*) and numerals (Nd and :data:`SPECIAL`) among the
    :data:`SCANNED` code points, from this Python's Unicode data: one pass over its categories,
    which takes a noticeable part of a second. :mod:`publisher.domain._hashtag_ranges` holds
    the result for one Unicode version (a test compares the two)."""
    letters: list[int] = []
    numerals: list[int] = []
    for code in itertools.chain(*SCANNED):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] in "LM":
            letters.append(code)
        elif category == "Nd" or char in SPECIAL:
            numerals.append(code)
    return _runs(letters), _runs(numerals)


def unicode_ranges() -> tuple[Ranges, Ranges]:
    """:func:`scan_unicode`'s answer: the stored one when it was made from this Python's Unicode
    version, else scanned now."""
    from publisher.domain import _hashtag_ranges as stored

    if unicodedata.unidata_version == stored.UNIDATA_VERSION:
        return stored.LETTERS, stored.NUMERALS
    return scan_unicode()


def _class_body(runs: Iterable[tuple[int, int]]) -> str:
    """A regular-expression character class body for ``runs``."""
    parts = []
    for first, last in runs:
        start, end = re.escape(chr(first)), re.escape(chr(last))
        parts.append(start if first == last else f"{start}-{end}")
    return "".join(parts)


def _hashtag_chars(letters: Ranges, numerals: Ranges) -> Ranges:
    """Letters and numerals together, without the variation selectors."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted((*letters, *numerals)):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    for selector in sorted(map(ord, VARIATION_SELECTORS)):
        for index, (first, last) in enumerate(merged):
            if first <= selector <= last:
                pieces = [(first, selector - 1), (selector + 1, last)]
                merged[index : index + 1] = [(a, b) for a, b in pieces if a <= b]
                break
    return tuple(merged)


def hashtag_pattern_text(letters: Ranges, numerals: Ranges) -> str:
    """The text of :func:`hashtag_pattern` for these letters and numerals."""
    letter, numeral = _class_body(letters), _class_body(numerals)
    # Not after a hashtag character, except a variation selector (emoji: "✌️#tag").
    before = _class_body(_hashtag_chars(letters, numerals))
    return (
        rf"(?<![&{before}])[{HASH_SIGNS}](?![\ufe0f\u20e3])"
        rf"([{numeral}]*[{letter}][{letter}{numeral}]*)"
    )


@cache
def hashtag_pattern() -> re.Pattern[str]:
    """twitter-text's ``VALID_HASHTAG``, built once; group 1 is the tag without its ``#``.
    Check :data:`END_OF_HASHTAG` after a match.

    ``[numerals]*[letter][letter or numeral]*`` matches what twitter-text's
    ``[alnum]*[letter][alnum]*`` does (the longest run, if it holds a letter), in linear time.
    """
    return re.compile(hashtag_pattern_text(*unicode_ranges()))
