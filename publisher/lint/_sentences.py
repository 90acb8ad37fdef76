"""Long sentences and reading age (Flesch-Kincaid grade + 5), computed offline."""

from __future__ import annotations

from publisher.domain.readability import TextStats, split_sentences, split_words, text_stats
from publisher.lint._context import Context, Unit, UnitKind, quote, units
from publisher.lint._finding import Finding

__all__ = [
    "HARDEST_SHOWN",
    "MAX_READING_AGE",
    "MAX_SENTENCE_WORDS",
    "check_long_sentences",
    "check_reading_age",
]

MAX_SENTENCE_WORDS = 25
MAX_READING_AGE = 9.0
HARDEST_SHOWN = 3
MIN_PARAGRAPH_WORDS = 8
"""Shorter paragraphs give unstable scores; they still count towards the appeal's age."""


def _prose_units(ctx: Context) -> list[Unit]:
    return [u for u in units(ctx.appeal) if u.kind is UnitKind.PROSE]


def check_long_sentences(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for unit in [u for u in units(ctx.appeal) if u.kind in (UnitKind.PROSE, UnitKind.SUMMARY)]:
        for sentence in split_sentences(unit.text):
            count = len(split_words(sentence))
            if count <= MAX_SENTENCE_WORDS:
                continue
            findings.append(
                ctx.finding(
                    "long-sentence",
                    "warning",
                    f"This sentence has {count} words: {quote(sentence, 60)}. Sentences over "
                    f"{MAX_SENTENCE_WORDS} words are hard to follow, especially on a phone.",
                    "Split it into two or three shorter sentences, one idea each.",
                    unit.field,
                )
            )
    return findings


def check_reading_age(ctx: Context) -> list[Finding]:
    prose = _prose_units(ctx)
    per_unit: list[tuple[Unit, TextStats]] = [(u, text_stats(u.text)) for u in prose]
    total = TextStats(0, 0, 0)
    for _, stats in per_unit:
        total = total + stats
    if total.words == 0:
        return []
    age = total.reading_age
    if age <= MAX_READING_AGE:
        return []
    hardest = sorted(
        (
            (unit, stats)
            for unit, stats in per_unit
            if stats.words >= MIN_PARAGRAPH_WORDS and stats.reading_age > MAX_READING_AGE
        ),
        key=lambda item: -item[1].reading_age,
    )[:HARDEST_SHOWN]
    listed = "; ".join(
        f"{_where(ctx, unit)} (reading age {stats.reading_age:.0f}): {quote(unit.text, 50)}"
        for unit, stats in hardest
    )
    message = (
        f"The appeal has a reading age of {age:.0f} (Flesch-Kincaid grade {total.grade:.1f} "
        f"+ 5, over {total.words} words). Aim for {MAX_READING_AGE:.0f} or under, so that "
        "most people can read it quickly, under stress, in a second language or with a "
        "learning disability."
    )
    if listed:
        message += f" Hardest paragraphs: {listed}."
    return [
        ctx.finding(
            "reading-age",
            "warning",
            message,
            "Use shorter sentences and everyday words ('help' rather than 'assistance', "
            "'about' rather than 'approximately'); start with the hardest paragraphs.",
            hardest[0][0].field if hardest else "body",
        )
    ]


def _where(ctx: Context, unit: Unit) -> str:
    line = ctx.line_of(unit.field)
    return f"{unit.field}, line {line}" if line is not None else unit.field
