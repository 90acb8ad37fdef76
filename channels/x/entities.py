"""What X links in a text: hashtags and URLs, found by twitter-text's extraction rules.

The X channel uses these, and only these, to know what in a post is a hashtag and what is a
URL, so that what it changes (a hashtag beyond the second loses its ``#``) is never part of a
URL: ``…/missing/#how-to-help`` stays the link it is.

- URLs: twitter-text's own extractor (``twitter-text-parser``, the library that also weighs
  posts), with and without a scheme, as X finds them.
- Hashtags: the rules of twitter-text's ``extractHashtagsWithIndices`` (Java and JavaScript),
  in :mod:`publisher.domain.hashtags` (the record and the importers use them too), and never
  overlapping a URL.

``tests/unit/test_x_entities.py`` runs twitter-text's conformance cases (``extract.yml``,
vendored under ``tests/conformance/twitter-text/``) through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from publisher.channels.x._twitter_text import extract_urls_with_indices as _extract_urls
from publisher.domain.hashtags import END_OF_HASHTAG, HASH_SIGNS, hashtag_pattern

__all__ = [
    "Entity",
    "extract_hashtags",
    "extract_urls",
    "hashtags_in",
    "is_hashtag",
    "limit_hashtags",
]


@dataclass(frozen=True)
class Entity:
    """A hashtag (``text`` without its ``#``) or a URL (``text`` as written), and where it is:
    ``start``/``end`` are offsets into the text (code points), the ``#`` included."""

    kind: str
    text: str
    start: int
    end: int


def extract_urls(text: str) -> list[Entity]:
    """Every URL X would link in ``text``, in order (twitter-text's extractor)."""
    return [
        Entity("url", found["url"], found["indices"][0], found["indices"][1])
        for found in _extract_urls(text)
    ]


def extract_hashtags(text: str) -> list[Entity]:
    """Every hashtag X would link in ``text``, in order, never one inside a URL.

    Found line by line, only in the lines with a hash sign: the same, because neither a
    hashtag nor a URL holds a line break, a line break is neither a hashtag character nor
    ``&`` (what may not come before one) nor what may not follow one, nor a character a URL
    may not follow; and the search for a hashtag (a look back before every character) is then
    made over the few short lines that may hold one, not over a whole post.
    """
    if not any(sign in text for sign in HASH_SIGNS):
        return []
    if "\n" not in text:
        return list(_line_hashtags(text))
    tags: list[Entity] = []
    offset = 0
    for line in text.split("\n"):
        if any(sign in line for sign in HASH_SIGNS):
            tags.extend(
                Entity(tag.kind, tag.text, tag.start + offset, tag.end + offset)
                for tag in _line_hashtags(line)
            )
        offset += len(line) + 1
    return tags


@lru_cache(maxsize=4096)
def _line_hashtags(text: str) -> tuple[Entity, ...]:
    """:func:`extract_hashtags` of one line."""
    tags: list[Entity] = []
    for match in hashtag_pattern().finditer(text):
        if END_OF_HASHTAG.match(text, match.end()):
            continue  # "#tag#more" or "#http://…": not a hashtag
        tags.append(Entity("hashtag", match.group(1), match.start(), match.end()))
    if not tags:
        return ()
    if not any(_near_a_dot(text, tag) for tag in tags):
        return tuple(tags)  # no URL can overlap any of them: nothing to remove
    # twitter-text's removeOverlappingEntities: in order of start, an entity that begins
    # before the last kept one ends is dropped (hashtags first when both start together).
    entities = sorted([*tags, *extract_urls(text)], key=lambda e: e.start)
    kept: list[Entity] = []
    for entity in entities:
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return tuple(entity for entity in kept if entity.kind == "hashtag")


_BREAKS = " \t\n"


def _near_a_dot(text: str, tag: Entity) -> bool:
    """Whether the run of ``text`` around ``tag`` between spaces, tabs and line breaks holds
    a ".". A URL that overlaps a hashtag is in that run (a URL never holds a space, tab or
    line break) and holds a "." (its domain's, before the top-level domain): without one
    there, no URL can overlap the hashtag."""
    start = max(text.rfind(mark, 0, tag.start) for mark in _BREAKS) + 1
    ends = [found for found in (text.find(mark, tag.end) for mark in _BREAKS) if found >= 0]
    return "." in text[start : min(ends, default=len(text))]


def hashtags_in(text: str) -> list[str]:
    """The hashtags X would link in ``text``, without ``#``, in order."""
    return [tag.text for tag in extract_hashtags(text)]


@lru_cache(maxsize=4096)
def is_hashtag(tag: str) -> bool:
    """Whether ``#`` + ``tag`` is one whole hashtag (``FindSam`` yes; ``122``, ``_`` no)."""
    return hashtags_in(f"#{tag}") == [tag]


def limit_hashtags(text: str, most: int = 2) -> tuple[str, list[str]]:
    """Keep the first ``most`` hashtags; later ones lose their ``#`` and stay as plain words.

    Only the ``#`` of a hashtag is removed: nothing inside a URL, nothing else."""
    if most >= 0 and sum(map(text.count, HASH_SIGNS)) <= most:
        # Every hashtag starts with a sign of its own: there are no more than ``most``.
        return text, []
    demoted = extract_hashtags(text)[most:]
    out = text
    for tag in reversed(demoted):
        out = out[: tag.start] + out[tag.start + 1 :]
    return out, [tag.text for tag in demoted]
