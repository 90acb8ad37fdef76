"""Abbreviations and ranks spelled out the first time ("Detective Chief Inspector (DCI)")."""

from __future__ import annotations

import re

from publisher.domain.abbreviations import Match, find_abbreviations
from publisher.lint._context import Context, Unit, UnitKind, units
from publisher.lint._finding import Finding

__all__ = ["check_abbreviations"]

_MAX_WORDS_BETWEEN = 2


def _spelled_out(expansion: str, text: str) -> bool:
    """Whether ``text`` spells out ``expansion``, allowing a couple of extra words between its
    words ("Temporary Detective Chief Inspector" spells out "Temporary Chief Inspector")."""
    words = [re.escape(w) for w in re.findall(r"[\w'’-]+", expansion)]
    if not words:
        return False
    gap = rf"\W+(?:[\w'’-]+\W+){{0,{_MAX_WORDS_BETWEEN}}}"
    return re.search(r"\b" + gap.join(words) + r"\b", text, re.IGNORECASE) is not None


def _named(match: Match, text: str) -> str:
    written = text[match.start : match.end]
    return match.abbr if written == match.abbr else f"{match.abbr} (written '{written}')"


def _document(ctx: Context, chosen: list[Unit]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    earlier = ""
    for unit in chosen:
        matches: list[Match] = find_abbreviations(unit.text)
        for match in matches:
            if match.key in seen:
                continue
            seen.add(match.key)
            before = earlier + "\n" + unit.text[: match.start]
            after = unit.text[match.end : match.end + len(match.expansion) + 8]
            explained_after = after.lstrip().startswith("(") and _spelled_out(
                match.expansion, after
            )
            if match.expanded or explained_after or _spelled_out(match.expansion, before):
                continue
            findings.append(
                ctx.finding(
                    "abbreviation",
                    "warning",
                    f"{_named(match, unit.text)} is not explained: not everyone knows what "
                    "it stands for, "
                    "and screen readers may read it as a word.",
                    f"Write '{match.first_use}' the first time.",
                    unit.field,
                )
            )
        earlier += "\n" + unit.text
    return findings


def check_abbreviations(ctx: Context) -> list[Finding]:
    """The summary is read on its own (cards, feeds), so it is checked on its own; the body is
    one document. Titles are left alone: they are short and the page explains them."""
    all_units = list(units(ctx.appeal))
    summary = [u for u in all_units if u.kind is UnitKind.SUMMARY]
    body = [u for u in all_units if u.in_body]
    return _document(ctx, summary) + _document(ctx, body)
