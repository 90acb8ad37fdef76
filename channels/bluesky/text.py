"""How Bluesky counts and links a post: graphemes, and facets with UTF-8 byte offsets.

- **Length.** ``app.bsky.feed.post`` says ``text`` has ``maxGraphemes: 300`` and
  ``maxLength: 3000`` (UTF-8 bytes). A grapheme is an extended grapheme cluster (the ``regex``
  module's ``\\X``, as :mod:`publisher.channels.mastodon.text` counts them): a family emoji or an
  ``e`` with a combining accent counts 1.
- **Links** are not found by the app in the text: a post carries *facets*
  (``app.bsky.richtext.facet``), each a byte range of the UTF-8 text (``byteStart`` inclusive,
  ``byteEnd`` exclusive) and a feature: ``#link`` with the full ``uri``, ``#tag`` with the tag
  (no ``#``). So the text may show a short label for a long URL (host and path, cut with an
  ellipsis) while the facet holds the whole address.

Pure functions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import regex

from publisher.channels.x._twitter_text import scheme_url_spans
from publisher.channels.x.entities import extract_hashtags

__all__ = [
    "LABEL_GRAPHEMES",
    "MAX_BYTES",
    "MAX_GRAPHEMES",
    "MAX_TAG_GRAPHEMES",
    "Facet",
    "RichText",
    "graphemes",
    "link_label",
    "richtext",
    "utf8_length",
]

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG_GRAPHEMES = 64
"""``app.bsky.richtext.facet#tag``: ``maxGraphemes: 64`` (``maxLength: 640`` bytes)."""
LABEL_GRAPHEMES = 30
"""The longest link label shown in a post's text, its ellipsis included."""
ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> int:
    """Extended grapheme clusters in ``text`` (how Bluesky's lexicon counts ``maxGraphemes``)."""
    if text.isascii():
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Facet:
    """One ``app.bsky.richtext.facet``: bytes ``[byte_start, byte_end)`` of the UTF-8 text and
    its feature, ``link`` (``value`` the full URI) or ``tag`` (``value`` without ``#``)."""

    byte_start: int
    byte_end: int
    kind: str
    value: str

    def to_record(self) -> dict[str, object]:
        """The facet as the post record holds it (the lexicon's JSON)."""
        feature: dict[str, str]
        if self.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": self.value}
        elif self.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": self.value}
        else:
            raise ValueError(f"unknown facet kind {self.kind!r}")
        return {
            "$type": "app.bsky.richtext.facet",
            "index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
            "features": [feature],
        }


@dataclass(frozen=True)
class RichText:
    """A post's text as shown, and its facets."""

    text: str
    facets: tuple[Facet, ...]


def link_label(url: str, most: int = LABEL_GRAPHEMES) -> str:
    """What the text shows for ``url``: host and path (no scheme, no ``www.``, no query or
    fragment), cut to ``most`` graphemes with an ellipsis when longer."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    shown = (host + parts.path).rstrip("/") or url
    if parts.query or parts.fragment:
        shown += ELLIPSIS if graphemes(shown) < most else ""
    if graphemes(shown) <= most:
        return shown
    clusters = _GRAPHEME.findall(shown)
    return "".join(clusters[: most - 1]) + ELLIPSIS


def richtext(source: str, *, shorten: bool = True) -> RichText:
    """``source`` (URLs written out in full) as a post: each URL (with a scheme, as Mastodon and
    twitter-text find them) shown as :func:`link_label` (``shorten``) or as written, with a
    ``#link`` facet; each hashtag a ``#tag`` facet. Offsets are UTF-8 bytes of the result."""
    pieces: list[str] = []
    facets: list[Facet] = []
    position = 0
    offset = 0
    for start, end in scheme_url_spans(source):
        url = source[start:end]
        before = source[position:start]
        pieces.append(before)
        offset += utf8_length(before)
        shown = link_label(url) if shorten else url
        pieces.append(shown)
        length = utf8_length(shown)
        facets.append(Facet(offset, offset + length, "link", url))
        offset += length
        position = end
    pieces.append(source[position:])
    text = "".join(pieces)
    linked = [(f.byte_start, f.byte_end) for f in facets]
    for tag in extract_hashtags(text):
        start = utf8_length(text[: tag.start])
        end = start + utf8_length(text[tag.start : tag.end])
        if any(start < b and a < end for a, b in linked):
            continue
        if graphemes(tag.text) > MAX_TAG_GRAPHEMES:
            continue
        facets.append(Facet(start, end, "tag", tag.text))
    facets.sort(key=lambda f: f.byte_start)
    return RichText(text=text, facets=tuple(facets))
