"""Checks on social posts as rendered: hashtags, links, emoji, length and image alt text,
against the limits each channel declares for its platform (``Rendition.limits``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from publisher.channel import PlatformLimits, Rendition, SocialPost
from publisher.domain.record import Appeal
from publisher.lint._context import Context, quote, units
from publisher.lint._emoji import emoji_findings
from publisher.lint._finding import Finding
from publisher.lint._hashtags import hashtag_findings

__all__ = ["lint_renditions"]

MAX_HASHTAGS = 2
MAX_LINKS = 1


_HASHTAG_RE = re.compile(r"(?<![\w&/])#(\w+)")
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def _appeal_tags(appeal: Appeal) -> frozenset[str]:
    tags = {tag.lower() for tag in appeal.hashtags}
    for unit in units(appeal):
        tags.update(tag.lower() for tag in _HASHTAG_RE.findall(unit.text))
    return frozenset(tags)


def _own_pages(appeal: Appeal) -> frozenset[str]:
    """The appeal's page in each of its languages."""
    return frozenset(str(appeal.in_language(locale).url) for locale in appeal.languages)


def _post_findings(
    ctx: Context,
    post: SocialPost,
    field: str,
    platform: PlatformLimits | None,
    known_tags: frozenset[str],
) -> list[Finding]:
    findings: list[Finding] = []
    where = platform.name if platform else "this channel"
    tags = _HASHTAG_RE.findall(post.text)
    if len(tags) > MAX_HASHTAGS:
        findings.append(
            ctx.finding(
                "social-hashtags",
                "warning",
                f"This post has {len(tags)} hashtags ({', '.join('#' + t for t in tags)}). "
                "Screen readers read each one out, and many hashtags look like spam.",
                f"Use at most {MAX_HASHTAGS} hashtags in a post, at the end.",
                field,
            )
        )
    for tag in dict.fromkeys(tags):
        if tag.lower() not in known_tags:  # the appeal's own tags are checked on the appeal
            findings.extend(hashtag_findings(ctx, tag, field))
    links = _LINK_RE.findall(post.text)
    own = _own_pages(ctx.appeal)
    # The appeal's page in each of its languages is one link (a bilingual post links each).
    count = len([link for link in links if link not in own]) + any(link in own for link in links)
    if count > MAX_LINKS:
        findings.append(
            ctx.finding(
                "social-links",
                "warning",
                f"This post has {count} links. With more than one, people do not know "
                "which to follow, and the link preview shows only one.",
                f"Keep {MAX_LINKS} link per post (the appeal's page); put the others on the page.",
                field,
            )
        )
    findings.extend(emoji_findings(ctx, post.text, field, "a post", words=False))
    if platform is not None and post.weight > platform.max_weight:
        findings.append(
            ctx.finding(
                "post-too-long",
                "error",
                f"This post counts {post.weight} on {where}, over its limit of "
                f"{platform.max_weight}: {quote(post.text, 60)}. {where} will refuse it.",
                "Shorten the appeal's text or split the post into a thread.",
                field,
            )
        )
    for number, media in enumerate(post.media):
        media_field = f"{field}.media[{number}]"
        alt = media.alt_text.strip()
        if not alt:
            findings.append(
                ctx.finding(
                    "alt-text-missing",
                    "error",
                    f"An image in this post has no alt text ({media.url}).",
                    "Add alt text that says what the image shows.",
                    media_field,
                )
            )
        elif platform is not None and len(alt) > platform.max_alt:
            findings.append(
                ctx.finding(
                    "alt-text-too-long",
                    "error",
                    f"The image's alt text has {len(alt)} characters; {where} accepts at most "
                    f"{platform.max_alt}: {quote(alt, 60)}.",
                    f"Shorten the alt text to {platform.max_alt} characters or fewer: describe "
                    "what matters in the image, not every detail.",
                    media_field,
                )
            )
    return findings


def lint_renditions(appeal: Appeal, renditions: Sequence[Rendition]) -> list[Finding]:
    """Findings for the posts of social renditions. File-only renditions have none."""
    ctx = Context(appeal)
    findings: list[Finding] = []
    known_tags = _appeal_tags(appeal)
    for rendition in renditions:
        platform = rendition.limits
        for index, post in enumerate(rendition.posts):
            field = f"{rendition.channel}.posts[{index}]"
            findings.extend(_post_findings(ctx, post, field, platform, known_tags))
    return findings
