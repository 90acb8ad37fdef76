"""The title, the summary and the topics: what search results, cards and feeds show."""

from __future__ import annotations

from publisher.domain.record import SENSITIVE_TOPICS
from publisher.lint._context import Context, quote
from publisher.lint._finding import Finding

__all__ = ["MAX_SUMMARY", "MAX_TITLE", "check_summary", "check_title", "check_topics"]

MAX_TITLE = 65
"""GOV.UK: titles of 65 characters or fewer, so search results do not cut them."""
MAX_SUMMARY = 160


def check_title(ctx: Context) -> list[Finding]:
    title = ctx.appeal.title
    if len(title) <= MAX_TITLE:
        return []
    return [
        ctx.finding(
            "title-too-long",
            "warning",
            f"The title has {len(title)} characters: {quote(title, 80)}. Search engines and "
            f"social cards cut titles after about {MAX_TITLE}.",
            f"Shorten it to {MAX_TITLE} characters or fewer, with the most important words "
            "first. Leave the force's name out: the site adds it.",
            "title",
        )
    ]


def check_summary(ctx: Context) -> list[Finding]:
    summary = ctx.appeal.summary.strip()
    if not summary:
        return [
            ctx.finding(
                "summary-missing",
                "warning",
                "The appeal has no summary, so feeds and cards have nothing to show under the "
                "title.",
                "Add a one- or two-sentence summary of the appeal.",
                "summary",
            )
        ]
    if len(summary) <= MAX_SUMMARY:
        return []
    return [
        ctx.finding(
            "summary-too-long",
            "warning",
            f"The summary has {len(summary)} characters: {quote(summary, 80)}. Search "
            f"results and cards cut summaries after about {MAX_SUMMARY}.",
            f"Shorten it to {MAX_SUMMARY} characters or fewer: one or two sentences saying "
            "what happened and what you want people to do.",
            "summary",
        )
    ]


def check_topics(ctx: Context) -> list[Finding]:
    appeal = ctx.appeal
    unconfirmed = [
        t.value
        for t in appeal.inferred_topics
        if t.value in SENSITIVE_TOPICS and t not in appeal.topics
    ]
    if not unconfirmed:
        return []
    listed = ", ".join(unconfirmed)
    return [
        ctx.finding(
            "topics-unconfirmed",
            "warning",
            f"The text looks like it is about {listed.replace('-', ' ')}, so the page will "
            "get an 'Exit this page' button and safety advice. The author has not set this "
            "topic.",
            f"Check the topic is right and confirm it by adding 'topics: [{listed}]' to the "
            "appeal (or remove the words that suggested it, if it is wrong).",
            "topics",
        )
    ]
