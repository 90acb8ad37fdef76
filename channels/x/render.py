"""An appeal as X posts: a first post that stands alone, then a thread with the contacts.

Pure: the same appeal gives the same posts, byte for byte. See :func:`render_posts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.channel import Media, PlatformLimits, SocialPost
from publisher.channels.x.entities import limit_hashtags
from publisher.channels.x.lines import call_to_action as _call_to_action
from publisher.channels.x.lines import contact_line as _contact_line
from publisher.channels.x.lines import hashtags_for, words_for
from publisher.channels.x.lines import lead_line as _lead
from publisher.channels.x.lines import person_details as _details
from publisher.channels.x.text import (
    ELLIPSIS,
    MAX_WEIGHT,
    clean_inline,
    fits,
    pack,
    sentences,
    truncate,
    weigh,
)
from publisher.domain.record import Appeal, AppealStatus

__all__ = [
    "ALT_TEXT_LIMIT",
    "MAX_HASHTAGS",
    "X_LIMITS",
    "Posts",
    "render_posts",
    "render_update_posts",
]

X_LIMITS = PlatformLimits(name="X", max_weight=MAX_WEIGHT, max_alt=1000, max_media=4)
"""What X accepts: 280 by twitter-text's weighting, 1000 characters of alt text per image, four
images a post. The channel renders within these; the linter checks renditions against them."""
ALT_TEXT_LIMIT = X_LIMITS.max_alt
MAX_HASHTAGS = 2
"""Never more than two hashtags in one post (more reads as spam and hurts screen readers)."""


@dataclass(frozen=True)
class Posts:
    """Rendered posts and what the rendering had to leave out or change."""

    posts: tuple[SocialPost, ...]
    warnings: tuple[str, ...]


def _post(text: str, media: tuple[Media, ...] = ()) -> SocialPost:
    if not fits(text):
        raise AssertionError(f"post weighs {weigh(text)} (> {MAX_WEIGHT}): {text!r}")
    return SocialPost(text=text, weight=weigh(text), media=media)


def _tags(appeal: Appeal, present: str) -> list[str]:
    """The appeal's hashtags in CamelCase, skipping ones ``present`` already shows."""
    return hashtags_for(appeal, present, MAX_HASHTAGS)


def _first_post(appeal: Appeal, limit: int, warnings: list[str]) -> tuple[str, list[str]]:
    """The first post's text, and the lines that did not fit and open the thread instead.

    It holds the lead, then (a missing person) their age and where they were last seen, the
    call to action, the link and the hashtags. When that is too long, the hashtags go first,
    then the call to action's sentences from the last, then the person's details (each moved
    whole to the thread); only when lead and link alone are too long is the title shortened.
    """
    url = str(appeal.url)
    lead = _lead(appeal)
    details = _details(appeal, lead)
    action = _call_to_action(appeal)
    said = sentences(action) if action else []
    tags = _tags(appeal, " ".join(filter(None, (lead, *details, action))))

    def compose(lead: str, details: list[str], action: list[str], tags: list[str]) -> str:
        parts = [lead]
        if details:
            parts.append(" ".join(details))
        if action:
            parts.append(" ".join(action))
        parts.append(url + (" " + " ".join(tags) if tags else ""))
        return "\n\n".join(parts)

    # The most details, then the most of the call to action, that fit (without hashtags).
    shapes = ((d, a) for d in range(len(details), -1, -1) for a in range(len(said), -1, -1))
    kept = next(
        ((d, a) for d, a in shapes if fits(compose(lead, details[:d], said[:a], []), limit)),
        None,
    )
    if kept is None:
        room = limit - weigh(compose("", [], [], []))
        lead = truncate(lead, room)
        warnings.append("x: the title was shortened to fit the first post")
        kept = (0, 0)
    d, a = kept
    moved = details[d:]
    for _ in moved:
        warnings.append("x: a line about the missing person did not fit the first post")
    if a < len(said):
        moved.append(" ".join(said[a:]))
        warnings.append(
            "x: the end of the call to action did not fit the first post; it opens the thread"
            if a
            else "x: the call to action did not fit the first post; it opens the thread"
        )
    chosen: list[str] = []
    for tag in tags:
        if fits(compose(lead, details[:d], said[:a], [*chosen, tag]), limit):
            chosen.append(tag)
        else:
            warnings.append(f"x: hashtag {tag} left out of the first post (no room)")
    return compose(lead, details[:d], said[:a], chosen), moved


def _thread_units(appeal: Appeal, first: str, moved: list[str]) -> list[list[str]]:
    units: list[list[str]] = [[line] for line in moved]
    summary = clean_inline(appeal.summary)
    normalised = summary.lower().rstrip(".!? ")
    if normalised and normalised not in first.lower():
        units.append([summary])
    words = words_for(appeal)
    contacts = [_contact_line(c, words) for c in appeal.contacts]
    if contacts:
        units.append(["", words.who_to_contact, contacts[0]])
        units.extend([line] for line in contacts[1:])
    return units


def _numbered(texts: list[str]) -> list[str]:
    total = len(texts)
    return [f"{text}\n{index}/{total}" for index, text in enumerate(texts, start=1)]


def _media(appeal: Appeal, warnings: list[str]) -> tuple[Media, ...]:
    image = appeal.image
    if image is None:
        return ()
    alt = clean_inline(image.alt or "")
    if not alt:
        warnings.append(
            "x: the share image has no alt text, so it is not attached (an image is never "
            "posted without alt text); add a description of the image to attach it"
        )
        return ()
    if len(alt) > ALT_TEXT_LIMIT:
        cut = alt[: ALT_TEXT_LIMIT - len(ELLIPSIS)]
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        alt = cut + ELLIPSIS
        warnings.append(f"x: the image alt text was shortened to X's {ALT_TEXT_LIMIT} characters")
    return (Media(url=str(image.url), alt_text=alt),)


def _demote_extra_hashtags(texts: list[str], warnings: list[str]) -> list[str]:
    result = []
    for number, text in enumerate(texts, start=1):
        limited, demoted = limit_hashtags(text, MAX_HASHTAGS)
        if demoted:
            shown = ", ".join(demoted)
            warnings.append(
                f"x: post {number} had more than {MAX_HASHTAGS} hashtags; '#' removed from {shown}"
            )
        result.append(limited)
    return result


def _thread(appeal: Appeal, limit: int, warnings: list[str]) -> list[str]:
    first, moved = _first_post(appeal, limit, warnings)
    rest = pack(_thread_units(appeal, first, moved), limit)
    return _demote_extra_hashtags([first, *rest], warnings)


def _single(text: str, url: str) -> str:
    """One post: ``text`` (shortened if it must be) and the link."""
    room = MAX_WEIGHT - weigh(f"\n\n{url}")
    return f"{truncate(text, room)}\n\n{url}"


def render_posts(appeal: Appeal) -> Posts:
    """The posts for an appeal as it stands now.

    - withdrawn: nothing;
    - resolved: one post, the resolution line and the link, no image and no personal details;
    - otherwise a first post (title or attention line; for a missing person their age and
      where they were last seen, when the record says them; call to action, link, at most two
      CamelCase hashtags, the share image with its alt text) and, when there is more to say,
      a thread: the summary, then every contact, never splitting a number or a URL. Posts are
      numbered "1/3" when numbering fits.
    """
    warnings: list[str] = []
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("x: the appeal is withdrawn; nothing is posted",))
    url = str(appeal.url)
    if appeal.status is AppealStatus.RESOLVED:
        line = clean_inline(appeal.resolution or "")
        text, _ = limit_hashtags(_single(line, url), MAX_HASHTAGS)
        return Posts(posts=(_post(text),), warnings=())
    media = _media(appeal, warnings)
    thread_warnings: list[str] = []
    texts = _thread(appeal, MAX_WEIGHT, thread_warnings)
    if len(texts) > 1:
        # Number the posts "1/3" when room for the numbers can be made in every post (the
        # reserve grows if making room adds so many posts that the count needs more digits).
        for count in (len(texts), len(texts) + 9):
            numbered_warnings: list[str] = []
            reserve = weigh(f"\n{count}/{count}")
            numbered = _numbered(_thread(appeal, MAX_WEIGHT - reserve, numbered_warnings))
            if all(fits(text) for text in numbered):
                texts, thread_warnings = numbered, numbered_warnings
                break
    warnings.extend(thread_warnings)
    posts = [_post(texts[0], media), *(_post(text) for text in texts[1:])]
    return Posts(posts=tuple(posts), warnings=tuple(warnings))


def render_update_posts(appeal: Appeal) -> Posts:
    """One "UPDATE: …" post for a new revision or a resolution, to reply to the first post."""
    url = str(appeal.url)
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("x: the appeal is withdrawn; no update is posted",))
    if appeal.status is AppealStatus.RESOLVED:
        line = clean_inline(appeal.resolution or "")
    else:
        line = _lead(appeal)
        summary = clean_inline(appeal.summary)
        if summary and summary.lower().rstrip(".!? ") not in line.lower():
            with_summary = f"{words_for(appeal).update}: {line}\n{summary}\n\n{url}"
            if fits(with_summary):
                text, _ = limit_hashtags(with_summary, MAX_HASHTAGS)
                return Posts(posts=(_post(text),), warnings=())
    text, _ = limit_hashtags(_single(f"{words_for(appeal).update}: {line}", url), MAX_HASHTAGS)
    return Posts(posts=(_post(text),), warnings=())
