"""Block capitals: hard to read, and read out letter by letter or as shouting."""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.domain.abbreviations import find_abbreviations
from publisher.lint._context import Context, Unit, UnitKind, quote, units
from publisher.lint._finding import Finding
from publisher.lint._words import common_words

__all__ = ["check_block_capitals", "shouty_runs"]

MIN_RUN = 3
_COMMON = 1_000_000.0
_TOKEN_RE = re.compile(r"\S+")
# Two-letter words that are ordinary English, not initialisms, when written in capitals.
_SHORT_WORDS = frozenset(
    {"AM", "AN", "AS", "AT", "BE", "BY", "DO", "GO", "HE", "IF", "IN", "IS", "IT", "ME", "MY",
     "NO", "OF", "OH", "ON", "OR", "SO", "TO", "UP", "US", "WE"}
)  # fmt: skip


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str  # letters only, e.g. "CALL"
    caps: bool  # all its letters are capitals (and it has at least two)
    shouty: bool  # caps, and reads as a word rather than an initialism


def _tokens(text: str) -> list[_Token]:
    known = [(m.start, m.end) for m in find_abbreviations(text)]
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        raw = match.group()
        if raw.startswith("#") or "://" in raw or raw.lower().startswith("www."):
            letters = ""  # hashtags and addresses are not prose
        else:
            letters = "".join(ch for ch in raw if ch.isalpha())
        caps = len(letters) >= 2 and letters.isupper()
        initialism = (
            any(s < match.end() and match.start() < e for s, e in known)
            or any(ch in raw for ch in "+&/")
            or not re.search(r"[AEIOU]", letters)
            or (len(letters) == 2 and letters not in _SHORT_WORDS)
        )
        tokens.append(_Token(match.start(), match.end(), letters, caps, caps and not initialism))
    return tokens


def shouty_runs(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` holding runs of at least three words in capitals.

    Initialisms (DCI, CCTV, NHS, LGBT+, SMS…) and numbers neither count nor break a run; any
    word with a lower-case letter ends it. A single capitalised keyword ("Text REGISTER to
    999") is fine.
    """
    runs: list[tuple[int, int]] = []
    members: list[_Token] = []

    def close() -> None:
        shouty = [t for t in members if t.shouty]
        if len(shouty) >= MIN_RUN:
            runs.append((shouty[0].start, shouty[-1].end))
        members.clear()

    for token in _tokens(text):
        if token.caps:
            members.append(token)
        elif token.word:  # has letters, not all capitals (single letters like "A" end it too)
            if len(token.word) == 1 and token.word.isupper():
                continue
            close()
    close()
    return runs


def _sentence_case(text: str, at_start: bool) -> str:
    known = [(m.start, m.end) for m in find_abbreviations(text)]
    words = common_words()
    out: list[str] = []
    position = 0
    for token in _tokens(text):
        out.append(text[position : token.start])
        raw = text[token.start : token.end]
        if token.shouty and (token.start, token.end) not in known:
            lower = raw.lower()
            # Words we do not know are probably names or places: keep their capital.
            out.append(lower if words.get(token.word.lower(), 0.0) >= _COMMON else lower.title())
        else:
            out.append(raw)
        position = token.end
    out.append(text[position:])
    result = "".join(out).strip(" ,;:")
    if at_start and result:
        result = result[0].upper() + result[1:]
    return result


def _title_is_capitals(title: str) -> bool:
    letters = [ch for ch in title if ch.isalpha()]
    return (
        bool(letters)
        and all(ch.isupper() for ch in letters)
        and any(t.shouty for t in _tokens(title))
    )


def _check_unit(ctx: Context, unit: Unit) -> list[Finding]:
    if unit.kind is UnitKind.TITLE and _title_is_capitals(unit.text):
        suggestion = _sentence_case(unit.text, at_start=True)
        return [
            ctx.finding(
                "block-capitals",
                "warning",
                f"The title {quote(unit.text)} is in capitals. Capitals are harder to read, "
                "and some screen readers spell them out or read them as shouting.",
                f"Write it in sentence case, keeping capitals for names: {quote(suggestion)}.",
                unit.field,
            )
        ]
    findings: list[Finding] = []
    for start, end in shouty_runs(unit.text):
        run = unit.text[start:end]
        at_start = not unit.text[:start].strip() or unit.text[:start].rstrip()[-1] in ".!?:"
        suggestion = _sentence_case(run, at_start=at_start)
        findings.append(
            ctx.finding(
                "block-capitals",
                "warning",
                f"{quote(run)} is written in block capitals. Capitals are harder to read, and "
                "some screen readers spell them out or read them as shouting.",
                f"Write it in sentence case, keeping capitals for names and initialisms: "
                f"{quote(suggestion)}.",
                unit.field,
            )
        )
    return findings


def check_block_capitals(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for unit in units(ctx.appeal):
        findings.extend(_check_unit(ctx, unit))
    return findings
