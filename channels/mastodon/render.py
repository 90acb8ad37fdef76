"""An appeal as Mastodon statuses: a first status that stands alone, then a thread.

The lines are the ones every social channel says (:mod:`publisher.channels.x.lines`: the lead,
a missing person's age and where they were last seen, the call to action, contact lines,
CamelCase hashtags); what differs from X is the counting (:mod:`.text`: graphemes, URLs as the
instance's ``characters_reserved_per_url``) and the limits, which are the instance's own
(:class:`MastodonLimits`, read from ``GET /api/v2/instance`` by the channel).

Pure: the same appeal and the same limits give the same statuses, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from publisher.channel import Media, PlatformLimits, SocialPost
from publisher.channels.mastodon.text import (
    DEFAULT_CHARACTERS_PER_URL,
    DEFAULT_MAX_CHARACTERS,
    fits,
    graphemes,
    lines_fit,
    lines_weight,
    weigh,
)
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
from publisher.channels.x.lines import FIRST_POST_HASHTAGS, lead_line, social_lines, words_for
from publisher.channels.x.render import Posts
from publisher.channels.x.text import ELLIPSIS, clean_inline, sentences, tokens
from publisher.domain.record import Appeal, AppealStatus

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_HASHTAGS",
    "MastodonLimits",
    "Posts",
    "render_combined_posts",
    "render_combined_update_posts",
    "render_posts",
    "render_update_posts",
]

MAX_HASHTAGS = FIRST_POST_HASHTAGS
"""Never more than two hashtags in one status (more reads as spam and hurts screen readers)."""


@dataclass(frozen=True)
class MastodonLimits(PlatformLimits):
    """An instance's limits (``GET /api/v2/instance`` → ``configuration``): ``max_weight`` is
    ``statuses.max_characters``, ``max_media`` ``statuses.max_media_attachments``,
    ``max_alt`` ``media_attachments.description_limit`` (1500 when the instance does not say),
    and ``characters_per_url`` ``statuses.characters_reserved_per_url``."""

    characters_per_url: int = DEFAULT_CHARACTERS_PER_URL

    def __post_init__(self) -> None:
        if self.max_weight < 1 or self.characters_per_url < 0 or self.max_alt < 1:
            raise ValueError(f"not usable Mastodon limits: {self!r}")
        if self.max_media < 0:
            raise ValueError(f"not usable Mastodon limits: {self!r}")


DEFAULT_LIMITS = MastodonLimits(
    name="Mastodon",
    max_weight=DEFAULT_MAX_CHARACTERS,
    max_alt=1500,
    max_media=4,
    characters_per_url=DEFAULT_CHARACTERS_PER_URL,
)
"""Mastodon's defaults, used until an instance has said its own (and for previews and golden
files, which must not depend on a server)."""


@dataclass(frozen=True)
class _Counter:
    """Mastodon's counting with one instance's limits."""

    limits: MastodonLimits

    def weigh(self, text: str) -> int:
        return weigh(text, self.limits.characters_per_url)

    def fits(self, text: str, limit: int | None = None) -> bool:
        top = self.limits.max_weight if limit is None else limit
        return fits(text, top, self.limits.characters_per_url)

    def lines_fit(self, lines: Sequence[str], limit: int | None = None) -> bool:
        """``self.fits("\n".join(lines), limit)``, weighed line by line."""
        top = self.limits.max_weight if limit is None else limit
        return lines_fit(lines, top, self.limits.characters_per_url)

    def lines_weight(self, lines: Sequence[str]) -> int:
        """``self.weigh("\n".join(lines))``, weighed line by line."""
        return lines_weight(lines, self.limits.characters_per_url)

    def truncate(self, text: str, limit: int) -> str:
        """``text`` if it fits, else as many whole words as fit and an ellipsis."""
        if self.fits(text, limit):
            return text
        kept: list[str] = []
        for word in tokens(text):
            if not self.fits(" ".join([*kept, word]) + ELLIPSIS, limit):
                break
            kept.append(word)
        if kept:
            return " ".join(kept).rstrip(",;:-") + ELLIPSIS
        return self.hard_cut(text, limit - graphemes(ELLIPSIS)) + ELLIPSIS

    def hard_cut(self, word: str, limit: int) -> str:
        """The longest prefix of an unbreakable word that fits (last resort)."""
        low, high = 0, len(word)
        while low < high:
            mid = (low + high + 1) // 2
            if self.fits(word[:mid], limit):
                low = mid
            else:
                high = mid - 1
        return word[:low]

    def split(self, text: str, limit: int) -> list[str]:
        """Pieces of ``text`` that each fit: whole sentences, then whole words (a phone number
        or a URL is one word), then, for a single absurd word, parts of it."""
        if self.fits(text, limit):
            return [text]
        pieces: list[str] = []
        for sentence in sentences(text):
            current = ""
            for word in tokens(sentence):
                while not self.fits(word, limit):
                    head = self.hard_cut(word, limit) or word[:1]
                    if current:
                        pieces.append(current)
                        current = ""
                    pieces.append(head)
                    word = word[len(head) :]
                candidate = f"{current} {word}" if current else word
                if self.fits(candidate, limit):
                    current = candidate
                else:
                    pieces.append(current)
                    current = word
            if current:
                pieces.append(current)
        merged: list[str] = []
        for piece in pieces:
            if merged and self.fits(f"{merged[-1]} {piece}", limit):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        return merged

    def pack(self, units: Sequence[Sequence[str]], limit: int) -> list[str]:
        """Lines into as few statuses as possible, in order; a unit (a heading and its first
        contact) stays in one status when it can; a blank line never opens a status."""
        posts: list[list[str]] = []

        def fits_lines(lines: Sequence[str]) -> bool:
            return self.lines_fit(lines, limit)

        for unit in units:
            lines = list(unit)
            if posts and fits_lines([*posts[-1], *lines]):
                posts[-1].extend(lines)
                continue
            while lines and not lines[0]:
                lines.pop(0)
            if not lines:
                continue
            if fits_lines(lines):
                posts.append(lines)
                continue
            for line in lines:
                for piece in self.split(line, limit) if line else []:
                    if posts and fits_lines([*posts[-1], piece]):
                        posts[-1].append(piece)
                    else:
                        posts.append([piece])
        return ["\n".join(lines) for lines in posts]


def _first_post(
    appeal: Appeal, counter: _Counter, limit: int, warnings: list[str]
) -> tuple[str, list[str]]:
    """The first status, and the lines that did not fit and open the thread instead: as on X,
    hashtags go first, then the call to action's last sentences, then the person's details;
    the title is shortened only when it and the link alone do not fit."""
    lines = social_lines(appeal)
    url, lead, details, said = lines.url, lines.lead, list(lines.details), list(lines.said)

    def compose_lines(
        lead: str, details: list[str], action: list[str], tags: list[str]
    ) -> list[str]:
        """The status's lines: its parts with a blank line between each two."""
        lines = [lead, ""] if lead else []
        if details:
            lines += [" ".join(details), ""]
        if action:
            lines += [" ".join(action), ""]
        lines.append(url + (" " + " ".join(tags) if tags else ""))
        return lines

    def compose(lead: str, details: list[str], action: list[str], tags: list[str]) -> str:
        return "\n".join(compose_lines(lead, details, action, tags))

    shapes = ((d, a) for d in range(len(details), -1, -1) for a in range(len(said), -1, -1))
    kept = next(
        (
            (d, a)
            for d, a in shapes
            if counter.lines_fit(compose_lines(lead, details[:d], said[:a], []), limit)
        ),
        None,
    )
    if kept is None:
        room = limit - counter.weigh("\n\n" + url)
        lead = counter.truncate(lead, room) if room > graphemes(ELLIPSIS) else ""
        warnings.append("mastodon: the title was shortened to fit the first status")
        kept = (0, 0)
    d, a = kept
    moved = details[d:]
    for _ in moved:
        warnings.append("mastodon: a line about the missing person did not fit the first status")
    if a < len(said):
        moved.append(" ".join(said[a:]))
        warnings.append("mastodon: the call to action did not all fit the first status")
    chosen: list[str] = []
    for tag in lines.tags:
        if counter.lines_fit(compose_lines(lead, details[:d], said[:a], [*chosen, tag]), limit):
            chosen.append(tag)
        else:
            warnings.append(f"mastodon: hashtag {tag} left out of the first status (no room)")
    return compose(lead, details[:d], said[:a], chosen), moved


def _rest_units(appeal: Appeal, first: str, moved: list[str]) -> list[list[str]]:
    """What the thread after ``first`` says: the lines moved out of it, the summary unless
    ``first`` says it, then every contact."""
    units: list[list[str]] = [[line] for line in moved]
    lines = social_lines(appeal)
    summary = lines.summary
    if summary and summary.lower().rstrip(".!? ") not in first.lower():
        units.append([summary])
    words = lines.words
    contacts = lines.contacts
    if contacts:
        units.append(["", words.who_to_contact, contacts[0]])
        units.extend([line] for line in contacts[1:])
    return units


def _demote_extra_hashtags(texts: list[str], warnings: list[str]) -> list[str]:
    result = []
    for number, text in enumerate(texts, start=1):
        limited, demoted = limit_hashtags(text, MAX_HASHTAGS)
        if demoted:
            warnings.append(
                f"mastodon: status {number} had more than {MAX_HASHTAGS} hashtags; "
                f"'#' removed from {', '.join(demoted)}"
            )
        result.append(limited)
    return result


def _thread(appeal: Appeal, counter: _Counter, limit: int, warnings: list[str]) -> list[str]:
    first, moved = _first_post(appeal, counter, limit, warnings)
    texts = [first, *counter.pack(_rest_units(appeal, first, moved), limit)]
    return _demote_extra_hashtags(texts, warnings)


def _media(appeal: Appeal, limits: MastodonLimits, warnings: list[str]) -> tuple[Media, ...]:
    image = appeal.image
    if image is None:
        return ()
    alt = clean_inline(image.alt or "")
    if not alt:
        warnings.append(
            "mastodon: the share image has no alt text, so it is not attached (an image is "
            "never posted without alt text); add a description of the image to attach it"
        )
        return ()
    if limits.max_media < 1:
        warnings.append("mastodon: the instance accepts no media; the share image is left out")
        return ()
    if len(alt) > limits.max_alt:
        cut = alt[: limits.max_alt - len(ELLIPSIS)]
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        alt = cut + ELLIPSIS
        warnings.append(
            f"mastodon: the image alt text was shortened to the instance's {limits.max_alt} "
            "characters"
        )
    return (Media(url=str(image.url), alt_text=alt),)


def _post(counter: _Counter, text: str, media: tuple[Media, ...] = ()) -> SocialPost:
    # Weighed line by line: the lines were weighed as the status was composed.
    lines = text.split("\n")
    if not counter.lines_fit(lines):
        raise AssertionError(
            f"status counts {counter.weigh(text)} (> {counter.limits.max_weight}): {text!r}"
        )
    return SocialPost(text=text, weight=counter.lines_weight(lines), media=media)


def _single(counter: _Counter, text: str, url: str) -> str:
    room = counter.limits.max_weight - counter.weigh(f"\n\n{url}")
    return f"{counter.truncate(text, room)}\n\n{url}" if room > 1 else url


def render_posts(appeal: Appeal, limits: MastodonLimits = DEFAULT_LIMITS) -> Posts:
    """The statuses for an appeal as it stands now, within ``limits``.

    - withdrawn: nothing;
    - resolved: one status, the resolution line and the link, no image, no personal details;
    - otherwise a first status (as on X: the lead, a missing person's age and where they were
      last seen, the call to action, the link, at most two CamelCase hashtags, the share image
      with its alt text) and, when there is more to say, a thread: the summary, then every
      contact, never splitting a number or a URL; numbered "1/3" when numbering fits.
    """
    counter = _Counter(limits)
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("mastodon: the appeal is withdrawn; nothing is posted",))
    url = str(appeal.url)
    if appeal.status is AppealStatus.RESOLVED:
        line = clean_inline(appeal.resolution or "")
        text, _ = limit_hashtags(_single(counter, line, url), MAX_HASHTAGS)
        return Posts(posts=(_post(counter, text),), warnings=())
    warnings: list[str] = []
    media = _media(appeal, limits, warnings)
    made = _numbered_thread(counter, lambda limit, found: _thread(appeal, counter, limit, found))
    if made is None:  # _thread shortens the title rather than fail
        raise AssertionError(f"no first status for {appeal.id!r}")
    texts, thread_warnings = made
    warnings.extend(thread_warnings)
    posts = [_post(counter, texts[0], media), *(_post(counter, t) for t in texts[1:])]
    return Posts(posts=tuple(posts), warnings=tuple(warnings))


Thread = Callable[[int, list[str]], list[str] | None]
"""A thread's texts within a limit (its warnings added to the list), or None when its first
status cannot be made within it."""


def _numbered_thread(counter: _Counter, make: Thread) -> tuple[list[str], list[str]] | None:
    """``make``'s thread within the instance's limit and its warnings, numbered "1/3" when
    room for the numbers can be made in every status; None when ``make`` cannot make it."""
    warnings: list[str] = []
    texts = make(counter.limits.max_weight, warnings)
    if texts is None:
        return None
    if len(texts) > 1:
        for count in (len(texts), len(texts) + 9):
            numbered_warnings: list[str] = []
            reserve = counter.weigh(f"x\n{count}/{count}") - 1
            candidate = make(counter.limits.max_weight - reserve, numbered_warnings)
            if candidate is None:
                break
            total = len(candidate)
            numbered = [f"{text}\n{i}/{total}" for i, text in enumerate(candidate, start=1)]
            if all(counter.lines_fit(text.split("\n")) for text in numbered):
                return numbered, numbered_warnings
    return texts, warnings


def render_update_posts(appeal: Appeal, limits: MastodonLimits = DEFAULT_LIMITS) -> Posts:
    """One "UPDATE: …" status for a new revision or a resolution, replying to the first one."""
    counter = _Counter(limits)
    url = str(appeal.url)
    if appeal.status is AppealStatus.WITHDRAWN:
        return Posts(posts=(), warnings=("mastodon: the appeal is withdrawn; no update is posted",))
    if appeal.status is AppealStatus.RESOLVED:
        line = clean_inline(appeal.resolution or "")
    else:
        line = lead_line(appeal)
        summary = clean_inline(appeal.summary)
        if summary and summary.lower().rstrip(".!? ") not in line.lower():
            with_summary = f"{words_for(appeal).update}: {line}\n{summary}\n\n{url}"
            if counter.fits(with_summary):
                text, _ = limit_hashtags(with_summary, MAX_HASHTAGS)
                return Posts(posts=(_post(counter, text),), warnings=())
    update = f"{words_for(appeal).update}: {line}"
    text, _ = limit_hashtags(_single(counter, update, url), MAX_HASHTAGS)
    return Posts(posts=(_post(counter, text),), warnings=())


# Bilingual statuses (PUBLISHER_BILINGUAL_POSTS=combined) --------------------------------------


def _combined_first(
    versions: Sequence[Appeal], counter: _Counter, limit: int, warnings: list[str]
) -> tuple[str, list[list[str]]] | None:
    """The bilingual first status and per language the lines that open its part of the
    thread, as on X (:func:`publisher.channels.x.render.render_combined_posts`): every
    language's lead and whole call to action and the link(s) must fit, else None; the
    person's details go in for every language or none; the hashtags as many as fit."""
    parts = first_lines(versions)
    urls = [str(version.url) for version in versions]

    def compose(with_details: bool, tags: Sequence[str]) -> str:
        return first_text(parts, urls, with_details, tags)

    if not counter.fits(compose(False, []), limit):
        return None
    with_details, moved = details_in_first(parts, counter.fits(compose(True, []), limit))
    if any(moved):
        warnings.append(details_moved("mastodon", parts))
    chosen: list[str] = []
    for tag in bilingual_hashtags(versions, compose(with_details, []), MAX_HASHTAGS):
        if counter.fits(compose(with_details, [*chosen, tag]), limit):
            chosen.append(tag)
        else:
            warnings.append(f"mastodon: hashtag {tag} left out of the first status (no room)")
    return compose(with_details, chosen), moved


def _combined_thread(
    versions: Sequence[Appeal], counter: _Counter, limit: int, warnings: list[str]
) -> list[str] | None:
    first = _combined_first(versions, counter, limit, warnings)
    if first is None:
        return None
    text, moved = first
    rest: list[str] = []
    for version, lines in zip(versions, moved, strict=True):
        rest.extend(counter.pack(_rest_units(version, text, lines), limit))
    return _demote_extra_hashtags([text, *rest], warnings)


def _combined_media(
    versions: Sequence[Appeal], limits: MastodonLimits, warnings: list[str]
) -> tuple[Media, ...]:
    media = _media(versions[0], limits, warnings)
    if not media:
        return media
    alt, left_out = bilingual_alt(versions, limits.max_alt)
    if left_out:
        warnings.append(
            f"mastodon: the image is described in {versions[0].locale} only: every language's "
            f"description together is longer than the instance's {limits.max_alt} characters"
        )
    return media if alt is None else (Media(url=media[0].url, alt_text=alt),)


def render_combined_posts(
    versions: Sequence[Appeal], limits: MastodonLimits = DEFAULT_LIMITS
) -> Posts | None:
    """The appeal in every language of ``versions`` (posting order, one language each) as one
    thread starting with a bilingual status, within ``limits``; None when that status does
    not fit. Withdrawn: nothing; resolved: one status, every language's resolution line and
    the link(s); otherwise the bilingual status with the share image, then the first
    language's other statuses, then the next language's, numbered through the thread."""
    counter = _Counter(limits)
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_posts(lead, limits)
    urls = [str(version.url) for version in versions]
    if lead.status is AppealStatus.RESOLVED:
        lines = [[clean_inline(version.resolution or "")] for version in versions]
        text, _ = limit_hashtags(bilingual_text(lines, urls), MAX_HASHTAGS)
        return Posts(posts=(_post(counter, text),), warnings=()) if counter.fits(text) else None
    made = _numbered_thread(
        counter, lambda limit, found: _combined_thread(versions, counter, limit, found)
    )
    if made is None:
        return None
    texts, thread_warnings = made
    warnings: list[str] = []
    media = _combined_media(versions, limits, warnings)
    warnings.extend(thread_warnings)
    posts = [_post(counter, texts[0], media), *(_post(counter, t) for t in texts[1:])]
    return Posts(posts=tuple(posts), warnings=tuple(warnings))


def render_combined_update_posts(
    versions: Sequence[Appeal], limits: MastodonLimits = DEFAULT_LIMITS
) -> Posts | None:
    """One "UPDATE: …" status in every language of ``versions`` (each language's update line
    and summary, else its update line alone, then the link(s)); None when that is too long."""
    counter = _Counter(limits)
    lead = versions[0]
    if lead.status is AppealStatus.WITHDRAWN:
        return render_update_posts(lead, limits)
    for text in update_texts(versions, MAX_HASHTAGS):
        if counter.fits(text):
            return Posts(posts=(_post(counter, text),), warnings=())
    return None
