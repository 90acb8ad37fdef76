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
from functools import cache

__all__ = [
    "END_OF_HASHTAG",
    "HASH_SIGNS",
    "SCANNED",
    "SPECIAL",
    "VARIATION_SELECTORS",
    "hashtag_pattern",
    "is_valid_tag",
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


class _Ranges:
    """A regular-expression character class body, built from code points given in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.start: int | None = None
        self.last = -2

    def add(self, code: int) -> None:
        if code != self.last + 1:
            self.close()
            self.start = code
        self.last = code

    def close(self) -> None:
        if self.start is not None:
            first, last = re.escape(chr(self.start)), re.escape(chr(self.last))
            self.parts.append(first if self.start == self.last else f"{first}-{last}")
            self.start = None

    def body(self) -> str:
        self.close()
        return "".join(self.parts)


@cache
def hashtag_pattern() -> re.Pattern[str]:
    """twitter-text's ``VALID_HASHTAG``, built once (one pass over Unicode's categories); group
    1 is the tag without its ``#``. Check :data:`END_OF_HASHTAG` after a match.

    ``[numerals]*[letter][letter or numeral]*`` matches what twitter-text's
    ``[alnum]*[letter][alnum]*`` does (the longest run, if it holds a letter), in linear time.
    """
    letters, numerals, before = _Ranges(), _Ranges(), _Ranges()
    for code in itertools.chain(*SCANNED):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] in "LM":
            letters.add(code)
        elif category == "Nd" or char in SPECIAL:
            numerals.add(code)
        else:
            continue
        if char not in VARIATION_SELECTORS:
            # Not after a hashtag character, except a variation selector (emoji: "✌️#tag").
            before.add(code)
    letter, numeral = letters.body(), numerals.body()
    return re.compile(
        rf"(?<![&{before.body()}])[{HASH_SIGNS}](?![\ufe0f\u20e3])"
        rf"([{numeral}]*[{letter}][{letter}{numeral}]*)"
    )
