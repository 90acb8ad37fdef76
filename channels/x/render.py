"""An appeal as X posts: a first post that stands alone, then a thread with the contacts.

Pure: the same appeal gives the same posts, byte for byte. See :func:`render_posts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from publisher.channel import Media, PlatformLimits, SocialPost
from publisher.channels.x.entities import hashtags_in, is_hashtag, limit_hashtags
from publisher.channels.x.text import (
    ELLIPSIS,
    MAX_WEIGHT,
    camel_case,
    clean_inline,
    fits,
    pack,
    sentences,
    truncate,
    weigh,
)
from publisher.domain.phones import grouped, written_number
from publisher.domain.record import (
    Appeal,
    AppealKind,
    AppealStatus,
    BulletList,
    CallToAction,
    Contact,
    ContactKind,
    ContactList,
    Paragraph,
    Quote,
    Span,
)

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

_ATTENTION = {
    AppealKind.MISSING_PERSON: ("Missing person", ("missing",)),
    AppealKind.WITNESS_APPEAL: ("Witness appeal", ("witness",)),
}
# Phone numbers in running text: UK numbers (0… or +44…) and the short codes people are told
# to call. Contacts marked up in spans are found without this.
_PHONE = re.compile(
    r"(?<![\w+£$])(?:(?:\+44\s?(?:\(0\)\s?)?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}"
    r"|999|101|111|112|116\s?\d{3}|18001\s?\d{3,11})(?![\w.,]\d)"
)
# What a missing-person appeal says about the person, as forces write it: an age ("Sam, 34,",
# "Sam Example (34)", "aged 34", "34-year-old", "who is 34") and where they were last seen.
_AGE = re.compile(
    r"\b(\d{1,3})[- ]years?[- ]old\b|\baged\s(\d{1,3})\b|\bwho is (\d{1,3})\b"
    r"|\b[A-Z][\w'’-]*(?:, (\d{1,3}),| \((\d{1,3})\))"
)
_LAST_SEEN = re.compile(r"\blast (?:seen|spotted|heard from)\b", re.IGNORECASE)
_KIND_WORD = {
    ContactKind.TEXT: "text",
    ContactKind.TEXTPHONE: "textphone",
    ContactKind.EMAIL: "email",
}


@dataclass(frozen=True)
class Posts:
    """Rendered posts and what the rendering had to leave out or change."""

    posts: tuple[SocialPost, ...]
    warnings: tuple[str, ...]


def _post(text: str, media: tuple[Media, ...] = ()) -> SocialPost:
    if not fits(text):
        raise AssertionError(f"post weighs {weigh(text)} (> {MAX_WEIGHT}): {text!r}")
    return SocialPost(text=text, weight=weigh(text), media=media)


def _lead(appeal: Appeal) -> str:
    title = clean_inline(appeal.title)
    attention = _ATTENTION.get(appeal.kind)
    if attention is None:
        return title
    label, words = attention
    if any(word in title.lower() for word in words):
        return title
    return f"{label}: {title}"


def _text(spans: tuple[Span, ...]) -> str:
    """A paragraph's text, its numbers grouped as every channel shows them ("0808 802 4040"
    for "0808 8024040": :func:`~publisher.domain.phones.written_number`)."""
    out = []
    for span in spans:
        text = span.text
        if span.contact is not None and span.contact.is_number and text.strip():
            core = text.strip()
            start = text.index(core)
            text = text[:start] + written_number(core, span.contact) + text[start + len(core) :]
        out.append(text)
    return "".join(out)


def _paragraphs(appeal: Appeal) -> Iterator[str]:
    """Every paragraph of running text, in reading order."""
    for block in appeal.body:
        if isinstance(block, Paragraph | CallToAction):
            yield _text(block.spans)
        elif isinstance(block, Quote):
            yield from (_text(p.spans) for p in block.paragraphs)
        elif isinstance(block, BulletList):
            if block.intro is not None:
                yield _text(block.intro.spans)
            yield from (_text(p.spans) for p in block.items)
        elif isinstance(block, ContactList) and block.intro is not None:
            yield _text(block.intro.spans)


def _age(text: str) -> str | None:
    """The first age ``text`` gives, as written ("34"), if any."""
    for match in _AGE.finditer(text):
        age = next(group for group in match.groups() if group is not None)
        if 0 < int(age) < 120:
            return age
    return None


def _details(appeal: Appeal, lead: str) -> list[str]:
    """For a missing person: their age ("Aged 34.") and the first sentence, summary then body
    in reading order, that says where they were last seen (as written), unless the lead
    already says them. Nothing is guessed: an appeal that does not say them gets neither."""
    if appeal.kind is not AppealKind.MISSING_PERSON:
        return []
    texts = [clean_inline(text) for text in (appeal.summary, *_paragraphs(appeal))]
    seen: str | None = None
    if not _LAST_SEEN.search(lead):
        found = (s for text in texts for s in sentences(text) if _LAST_SEEN.search(s))
        seen = next(found, None)
    age = None
    if _age(lead) is None and (seen is None or _age(seen) is None):
        age = next((a for a in map(_age, texts) if a is not None), None)
    return [line for line in (f"Aged {age}." if age else None, seen) if line]


def _call_to_action(appeal: Appeal) -> str | None:
    """The CallToAction block, else the first sentence that gives a number to call."""
    for block in appeal.body:
        if isinstance(block, CallToAction):
            return clean_inline(_text(block.spans)) or None
    numbers = {grouped(c) for c in appeal.contacts if c.is_number}
    for paragraph in _paragraphs(appeal):
        for sentence in sentences(clean_inline(paragraph)):
            if _PHONE.search(sentence) or any(n in sentence for n in numbers):
                return sentence
    return None


def _contact_line(contact: Contact) -> str:
    name = clean_inline(contact.name)
    value = contact.value if contact.kind is ContactKind.WEB else grouped(contact)
    value = clean_inline(value)
    word = _KIND_WORD.get(contact.kind)
    if word and word not in name.lower():
        value = f"{word} {value}"
    line = f"{name}: {value}"
    if contact.note:
        line += f" ({clean_inline(contact.note)})"
    return line


def _tags(appeal: Appeal, present: str) -> list[str]:
    """The appeal's hashtags in CamelCase, skipping ones ``present`` already shows."""
    seen = {t.lower() for t in hashtags_in(present)}
    room = MAX_HASHTAGS - len(seen)
    chosen: list[str] = []
    for tag in appeal.hashtags:
        if len(chosen) >= room:
            break
        if tag.lower() in seen or not is_hashtag(tag):
            continue  # already shown, or X would not link it ("#122", "#_")
        seen.add(tag.lower())
        chosen.append("#" + camel_case(tag))
    return chosen


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
    contacts = [_contact_line(c) for c in appeal.contacts]
    if contacts:
        units.append(["", "Who to contact:", contacts[0]])
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
            with_summary = f"UPDATE: {line}\n{summary}\n\n{url}"
            if fits(with_summary):
                text, _ = limit_hashtags(with_summary, MAX_HASHTAGS)
                return Posts(posts=(_post(text),), warnings=())
    text, _ = limit_hashtags(_single(f"UPDATE: {line}", url), MAX_HASHTAGS)
    return Posts(posts=(_post(text),), warnings=())
