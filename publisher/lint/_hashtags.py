"""Hashtags in CamelCase (#YouAreNotAlone), so screen readers read the words, not a jumble."""

from __future__ import annotations

import re

import wordsegment

from publisher.lint._context import Context, UnitKind, units
from publisher.lint._finding import Finding
from publisher.lint._words import common_words

__all__ = ["camel_case_suggestion", "check_hashtags", "hashtag_findings", "needs_camel_case"]

_HASHTAG_RE = re.compile(r"(?<![\w&/])#(\w+)")
# A split is trusted only if every part is a common word (or a number).
_COMMON = 1_000_000.0
_SHORT_WORDS = frozenset(
    {"a", "i", "an", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my",
     "no", "of", "on", "or", "so", "to", "up", "us", "we", "uk"}
)  # fmt: skip


def _segments(tag: str) -> list[str]:
    """Where the words of a tag start, as lower-case parts: 'youarenotalone' → you/are/not/alone."""
    common_words()
    parts: list[str] = wordsegment.segment(tag)
    return [p for p in parts if p]


def _trusted(parts: list[str]) -> bool:
    unigrams = common_words()
    for part in parts:
        if part.isdigit():
            continue
        if len(part) <= 2 and part not in _SHORT_WORDS:
            return False
        if unigrams.get(part, 0.0) < _COMMON:
            return False
    return True


def _word_starts(tag: str, parts: list[str]) -> list[int]:
    starts: list[int] = []
    position = 0
    lower = tag.lower()
    for part in parts:
        index = lower.find(part, position)
        if index < 0:
            return []
        starts.append(index)
        position = index + len(part)
    return starts


def needs_camel_case(tag: str) -> tuple[bool, str | None]:
    """Whether ``tag`` (without '#') runs several words together without capitals.

    Returns (True, suggestion) when the words can be found reliably, (True, None) when the tag
    looks like several words but the split is a guess, and (False, None) otherwise.
    """
    letters = [ch for ch in tag if ch.isalpha()]
    if len(letters) < 4 or not tag.isascii():
        return False, None
    capitals = sum(1 for ch in letters if ch.isupper())
    if 2 <= capitals < len(letters):
        return False, None  # the author marked the words: #FindSam, #NHSHeroes
    parts = _segments(tag.lower())
    words = [p for p in parts if not p.isdigit()]
    if len(words) < 2:
        return False, None
    starts = _word_starts(tag, parts)
    if not starts:
        return False, None
    marked = all(
        not tag[i].isalpha() or tag[i].isupper() for i, p in zip(starts, parts, strict=True)
    )
    shouting = all(ch.isupper() for ch in letters)
    if marked and not shouting:
        return False, None  # already CamelCase: #YouAreNotAlone, #NHSHeroes
    if not _trusted(parts):
        return True, None
    return True, "".join(p if p.isdigit() else p[0].upper() + p[1:] for p in parts)


def camel_case_suggestion(tag: str) -> str | None:
    """'#YouAreNotAlone' for 'youarenotalone' when the words can be found reliably."""
    needed, suggestion = needs_camel_case(tag)
    return f"#{suggestion}" if needed and suggestion else None


def hashtag_findings(ctx: Context, tag: str, field: str) -> list[Finding]:
    needed, suggestion = needs_camel_case(tag)
    if not needed:
        return []
    if suggestion:
        fix = f"Write it as #{suggestion}."
    else:
        fix = (
            f"If #{tag} is several words, start each word with a capital letter (like "
            "#YouAreNotAlone)."
        )
    return [
        ctx.finding(
            "hashtag-camelcase",
            "warning",
            f"The hashtag #{tag} runs words together without capitals, so screen readers read "
            "it as one long made-up word.",
            fix,
            field,
        )
    ]


def check_hashtags(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()

    def check(tag: str, field: str) -> None:
        if tag in seen:
            return
        seen.add(tag)
        findings.extend(hashtag_findings(ctx, tag, field))

    for unit in units(ctx.appeal):
        if unit.kind is UnitKind.LABEL and unit.field == "image.alt":
            continue
        for match in _HASHTAG_RE.finditer(unit.text):
            check(match.group(1), unit.field)
    for index, tag in enumerate(ctx.appeal.hashtags):
        check(tag, f"hashtags[{index}]")
    return findings
