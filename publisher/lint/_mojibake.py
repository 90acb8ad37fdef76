"""Mojibake: text garbled by a wrong character encoding (â€™ for ’, Ã© for é, � for anything).
Screen readers read it out as nonsense, and it looks broken to everyone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import ftfy
from ftfy.badness import is_bad

from publisher.lint._context import Context, quote
from publisher.lint._finding import Finding
from publisher.lint._words import common_words

__all__ = ["check_mojibake", "find_mojibake"]

_CP1252_SPECIALS = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_PATTERN = re.compile(
    "|".join(
        (
            "\ufffd",  # the replacement character: something was lost for good
            "â€.?",  # ’ “ ” – — … read as Windows-1252
            f"Ã[\u00a0-\u00bf{_CP1252_SPECIALS}]",  # é è á ó ñ ü ç… read as Windows-1252
            f"Â(?=[\u00a0-\u00bf{_CP1252_SPECIALS}\\s]|$)",  # a lost non-breaking space, Â£
            "ï»¿",  # a byte order mark read as Windows-1252
        )
    )
)
_STRAY_A_RE = re.compile(r"Â([a-z]+)")
_COMMON_WORD = 100_000.0
_CONFIG = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False)


def _stray_a_before_words(text: str) -> list[tuple[int, int]]:
    """'Âcoronavirus': an 'Â' glued to an English word (but 'Ângela' is a name)."""
    unigrams = common_words()
    return [
        (m.start(), m.start() + 1)
        for m in _STRAY_A_RE.finditer(text)
        if unigrams.get(m.group(1).lower(), 0.0) >= _COMMON_WORD
    ]


def find_mojibake(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that look like mojibake."""
    spans = [(m.start(), m.end()) for m in _PATTERN.finditer(text)]
    if "Â" in text:
        spans = sorted(set(spans) | set(_stray_a_before_words(text)))
    if not spans and is_bad(text):
        fixed = ftfy.fix_text(text, config=_CONFIG)
        if fixed != text:
            start = next(
                (i for i, (a, b) in enumerate(zip(text, fixed, strict=False)) if a != b),
                min(len(text), len(fixed)),
            )
            spans.append((start, min(len(text), start + 3)))
    return spans


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_mojibake(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    data = ctx.appeal.model_dump(mode="json", exclude={"source"})
    for field, text in _strings(data, ""):
        spans = find_mojibake(text)
        if not spans:
            continue
        start, end = spans[0]
        snippet = text[max(0, start - 20) : end + 20]
        repaired = ftfy.fix_text(snippet, config=_CONFIG)
        if repaired == snippet:
            repaired = _PATTERN.sub("", snippet)
        bits = ", ".join(quote(text[s:e]) for s, e in spans[:5])
        findings.append(
            ctx.finding(
                "mojibake",
                "error",
                f"Garbled characters ({bits}) in {quote(snippet)}: the text was saved or copied "
                "with the wrong character encoding.",
                f"Retype the garbled part, e.g. {quote(repaired)}, or copy the text again from "
                "the original document.",
                field,
            )
        )
    return findings
