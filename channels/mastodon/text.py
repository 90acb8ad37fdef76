"""How Mastodon counts a status, exactly as its ``StatusLengthValidator`` does.

Mastodon (``app/validators/status_length_validator.rb``, 4.x) counts a status like this:

1. the URLs, found by twitter-text's extractor with ``extract_url_without_protocol: false``
   (only URLs with a scheme; ``police.uk/x`` is plain text), and the mentions
   (``Account::MENTION_RE``), overlapping entities removed, are rewritten: every URL becomes
   23 ``x`` (``characters_reserved_per_url`` in ``/api/v2/instance``; a short URL counts 23 too),
   a mention ``@name@example.social`` becomes ``@name``;
2. the result (after the content warning, which we never set) is measured with
   ``mb_chars.grapheme_length``: **extended grapheme clusters**, not code points. A family
   emoji (five code points) counts 1, and so does ``e`` with a combining accent.

The limit is the instance's own (``configuration.statuses.max_characters``; 500 by default).
Pure functions only; :func:`weigh` is what :class:`~publisher.channel.SocialPost.weight` holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import regex

from publisher.channels.x._twitter_text import scheme_url_spans

__all__ = [
    "DEFAULT_CHARACTERS_PER_URL",
    "DEFAULT_MAX_CHARACTERS",
    "fits",
    "graphemes",
    "lines_fit",
    "lines_weight",
    "mentions",
    "weigh",
]

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_CHARACTERS_PER_URL = 23

# Account::USERNAME_RE and Account::MENTION_RE (app/models/account.rb):
#   USERNAME_RE = /[a-z0-9_]+([.-]+[a-z0-9_]+)*/i
#   MENTION_RE  = %r{(?<![=/[:word:]])@((#{USERNAME_RE})(?:@[[:word:]]+([.-]+[[:word:]]+)*)?)}
_MENTION = regex.compile(
    r"(?<![=/\w])@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?)",
    regex.UNICODE,
)
# twitter-text's end_mention_match: a mention followed by one of these is not a mention.
_END_MENTION = regex.compile(
    r"[@＠\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF]|://"
)
_MAX_DOMAIN_LENGTH = 253
_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> int:
    """Extended grapheme clusters in ``text`` (Ruby's ``mb_chars.grapheme_length``)."""
    if text.isascii():  # "\r\n" is one cluster; every other ASCII character is its own
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def mentions(text: str) -> list[tuple[int, int, str]]:
    """Mastodon's ``extract_mentions_or_lists_with_indices``: (start, end, ``name[@domain]``)."""
    if "@" not in text and "＠" not in text:
        return []
    found = []
    for match in _MENTION.finditer(text):
        if _END_MENTION.match(text, match.end()):
            continue
        _, _, domain = match.group(1).partition("@")
        if domain and len(domain) > _MAX_DOMAIN_LENGTH:
            continue
        found.append((match.start(1) - 1, match.end(1), match.group(1)))
    return found


@lru_cache(maxsize=16_384)
def _entities(text: str) -> tuple[tuple[int, int, str | None], ...]:
    """The URLs (name None) and mentions (``name[@domain]``) Mastodon rewrites in ``text``, by
    start, overlapping ones removed. Whatever the instance counts a URL as: Mastodon and
    Bluesky (which composes its posts as Mastodon's) weigh the same candidate texts."""
    entities: list[tuple[int, int, str | None]] = [
        (start, end, None) for start, end in scheme_url_spans(text)
    ]
    entities.extend(mentions(text))
    if not entities:
        return ()
    # twitter-text's remove_overlapping_entities: by start; one that begins inside the last
    # kept one is dropped.
    entities.sort(key=lambda e: e[0])
    kept: list[tuple[int, int, str | None]] = []
    for entity in entities:
        if kept and entity[0] < kept[-1][1]:
            continue
        kept.append(entity)
    return tuple(kept)


def _countable(text: str, per_url: int) -> str:
    """The text as Mastodon counts it: URLs as ``per_url`` x's, mentions without domains."""
    kept = _entities(text)
    if not kept:
        return text
    pieces, position = [], 0
    for start, end, name in kept:
        pieces.append(text[position:start])
        pieces.append("x" * per_url if name is None else "@" + name.split("@")[0])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


@lru_cache(maxsize=16_384)
def weigh(text: str, per_url: int = DEFAULT_CHARACTERS_PER_URL) -> int:
    """The length Mastodon gives ``text``, with URLs counting ``per_url`` characters."""
    if not text.strip():
        return 0  # Ruby's str.blank?: counted as ''
    return graphemes(_countable(text, per_url))


def fits(
    text: str, limit: int = DEFAULT_MAX_CHARACTERS, per_url: int = DEFAULT_CHARACTERS_PER_URL
) -> bool:
    """True when Mastodon would accept ``text`` as a status of at most ``limit`` characters
    (an empty or blank status without media is refused)."""
    return bool(text.strip()) and weigh(text, per_url) <= limit


@lru_cache(maxsize=16_384)
def _line_count(line: str, per_url: int) -> tuple[int, bool]:
    """A line's graphemes as Mastodon counts them (-1 for a line holding a carriage return,
    which could join the next line break), and whether it is blank."""
    if "\r" in line:
        return -1, False
    return graphemes(_countable(line, per_url)), not line.strip()


def lines_weight(lines: Sequence[str], per_url: int = DEFAULT_CHARACTERS_PER_URL) -> int:
    """``weigh("\n".join(lines), per_url)``, computed line by line.

    Exact, because Mastodon's count is additive across a newline: no URL or mention spans
    one, and one at the start or end of a line is found as at the start or end of a text (a
    newline is neither a character a mention may follow or precede nor one a URL may not
    follow); and a newline is a grapheme of its own, breaking from what is either side of it,
    unless a carriage return comes before it (then the whole text is weighed). Each distinct
    line is counted once instead of once per candidate status.
    """
    total = len(lines) - 1
    blank = True
    for line in lines:
        weight, empty = _line_count(line, per_url)
        if weight < 0:
            return weigh("\n".join(lines), per_url)
        total += weight
        blank = blank and empty
    return 0 if blank else total


def lines_fit(
    lines: Sequence[str],
    limit: int = DEFAULT_MAX_CHARACTERS,
    per_url: int = DEFAULT_CHARACTERS_PER_URL,
) -> bool:
    """``fits("\n".join(lines), limit, per_url)``, computed line by line as
    :func:`lines_weight` counts, and no further than the first lines over ``limit`` (the
    count of a text is at least that of its first lines and the line break after them)."""
    total = len(lines) - 1
    blank = True
    for line in lines:
        weight, empty = _line_count(line, per_url)
        if weight < 0:
            return fits("\n".join(lines), limit, per_url)
        total += weight
        if total > limit:
            return False
        blank = blank and empty
    return not blank
