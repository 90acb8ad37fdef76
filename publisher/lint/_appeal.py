"""Every check on an appeal, in one place, and the order findings are reported in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from publisher.domain.record import Appeal
from publisher.lint._abbreviations import check_abbreviations
from publisher.lint._alt import check_alt_text
from publisher.lint._capitals import check_block_capitals
from publisher.lint._context import Context, units
from publisher.lint._emoji import check_emoji
from publisher.lint._finding import Finding
from publisher.lint._hashtags import check_hashtags
from publisher.lint._links import check_link_text
from publisher.lint._metadata import check_summary, check_title, check_topics
from publisher.lint._mojibake import check_mojibake
from publisher.lint._phones import check_phone_numbers
from publisher.lint._sentences import check_long_sentences, check_reading_age
from publisher.lint._translations import check_translations

__all__ = ["CHECKS", "ENGLISH_RULES", "is_english", "lint_appeal"]

Check = Callable[[Context], list[Finding]]

CHECKS: tuple[Check, ...] = (
    check_mojibake,
    check_phone_numbers,
    check_alt_text,
    check_title,
    check_summary,
    check_topics,
    check_block_capitals,
    check_emoji,
    check_hashtags,
    check_link_text,
    check_long_sentences,
    check_abbreviations,
    check_reading_age,
)


ENGLISH_RULES: frozenset[Check] = frozenset(
    {check_long_sentences, check_reading_age, check_abbreviations, check_link_text}
)
"""Checks whose rules are English ones (sentence length and reading age are measured with
English norms, abbreviations and vague link text come from English lists): they read an
appeal whose language is English only, never Welsh or another language with English rules."""


def is_english(locale: str) -> bool:
    """Whether ``locale`` ('en_GB', 'en') is an English one."""
    return locale.replace("-", "_").split("_")[0].lower() == "en"


def lint_appeal(
    appeal: Appeal, *, lines: Mapping[str, int] | None = None, languages: Sequence[str] = ()
) -> list[Finding]:
    """Every accessibility and safety finding for ``appeal``, in reading order.

    ``lines`` maps record fields to the line of the source file they came from, e.g.
    ``{"title": 3, "body[4]": 17, "body[4].paragraphs[1]": 19}``. A finding's line is that of
    its field or, failing that, of the nearest enclosing field ("body[4]" for
    "body[4].paragraphs[1]"); without a mapping lines are None.

    ``languages`` are the locales the force publishes in (``Settings.languages``); with more
    than one, a missing or out-of-date translation is an error. The checks of :data:`CHECKS`
    read the primary language only; those of :data:`ENGLISH_RULES` only when it is English.
    """
    ctx = Context(appeal, lines)
    english = is_english(appeal.locale)
    checks = [check for check in CHECKS if english or check not in ENGLISH_RULES]
    findings = [finding for check in checks for finding in check(ctx)]
    findings.extend(check_translations(ctx, languages))
    order = {unit.field: index for index, unit in enumerate(units(appeal))}

    def position(finding: Finding) -> tuple[int, int]:
        field = finding.field or ""
        for key in (field, *_parents(field)):
            if key in order:
                return (0, order[key])
        return (0, -1) if field in ("", "image.alt", "topics") else (1, 0)

    return sorted(findings, key=position)


def _parents(field: str) -> list[str]:
    parents: list[str] = []
    while "." in field or field.endswith("]"):
        cut = max(field.rfind("."), field.rfind("["))
        if cut <= 0:
            break
        field = field[:cut]
        parents.append(field)
    return parents
