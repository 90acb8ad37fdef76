"""An appeal as one Facebook Page post: plain text, read top to bottom, never a thread.

Facebook takes 63,206 characters in a post, so an appeal fits whole: the lead (a missing
person's age and where they were last seen), the summary, the body's paragraphs, the call to
action, every contact on its own line (numbers grouped as every channel writes them), the link,
and the hashtags last, in CamelCase, as on X. Lines come from :mod:`publisher.channels.x.lines`,
which every social channel shares. The share image goes with its alt text; an image without alt
text is left out.

Pure: the same appeal gives the same post, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.channel import Media, PlatformLimits, SocialPost
from publisher.channels.x.bilingual import bilingual_alt, bilingual_hashtags
from publisher.channels.x.lines import hashtags_for, lead_line, paragraphs, social_lines, words_for
from publisher.channels.x.render import Posts
from publisher.channels.x.text import ELLIPSIS, clean_inline
from publisher.domain.record import Appeal, AppealStatus

__all__ = [
    "FACEBOOK_LIMITS",
    "MAX_CHARACTERS",
    "MAX_HASHTAGS",
    "Posts",
    "render_combined_posts",
    "render_combined_update_posts",
    "render_posts",
    "render_update_posts",
    "weigh",
]

MAX_CHARACTERS = 63_206
"""The longest Page post Facebook accepts, in characters."""
MAX_HASHTAGS = 2
"""Hashtags in a post (those in the text count too), the last line; more reads as spam and
hurts screen readers (the linter's rule for every social post)."""
FACEBOOK_LIMITS = PlatformLimits(
    name="Facebook", max_weight=MAX_CHARACTERS, max_alt=1000, max_media=1
)
"""What a Page post takes: 63,206 characters, one photo (with ``alt_text_custom``). The alt text
is kept to 1,000 characters, as on X: longer descriptions are not read well by screen readers."""


def weigh(text: str) -> int:
    """A post's length as Facebook counts it: characters (code points)."""
    return len(text)


def _media(appeal: Appeal, warnings: list[str]) -> tuple[Media, ...]:
    image = appeal.image
    if image is None:
        return ()
    alt = clean_inline(image.alt or "")
    if not alt:
        warnings.append(
            "facebook: the share image has no alt text, so it is not attached (an image is "
            "never posted without alt text); add a description of the image to attach it"
        )
        return ()
    if len(alt) > FACEBOOK_LIMITS.max_alt:
        cut = alt[: FACEBOOK_LIMITS.max_alt - len(ELLIPSIS)]
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        alt = cut + ELLIPSIS
        warnings.append(
            f"facebook: the image alt text was shortened to {FACEBOOK_LIMITS.max_alt} characters"
        )
    return (Media(url=str(image.url), alt_text=alt),)


def _compose(blocks: Sequence[str], url: str, tags: Sequence[str]) -> str:
    parts = [*blocks, url]
    if tags:
        parts.append(" ".join(tags))
    return "\n\n".join(part for part in parts if part)


def _seen(text: str, shown: list[str]) -> bool:
    key = text.lower().rstrip(".!? ")
    return not key or any(key in block.lower() for block in shown)


def _parts(appeal: Appeal) -> tuple[list[str], list[str], list[str]]:
    """The post's blocks: the head (the lead, a missing person's details, the summary), the
    body's paragraphs (those not already said), the tail (call to action, contacts)."""
    lines = social_lines(appeal)
    head = [lines.lead]
    if lines.details:
        head.append(" ".join(lines.details))
    summary = lines.summary
    if not _seen(summary, head):
        head.append(summary)
    body: list[str] = []
    for paragraph in paragraphs(appeal):
        text = clean_inline(paragraph)
        if not _seen(text, [*head, *body]):
            body.append(text)
    action = lines.action
    tail: list[str] = []
    if action and not _seen(action, [*head, *body]):
        tail.append(action)
    if lines.contacts:
        tail.append("\n".join([lines.words.who_to_contact, *lines.contacts]))
    return head, body, tail


def render_posts(appeal: Appeal) -> Posts:
    """The post for an appeal as it stands now.

    - withdrawn: nothing;
    - resolved: the resolution line and the link, no image, no personal details;
    - otherwise the whole appeal in one post, with the share image and its alt text. Should it
      ever be longer than Facebook takes, paragraphs are left out from the last (with a
      warning), never the contacts or the link.
    """
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("facebook: the appeal is withdrawn; nothing is posted",))
    url = str(appeal.url)
    if appeal.status is AppealStatus.RESOLVED:
        line = clean_inline(appeal.resolution or "")
        return Posts(posts=(_post(_compose([line], url, [])),), warnings=())
    warnings: list[str] = []
    media = _media(appeal, warnings)
    head, body, tail = _parts(appeal)
    tags = hashtags_for(appeal, "\n".join([*head, *body, *tail]), MAX_HASHTAGS)
    text = _compose([*head, *body, *tail], url, tags)
    while weigh(text) > MAX_CHARACTERS and body:
        body.pop()
        warnings.append("facebook: a paragraph was left out to fit Facebook's 63,206 characters")
        text = _compose([*head, *body, *tail], url, tags)
    if weigh(text) > MAX_CHARACTERS:
        room = MAX_CHARACTERS - weigh(_compose([], url, tags)) - 2 - len(ELLIPSIS)
        text = _compose([text[: max(room, 0)] + ELLIPSIS], url, tags)
        warnings.append("facebook: the text was shortened to fit Facebook's 63,206 characters")
    return Posts(posts=(_post(text, media),), warnings=tuple(warnings))


def render_update_posts(appeal: Appeal) -> Posts:
    """One "UPDATE: …" text for a new revision or a resolution (posted as a comment on the
    appeal's post, see the channel)."""
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("facebook: the appeal is withdrawn; no update is posted",))
    url = str(appeal.url)
    update = words_for(appeal).update
    if appeal.status is AppealStatus.RESOLVED:
        return Posts(
            posts=(
                _post(_compose([f"{update}: {clean_inline(appeal.resolution or '')}"], url, [])),
            ),
            warnings=(),
        )
    lines = [f"{update}: {lead_line(appeal)}"]
    summary = clean_inline(appeal.summary)
    if not _seen(summary, lines):
        lines.append(summary)
    return Posts(posts=(_post(_compose(lines, url, [])),), warnings=())


def _post(text: str, media: tuple[Media, ...] = ()) -> SocialPost:
    if weigh(text) > MAX_CHARACTERS:
        raise AssertionError(f"post counts {weigh(text)} (> {MAX_CHARACTERS})")
    return SocialPost(text=text, weight=weigh(text), media=media)


# One post in every language (PUBLISHER_BILINGUAL_POSTS=combined) -----------------------------


def _bilingual(sections: Sequence[Sequence[str]], urls: Sequence[str], tags: Sequence[str]) -> str:
    """Every language's blocks in turn (a blank line between all of them), then the link once
    when every language links the same page (else each language's after its blocks), then
    the hashtags."""
    one_link = len(set(urls)) == 1
    blocks = [
        block
        for section, url in zip(sections, urls, strict=True)
        for block in (*section, *(() if one_link else (url,)))
    ]
    return _compose(blocks, urls[0], tags) if one_link else _compose(blocks, "", tags)


def _combined_media(versions: Sequence[Appeal], warnings: list[str]) -> tuple[Media, ...]:
    media = _media(versions[0], warnings)
    if not media:
        return media
    alt, left_out = bilingual_alt(versions, FACEBOOK_LIMITS.max_alt)
    if left_out:
        warnings.append(
            f"facebook: the image is described in {versions[0].locale} only: every language's "
            f"description together is longer than {FACEBOOK_LIMITS.max_alt} characters"
        )
    return media if alt is None else (Media(url=media[0].url, alt_text=alt),)


def render_combined_posts(versions: Sequence[Appeal], *, shorten: bool = False) -> Posts | None:
    """The appeal in every language of ``versions`` (posting order, one language each) as one
    Page post: each language's whole appeal in turn (as :func:`render_posts` writes it), the
    link(s), the hashtags of every language. Withdrawn: nothing; resolved: every language's
    resolution line and the link(s).

    Longer than Facebook takes: None, or with ``shorten`` (what the channel asks for, since a
    Page post is one post and a bilingual appeal is never split over two) the last body
    paragraph of the longest language is left out, again until it fits, with a warning; the
    contacts and links are never left out."""
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_posts(lead)
    urls = [str(version.url) for version in versions]
    if lead.status is AppealStatus.RESOLVED:
        lines = [[clean_inline(version.resolution or "")] for version in versions]
        text = _bilingual(lines, urls, [])
        return Posts(posts=(_post(text),), warnings=()) if weigh(text) <= MAX_CHARACTERS else None
    parts = [_parts(version) for version in versions]
    sections = [[*head, *body, *tail] for head, body, tail in parts]
    present = "\n".join(block for section in sections for block in section)
    tags = bilingual_hashtags(versions, present, MAX_HASHTAGS)
    text = _bilingual(sections, urls, tags)
    warnings: list[str] = []
    while weigh(text) > MAX_CHARACTERS:
        bodies = [body for _, body, _ in parts if body]
        if not shorten or not bodies:
            return None
        max(bodies, key=lambda body: sum(map(len, body))).pop()
        sections = [[*head, *body, *tail] for head, body, tail in parts]
        text = _bilingual(sections, urls, tags)
        if not warnings:
            warnings.append(
                "facebook: paragraphs were left out to fit both languages in one post of "
                "Facebook's 63,206 characters"
            )
    media = _combined_media(versions, warnings)
    return Posts(posts=(_post(text, media),), warnings=tuple(warnings))


def render_combined_update_posts(versions: Sequence[Appeal]) -> Posts | None:
    """One "UPDATE: …" text in every language of ``versions`` (each language's update line and
    summary, as :func:`render_update_posts` writes it), then the link(s)."""
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_update_posts(lead)
    urls = [str(version.url) for version in versions]
    sections: list[list[str]] = []
    for version in versions:
        update = words_for(version).update
        if version.status is AppealStatus.RESOLVED:
            sections.append([f"{update}: {clean_inline(version.resolution or '')}"])
            continue
        lines = [f"{update}: {lead_line(version)}"]
        summary = clean_inline(version.summary)
        if not _seen(summary, lines):
            lines.append(summary)
        sections.append(lines)
    text = _bilingual(sections, urls, [])
    return Posts(posts=(_post(text),), warnings=()) if weigh(text) <= MAX_CHARACTERS else None
