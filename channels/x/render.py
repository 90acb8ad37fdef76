"""An appeal as X posts: a first post that stands alone, then a thread with the contacts.

Pure: the same appeal gives the same posts, byte for byte. See :func:`render_posts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from publisher.channel import Media, PlatformLimits, SocialPost
from publisher.channels.x.bilingual import (
    bilingual_alt,
    bilingual_hashtags,
    bilingual_text,
    details_in_first,
    details_moved,
    first_lines,
    first_text,
    update_texts,
)
from publisher.channels.x.entities import limit_hashtags
from publisher.channels.x.lines import FIRST_POST_HASHTAGS, social_lines, words_for
from publisher.channels.x.lines import lead_line as _lead
from publisher.channels.x.text import (
    ELLIPSIS,
    MAX_WEIGHT,
    clean_inline,
    fits,
    lines_fit,
    pack,
    truncate,
    weigh,
)
from publisher.domain.record import Appeal, AppealStatus

__all__ = [
    "ALT_TEXT_LIMIT",
    "MAX_HASHTAGS",
    "X_LIMITS",
    "Posts",
    "render_combined_posts",
    "render_combined_update_posts",
    "render_posts",
    "render_update_posts",
]

X_LIMITS = PlatformLimits(name="X", max_weight=MAX_WEIGHT, max_alt=1000, max_media=4)
"""What X accepts: 280 by twitter-text's weighting, 1000 characters of alt text per image, four
images a post. The channel renders within these; the linter checks renditions against them."""
ALT_TEXT_LIMIT = X_LIMITS.max_alt
MAX_HASHTAGS = FIRST_POST_HASHTAGS
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


def _first_post(appeal: Appeal, limit: int, warnings: list[str]) -> tuple[str, list[str]]:
    """The first post's text, and the lines that did not fit and open the thread instead.

    It holds the lead, then (a missing person) their age and where they were last seen, the
    call to action, the link and the hashtags. When that is too long, the hashtags go first,
    then the call to action's sentences from the last, then the person's details (each moved
    whole to the thread); only when lead and link alone are too long is the title shortened.
    """
    lines = social_lines(appeal)
    url, lead, details, said = lines.url, lines.lead, list(lines.details), list(lines.said)

    def compose_lines(
        lead: str, details: list[str], action: list[str], tags: list[str]
    ) -> list[str]:
        """The post's lines: its parts with a blank line between each two."""
        lines = [lead, ""]
        if details:
            lines += [" ".join(details), ""]
        if action:
            lines += [" ".join(action), ""]
        lines.append(url + (" " + " ".join(tags) if tags else ""))
        return lines

    def compose(lead: str, details: list[str], action: list[str], tags: list[str]) -> str:
        return "\n".join(compose_lines(lead, details, action, tags))

    # The most details, then the most of the call to action, that fit (without hashtags).
    shapes = ((d, a) for d in range(len(details), -1, -1) for a in range(len(said), -1, -1))
    kept = next(
        (
            (d, a)
            for d, a in shapes
            if lines_fit(compose_lines(lead, details[:d], said[:a], []), limit)
        ),
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
    for tag in lines.tags:
        if lines_fit(compose_lines(lead, details[:d], said[:a], [*chosen, tag]), limit):
            chosen.append(tag)
        else:
            warnings.append(f"x: hashtag {tag} left out of the first post (no room)")
    return compose(lead, details[:d], said[:a], chosen), moved


def _thread_units(appeal: Appeal, first: str, moved: list[str]) -> list[list[str]]:
    units: list[list[str]] = [[line] for line in moved]
    lines = social_lines(appeal)
    summary = lines.summary
    normalised = summary.lower().rstrip(".!? ")
    if normalised and normalised not in first.lower():
        units.append([summary])
    words = lines.words
    contacts = lines.contacts
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
    made = _numbered_thread(lambda limit, found: _thread(appeal, limit, found))
    if made is None:  # _thread shortens the title rather than fail
        raise AssertionError(f"no first post for {appeal.id!r}")
    texts, thread_warnings = made
    warnings.extend(thread_warnings)
    posts = [_post(texts[0], media), *(_post(text) for text in texts[1:])]
    return Posts(posts=tuple(posts), warnings=tuple(warnings))


Thread = Callable[[int, list[str]], list[str] | None]
"""A thread's texts within a limit (its warnings added to the list), or None when its first
post cannot be made within it."""


def _numbered_thread(make: Thread) -> tuple[list[str], list[str]] | None:
    """``make``'s thread within X's limit and its warnings, numbered "1/3" when room for the
    numbers can be made in every post (the reserve grows if making room adds so many posts
    that the count needs more digits); None when ``make`` cannot make it at all."""
    warnings: list[str] = []
    texts = make(MAX_WEIGHT, warnings)
    if texts is None:
        return None
    if len(texts) > 1:
        for count in (len(texts), len(texts) + 9):
            numbered_warnings: list[str] = []
            reserve = weigh(f"\n{count}/{count}")
            candidate = make(MAX_WEIGHT - reserve, numbered_warnings)
            if candidate is None:
                break
            numbered = _numbered(candidate)
            if all(fits(text) for text in numbered):
                return numbered, numbered_warnings
    return texts, warnings


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


# Bilingual posts (PUBLISHER_BILINGUAL_POSTS=combined) -----------------------------------------


def _combined_first(
    versions: Sequence[Appeal], limit: int, warnings: list[str]
) -> tuple[str, list[list[str]]] | None:
    """The bilingual first post, and per language the lines that open its part of the thread;
    None when it does not fit ``limit``.

    It fits when every language's lead and whole call to action, and the link(s), fit in one
    post (see :mod:`publisher.channels.x.bilingual` for the layout). A missing person's age and
    where they were last seen go in too, for every language or for none, when there is room;
    else each opens its language's part of the thread. The hashtags come last, as many as fit.
    """
    parts = first_lines(versions)
    urls = [str(version.url) for version in versions]

    def compose(with_details: bool, tags: Sequence[str]) -> str:
        return first_text(parts, urls, with_details, tags)

    if not fits(compose(False, []), limit):
        return None
    with_details, moved = details_in_first(parts, fits(compose(True, []), limit))
    if any(moved):
        warnings.append(details_moved("x", parts))
    chosen: list[str] = []
    for tag in bilingual_hashtags(versions, compose(with_details, []), MAX_HASHTAGS):
        if fits(compose(with_details, [*chosen, tag]), limit):
            chosen.append(tag)
        else:
            warnings.append(f"x: hashtag {tag} left out of the first post (no room)")
    return compose(with_details, chosen), moved


def _combined_thread(
    versions: Sequence[Appeal], limit: int, warnings: list[str]
) -> list[str] | None:
    """The bilingual first post, then each language's other posts in turn (its summary unless
    the first post says it, then its contacts), no post mixing languages but the first."""
    first = _combined_first(versions, limit, warnings)
    if first is None:
        return None
    text, moved = first
    rest: list[str] = []
    for version, lines in zip(versions, moved, strict=True):
        rest.extend(pack(_thread_units(version, text, lines), limit))
    return _demote_extra_hashtags([text, *rest], warnings)


def _combined_media(versions: Sequence[Appeal], warnings: list[str]) -> tuple[Media, ...]:
    """The first language's share image, described in every language when X's 1000
    characters take every description, else in the first language's words alone."""
    media = _media(versions[0], warnings)
    if not media:
        return media
    alt, left_out = bilingual_alt(versions, ALT_TEXT_LIMIT)
    if left_out:
        warnings.append(
            f"x: the image is described in {versions[0].locale} only: every language's "
            f"description together is longer than X's {ALT_TEXT_LIMIT} characters"
        )
    return media if alt is None else (Media(url=media[0].url, alt_text=alt),)


def render_combined_posts(versions: Sequence[Appeal]) -> Posts | None:
    """The appeal in every language of ``versions`` (in posting order, one language each) as
    one thread that starts with a bilingual first post; None when that post does not fit.

    - withdrawn: nothing, as :func:`render_posts`;
    - resolved: one post, every language's resolution line and the link(s);
    - otherwise the bilingual first post (:func:`_combined_first`) with the share image, then
      the first language's other posts, then the next language's; numbered "1/5" through the
      whole thread when numbering fits.
    """
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_posts(lead)
    urls = [str(version.url) for version in versions]
    if lead.status is AppealStatus.RESOLVED:
        lines = [[clean_inline(version.resolution or "")] for version in versions]
        text, _ = limit_hashtags(bilingual_text(lines, urls), MAX_HASHTAGS)
        return Posts(posts=(_post(text),), warnings=()) if fits(text) else None
    made = _numbered_thread(lambda limit, found: _combined_thread(versions, limit, found))
    if made is None:
        return None
    texts, thread_warnings = made
    warnings: list[str] = []
    media = _combined_media(versions, warnings)
    warnings.extend(thread_warnings)
    posts = [_post(texts[0], media), *(_post(text) for text in texts[1:])]
    return Posts(posts=tuple(posts), warnings=tuple(warnings))


def render_combined_update_posts(versions: Sequence[Appeal]) -> Posts | None:
    """One "UPDATE: …" post in every language of ``versions`` (each language's update line and
    summary, else its update line alone, then the link(s)); None when even that is too long."""
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_update_posts(lead)
    for text in update_texts(versions, MAX_HASHTAGS):
        if fits(text):
            return Posts(posts=(_post(text),), warnings=())
    return None
