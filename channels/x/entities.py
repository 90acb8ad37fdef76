"""What X links in a text: hashtags and URLs, found by twitter-text's extraction rules.

The X channel uses these, and only these, to know what in a post is a hashtag and what is a
URL, so that what it changes (a hashtag beyond the second loses its ``#``) is never part of a
URL: ``…/missing/#how-to-help`` stays the link it is.

- URLs: twitter-text's own extractor (``twitter-text-parser``, the library that also weighs
  posts), with and without a scheme, as X finds them.
- Hashtags: the rules of twitter-text's ``extractHashtagsWithIndices`` (Java and JavaScript):
  a ``#`` or ``＃`` not preceded by ``&`` or by a letter, mark, digit or one of the special
  characters (a variation selector is fine); then letters, marks, decimal digits and the
  special characters (``_``, ZWNJ, ZWJ, the Hebrew maqaf, geresh and gershayim, the middle dot,
  the katakana middle dot, the wave dash, …) with at least one letter or mark (``#122``, ``#_``
  are not hashtags); not followed by ``#`` or ``://``; not a keycap (``#`` + U+FE0F/U+20E3);
  and never overlapping a URL. Letters and marks are Unicode's L* and M* categories, digits
  its Nd, as this Python's ``unicodedata`` has them.

``tests/unit/test_x_entities.py`` runs twitter-text's conformance cases (``extract.yml``,
vendored under ``tests/conformance/twitter-text/``) through these functions.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from publisher.channels.x._twitter_text import extract_urls_with_indices as _extract_urls

__all__ = [
    "Entity",
    "extract_hashtags",
    "extract_urls",
    "hashtags_in",
    "is_hashtag",
    "limit_hashtags",
]

_HASH_SIGNS = "#＃"
_SPECIAL = (
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
_VARIATION_SELECTORS = "\ufe0e\ufe0f"
SCANNED = (range(0x40000), range(0xE0000, 0xE1000))
"""The code points looked at for letters, marks and digits: planes 0 to 3 and plane 14's
variation selectors. Planes 4 to 13 and the private-use planes hold none (a test checks it
against this Python's Unicode data), and skipping them makes the first use four times faster."""


@dataclass(frozen=True)
class Entity:
    """A hashtag (``text`` without its ``#``) or a URL (``text`` as written), and where it is:
    ``start``/``end`` are offsets into the text (code points), the ``#`` included."""

    kind: str
    text: str
    start: int
    end: int


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
def _hashtag_pattern() -> re.Pattern[str]:
    """twitter-text's ``VALID_HASHTAG``, built once (one pass over Unicode's categories).

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
        elif category == "Nd" or char in _SPECIAL:
            numerals.add(code)
        else:
            continue
        if char not in _VARIATION_SELECTORS:
            # Not after a hashtag character, except a variation selector (emoji: "✌️#tag").
            before.add(code)
    letter, numeral = letters.body(), numerals.body()
    return re.compile(
        rf"(?<![&{before.body()}])[{_HASH_SIGNS}](?![\ufe0f\u20e3])"
        rf"([{numeral}]*[{letter}][{letter}{numeral}]*)"
    )


_END_OF_HASHTAG = re.compile(rf"[{_HASH_SIGNS}]|://")


def extract_urls(text: str) -> list[Entity]:
    """Every URL X would link in ``text``, in order (twitter-text's extractor)."""
    return [
        Entity("url", found["url"], found["indices"][0], found["indices"][1])
        for found in _extract_urls(text)
    ]


def extract_hashtags(text: str) -> list[Entity]:
    """Every hashtag X would link in ``text``, in order, never one inside a URL."""
    if not any(sign in text for sign in _HASH_SIGNS):
        return []
    tags: list[Entity] = []
    for match in _hashtag_pattern().finditer(text):
        if _END_OF_HASHTAG.match(text, match.end()):
            continue  # "#tag#more" or "#http://…": not a hashtag
        tags.append(Entity("hashtag", match.group(1), match.start(), match.end()))
    if not tags:
        return []
    # twitter-text's removeOverlappingEntities: in order of start, an entity that begins
    # before the last kept one ends is dropped (hashtags first when both start together).
    entities = sorted([*tags, *extract_urls(text)], key=lambda e: e.start)
    kept: list[Entity] = []
    for entity in entities:
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return [entity for entity in kept if entity.kind == "hashtag"]


def hashtags_in(text: str) -> list[str]:
    """The hashtags X would link in ``text``, without ``#``, in order."""
    return [tag.text for tag in extract_hashtags(text)]


def is_hashtag(tag: str) -> bool:
    """Whether ``#`` + ``tag`` is one whole hashtag (``FindSam`` yes; ``122``, ``_`` no)."""
    return hashtags_in(f"#{tag}") == [tag]


def limit_hashtags(text: str, most: int = 2) -> tuple[str, list[str]]:
    """Keep the first ``most`` hashtags; later ones lose their ``#`` and stay as plain words.

    Only the ``#`` of a hashtag is removed: nothing inside a URL, nothing else."""
    demoted = extract_hashtags(text)[most:]
    out = text
    for tag in reversed(demoted):
        out = out[: tag.start] + out[tag.start + 1 :]
    return out, [tag.text for tag in demoted]
