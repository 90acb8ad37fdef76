"""Text for X: the platform's own counting (twitter-text v3), cleaning and packing.

Pure functions only. The weight of a text is what X counts, not ``len()``: most CJK characters
and emoji weigh 2 and every URL weighs 23 (``twitter-text-parser`` implements the v3 rules).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from publisher.channels._common import drop_tags
from publisher.channels.x._twitter_text import (
    has_invalid_characters,
    measure,
    pkg_resources_stand_in,
)
from publisher.channels.x.entities import Entity, extract_urls

__all__ = [
    "ELLIPSIS",
    "MAX_WEIGHT",
    "camel_case",
    "clean_inline",
    "fits",
    "pack",
    "pkg_resources_stand_in",
    "sentences",
    "split_to_fit",
    "tokens",
    "truncate",
    "weigh",
]


MAX_WEIGHT = 280
ELLIPSIS = "…"

_ZWJ = "\u200d"
# A run of whitespace becomes one space. Only the runs that are not one space already are
# matched (any other whitespace character, or a space and more): the same text as every run's,
# without a replacement for each single space between words.
_WHITESPACE = re.compile(r"[^\S ]\s*| \s+")
# A phone number (or any run of digit groups) is never broken: "0800 085 3481", "18001 101",
# "+44 (0)1773 746 115". Groups are digits with optional brackets, joined by a space or hyphen.
_NUMBER_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d()]*(?:[ -]\(?\d[\d()]*)+")
# Sentence ends: . ! ? (optionally followed by a closing quote or bracket), then space, then
# what can start a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"'”’)\]]?)\s+(?=[\"'“‘(\[]?[A-Z0-9#@])")
_KEEP_TOGETHER = "\u2060"  # WORD JOINER: internal marker only, never left in output


# Packing a thread tries the same candidate posts and lines again and again: remember them.
_measured = lru_cache(maxsize=16_384)(measure)


def weigh(text: str) -> int:
    """The weighted length X gives ``text`` (twitter-text v3; URLs count 23)."""
    return _measured(text)[0]


def fits(text: str, limit: int = MAX_WEIGHT) -> bool:
    """True when X would accept ``text`` and it weighs at most ``limit``."""
    weight, valid = _measured(text)
    return valid and weight <= limit


@lru_cache(maxsize=16_384)
def _measure_line(line: str) -> tuple[int, bool]:
    """A line's weight and whether X accepts all its characters."""
    return _measured(line)[0], not has_invalid_characters(line)


def lines_fit(lines: Sequence[str], limit: int = MAX_WEIGHT) -> bool:
    """``fits("\n".join(lines), limit)``, computed line by line.

    Exact, because twitter-text's weight is additive across a newline: every character,
    URL and emoji is weighed on its own and none of them spans a line break, and a newline
    itself weighs 1. Each distinct line is parsed once instead of once per candidate post.
    """
    total = len(lines) - 1
    for line in lines:
        weight, accepted = _measure_line(line)
        total += weight
        if not accepted or total > limit:
            return False
    return 0 < total <= min(limit, MAX_WEIGHT)


@cache
def _allowed(char: str) -> bool:
    if char == _ZWJ:  # joins emoji sequences; harmless
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return False
    return not (0xFDD0 <= ord(char) <= 0xFDEF or (ord(char) & 0xFFFE) == 0xFFFE)


def clean_inline(text: str) -> str:
    """One line of plain text: NFC, no control/format/bidi characters, single spaces.

    Markup is not passed on: HTML tags are dropped as the text channel drops them (X shows
    text as text, but a post is copied into other people's apps and pages). A stray ``<``
    stays. Characters that X rejects or that could reorder or hide text are removed.
    Every URL in the text (as X finds them) is kept exactly as written, even its Unicode
    normalisation: a post never changes a link.
    """
    text = _WHITESPACE.sub(" ", drop_tags(text))
    if text.isascii() and text.isprintable():
        # Nothing to take out and nothing to normalise (the common case): what
        # _clean_keeping_urls would make of it, without looking for URLs to keep apart.
        return _defuse_tag_openers(text.strip())
    return _defuse_tag_openers(_clean_keeping_urls(text))


# A "<" a browser would read as the start of a tag, comment or declaration: one left in a line
# (its ">" is not in the same line) could close with a ">" in the next line of the post, or in
# the image's alt text, wherever the post is pasted as HTML.
_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")


def _defuse_tag_openers(text: str) -> str:
    """``<`` followed by a space where it would open a tag: "a <b" reads "a < b"."""
    return _TAG_OPENER.sub("< ", text) if "<" in text else text


def _clean_keeping_urls(text: str) -> str:
    """:func:`clean_inline`'s work on a line with single spaces and no tags."""
    urls = extract_urls(text)
    cleaned = _clean_around(text, urls, "")
    if [url.text for url in extract_urls(cleaned)] != [url.text for url in urls]:
        # A character taken out next to a URL would have made it longer ("…/a\u200bbc"):
        # put a space in its place instead, so the URL ends where it ended.
        cleaned = _clean_around(text, urls, " ")
    return cleaned


def _clean_around(text: str, urls: Sequence[Entity], gap: str) -> str:
    """``text`` with its URLs as written and the rest NFC, rejected characters replaced by
    ``gap``, and spaces collapsed."""
    pieces: list[str] = []
    position = 0
    for url in urls:
        pieces.append(_clean_piece(text[position : url.start], gap))
        pieces.append(url.text)
        position = url.end
    pieces.append(_clean_piece(text[position:], gap))
    return _WHITESPACE.sub(" ", "".join(pieces)).strip()


def _clean_piece(text: str, gap: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if text.isascii() and text.isprintable():  # nothing to take out (the common case)
        return text
    return "".join(ch if _allowed(ch) else gap for ch in text)


def sentences(text: str) -> list[str]:
    """Split at sentence boundaries; each sentence keeps its end punctuation."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(1))
        parts.append(text[start:end].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def tokens(text: str) -> list[str]:
    """Words, where a run of digit groups (a phone number) is one word."""
    protected = _NUMBER_RUN.sub(lambda m: re.sub(r" ", _KEEP_TOGETHER, m.group(0)), text)
    return [word.replace(_KEEP_TOGETHER, " ") for word in protected.split()]


def truncate(text: str, limit: int) -> str:
    """``text`` if it fits, else as many whole words as fit followed by an ellipsis."""
    if fits(text, limit):
        return text
    words = tokens(text)
    kept: list[str] = []
    for word in words:
        candidate = " ".join([*kept, word]) + ELLIPSIS
        if not fits(candidate, limit):
            break
        kept.append(word)
    if kept:
        shown = " ".join(kept)
        urls = extract_urls(shown)
        if not urls or urls[-1].end < len(shown):  # never trim the end of a URL
            shown = shown.rstrip(",;:-")
        return shown + ELLIPSIS
    return _hard_cut(text, limit - weigh(ELLIPSIS)) + ELLIPSIS


def _hard_cut(word: str, limit: int) -> str:
    """The longest prefix of an unbreakable word that fits (last resort for absurd input)."""
    low, high = 0, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(word[:mid], limit):
            low = mid
        else:
            high = mid - 1
    return word[:low]


def split_to_fit(text: str, limit: int) -> list[str]:
    """Pieces of ``text`` that each fit: whole sentences first, then whole words.

    A phone number or URL is never broken. Only a single word heavier than ``limit`` on its
    own (which no real appeal contains) is cut mid-word.
    """
    if fits(text, limit):
        return [text]
    pieces: list[str] = []
    for sentence in sentences(text):
        if fits(sentence, limit):
            pieces.append(sentence)
            continue
        current = ""
        for word in tokens(sentence):
            while not fits(word, limit):
                head = _hard_cut(word, limit)
                if current:
                    pieces.append(current)
                    current = ""
                pieces.append(head)
                word = word[len(head) :]
            candidate = f"{current} {word}" if current else word
            if fits(candidate, limit):
                current = candidate
            else:
                pieces.append(current)
                current = word
        if current:
            pieces.append(current)
    return _merge(pieces, " ", limit)


def _merge(pieces: Sequence[str], glue: str, limit: int) -> list[str]:
    merged: list[str] = []
    for piece in pieces:
        if merged and fits(merged[-1] + glue + piece, limit):
            merged[-1] = merged[-1] + glue + piece
        else:
            merged.append(piece)
    return merged


def pack(units: Iterable[Sequence[str]], limit: int) -> list[str]:
    """Pack lines into as few posts as possible, in order.

    Each unit is a group of lines that should stay in one post (a heading and its first
    contact); an empty line separates paragraphs but is dropped at the top of a post. A unit
    that cannot fit even alone is split line by line, and a line that cannot fit alone is split
    with :func:`split_to_fit`.
    """
    posts: list[list[str]] = []
    for unit in units:
        lines = list(unit)
        if posts and lines_fit([*posts[-1], *lines], limit):
            posts[-1].extend(lines)
            continue
        while lines and not lines[0]:  # a blank separator line never opens a post
            lines.pop(0)
        if not lines:
            continue
        if lines_fit(lines, limit):
            posts.append(lines)
            continue
        for line in lines:
            for piece in split_to_fit(line, limit):
                if posts and lines_fit([*posts[-1], piece], limit):
                    posts[-1].append(piece)
                else:
                    posts.append([piece])
    return ["\n".join(lines) for lines in posts]


# Word segmentation for lower-case hashtags: only when every word is common enough that the
# split is not a guess.
_MIN_WORD_COUNT = 1_000_000.0


@cache
def _segmenter() -> tuple[object, dict[str, float]]:
    import wordsegment

    wordsegment.load()
    return wordsegment, wordsegment.UNIGRAMS


def camel_case(tag: str) -> str:
    """``youarenotalone`` → ``YouAreNotAlone`` when the split is reliable; else as written.

    Tags with any capital letter (``FindSam``) are the author's choice and kept; tags that are
    all capitals, contain digits or underscores, or are a single word are kept too (an acronym
    such as ``RSPCA`` must not become ``Rspca``).
    """
    if not tag.isalpha() or tag.lower() != tag:
        return tag
    module, unigrams = _segmenter()
    words: list[str] = module.segment(tag)  # type: ignore[attr-defined]
    if len(words) < 2 or "".join(words) != tag:
        return tag
    for word in words:
        if len(word) < 2 and word not in ("a", "i"):
            return tag
        if unigrams.get(word, 0.0) < _MIN_WORD_COUNT:
            return tag
    return "".join(word[:1].upper() + word[1:] for word in words)
