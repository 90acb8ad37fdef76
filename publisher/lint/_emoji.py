"""Emoji: read out by name by screen readers ("telephone receiver"), so use few, and never
in place of words."""

from __future__ import annotations

import re
from dataclasses import dataclass

import emoji

from publisher.lint._context import Context, Unit, quote, units
from publisher.lint._finding import Finding

__all__ = ["EmojiUse", "check_emoji", "emoji_findings", "emoji_name", "find_emoji"]

MAX_PER_UNIT = 1
# Text symbols the emoji package also lists, which read fine as text.
_TEXT_SYMBOLS = frozenset({"©", "®", "™"})


@dataclass(frozen=True)
class EmojiUse:
    start: int
    end: int
    emoji: str
    replaces_words: bool


def emoji_name(char: str) -> str:
    """The name a screen reader reads, e.g. 'telephone receiver'."""
    return emoji.demojize(char, delimiters=("", "")).replace("_", " ").strip()


# Emoji that people use as words: "📞 101", "✉️ us", "I ❤️ Derby", "➡️ our website".
_WORDLIKE = frozenset("📞☎📱📲✉📧📩📨➡👉⬅👈")
_HEARTS = frozenset("❤💙💜💚🧡💛🖤🤍")


def _replaces_words(text: str, start: int, end: int) -> bool:
    """An emoji standing for a word: before a number, or a word-like emoji mid-sentence."""
    after = text[end:].lstrip(" \ufe0f")
    if re.match(r"[+\d(]", after):
        return True  # "📞 101", "☎️ 0800 …"
    if not re.match(r"\w", after):
        return False
    before = text[:start].rstrip(" ")
    mid_sentence = bool(before) and before[-1] not in ".!?:\n"
    return text[start] in _WORDLIKE or (text[start] in _HEARTS and mid_sentence)


def find_emoji(text: str) -> list[EmojiUse]:
    found: list[EmojiUse] = []
    for item in emoji.emoji_list(text):
        char = str(item["emoji"])
        if char in _TEXT_SYMBOLS:
            continue
        start, end = int(item["match_start"]), int(item["match_end"])
        found.append(EmojiUse(start, end, char, _replaces_words(text, start, end)))
    return found


def emoji_findings(
    ctx: Context, text: str, field: str, where: str, *, words: bool = True
) -> list[Finding]:
    """Findings for one paragraph or post; ``where`` names it for people ("this paragraph").

    ``words=False`` leaves out emoji used in place of words (reported on the appeal already).
    """
    uses = find_emoji(text)
    findings: list[Finding] = []
    for use in uses:
        if use.replaces_words and words:
            context = text[max(0, use.start - 15) : use.end + 15]
            findings.append(
                ctx.finding(
                    "emoji",
                    "warning",
                    f"The emoji {use.emoji} stands in for words in {quote(context)}: screen "
                    f"readers read it as '{emoji_name(use.emoji)}', and not everyone knows "
                    "what it means.",
                    "Write the words instead, e.g. 'Call 101' rather than '📞 101'.",
                    field,
                )
            )
    if len(uses) > MAX_PER_UNIT:
        names = ", ".join(f"{u.emoji} '{emoji_name(u.emoji)}'" for u in uses)
        findings.append(
            ctx.finding(
                "emoji",
                "warning",
                f"{where.capitalize()} has {len(uses)} emoji ({names}). Screen readers read "
                f"each one out by name, which gets in the way: {quote(text)}.",
                f"Use at most {MAX_PER_UNIT} emoji in {where}, at the end, never in place of "
                "words.",
                field,
            )
        )
    return findings


def _where(unit: Unit) -> str:
    names = {"title": "the title", "summary": "the summary", "heading": "this heading"}
    return names.get(
        unit.kind.value, "this text" if unit.kind.value == "label" else "this paragraph"
    )


def check_emoji(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for unit in units(ctx.appeal):
        findings.extend(emoji_findings(ctx, unit.text, unit.field, _where(unit)))
    return findings
