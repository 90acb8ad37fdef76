"""Translations: present for every language the force publishes in, and made from the words the
primary language has now (``translation-missing``, ``translation-not-marked``,
``translation-out-of-date``).

The other checks read the primary language only: their rules (reading age, sentence length,
abbreviations) are English rules and are not applied to the Welsh or any other translation.
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.domain.record import translatable_digest
from publisher.lint._context import Context
from publisher.lint._finding import Finding, Severity

__all__ = ["check_translations", "language_name"]

_NAMES = {"en": "English", "cy": "Welsh", "gd": "Gaelic", "ga": "Irish"}


def language_name(locale: str) -> str:
    """``cy_GB`` -> ``Welsh``; a locale without a known name is given as written."""
    return _NAMES.get(locale.partition("_")[0], locale)


def check_translations(ctx: Context, languages: Sequence[str]) -> list[Finding]:
    """For a force publishing in ``languages`` (more than one: bilingual), each of them other
    than the appeal's own needs a translation made from the current primary words. A force with
    one language still hears (as a warning) of a translation it carries that is out of date."""
    appeal = ctx.appeal
    bilingual = len(languages) > 1
    severity: Severity = "error" if bilingual else "warning"
    primary = language_name(appeal.locale)
    findings: list[Finding] = []
    if bilingual:
        for locale in languages:
            if locale != appeal.locale and appeal.translation(locale) is None:
                name = language_name(locale)
                findings.append(
                    ctx.finding(
                        "translation-missing",
                        "error",
                        f"no {name} ({locale}) version: this force publishes every appeal in "
                        f"{', '.join(language_name(lang) for lang in languages)}",
                        f"Add a '--- {locale}' section after the {primary} text, with its own "
                        f"title: and the {name} text (see docs/record-format.md).",
                        "translations",
                    )
                )
    current = translatable_digest(appeal)
    for index, tr in enumerate(appeal.translations):
        name = language_name(tr.locale)
        if tr.source_digest is None:
            findings.append(
                ctx.finding(
                    "translation-not-marked",
                    severity,
                    f"the {name} ({tr.locale}) version is not marked as made from the current "
                    f"{primary} text, so no one can tell when the {primary} changes after it",
                    f"Once the {name} says what the {primary} says, run "
                    "'publisher translate --mark-current FILE'.",
                    f"translations.{index}",
                )
            )
        elif tr.source_digest != current:
            findings.append(
                ctx.finding(
                    "translation-out-of-date",
                    severity,
                    f"out of date: the {primary} changed after the {name} ({tr.locale}) was "
                    f"written (its title, summary, text, image description, hashtags or "
                    "resolution)",
                    f"Bring the {name} up to date with the {primary}, then run "
                    "'publisher translate --mark-current FILE'.",
                    f"translations.{index}",
                )
            )
    return findings
