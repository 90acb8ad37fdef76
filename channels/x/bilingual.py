"""How one social post says an appeal in several languages (``PUBLISHER_BILINGUAL_POSTS=combined``).

The layout every social channel uses for its bilingual post, whatever the platform counts:

- each language's lines as one paragraph, in posting order (the force's first language first),
  a blank line between the languages, so each reads on its own;
- the link once at the end when every language links the same page; else each language's
  own link at the end of its paragraph;
- the hashtags of every language once, last (the first language's first tag, then the next
  language's first, and so on, never the same tag twice, at most the platform's number);
- the image description in every language, a blank line between them, when the platform's
  limit takes them all; else the first language's alone.

Each channel decides what goes in the paragraphs and checks the result against its own limit
(``channels._social.every_language`` falls back to separate posts when it does not fit).
Pure functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from publisher.channels.x.entities import hashtags_in, limit_hashtags
from publisher.channels.x.lines import hashtags_for, lead_line, social_lines, words_for
from publisher.channels.x.text import clean_inline
from publisher.domain.record import Appeal, AppealStatus

__all__ = [
    "FirstLines",
    "bilingual_alt",
    "bilingual_hashtags",
    "bilingual_text",
    "details_in_first",
    "details_moved",
    "first_lines",
    "first_text",
    "update_texts",
]

FirstLines = tuple[str, list[str], str | None]
"""What one language's first post says: its lead, a missing person's details, the call to
action (:mod:`publisher.channels.x.lines`)."""

LANGUAGE_BREAK = "\n\n"
"""What separates one language from the next in a bilingual post or image description."""


def bilingual_text(
    paragraphs: Sequence[Sequence[str]], urls: Sequence[str], tags: Sequence[str] = ()
) -> str:
    """One post holding ``paragraphs`` (each language's lines, in posting order), its link(s)
    ``urls`` (one per language) and ``tags``, laid out as the module docstring says."""
    if len(paragraphs) != len(urls):
        raise ValueError("one link per language")
    links = list(dict.fromkeys(urls))
    one_link = len(links) == 1
    blocks = [
        "\n".join([*(line for line in lines if line), *(() if one_link else (url,))])
        for lines, url in zip(paragraphs, urls, strict=True)
    ]
    end = " ".join([*(links if one_link else ()), *tags])
    return LANGUAGE_BREAK.join([*blocks, end] if end else blocks)


def bilingual_hashtags(versions: Sequence[Appeal], present: str, most: int) -> list[str]:
    """Every language's hashtags in CamelCase, taken in turn (each language's first, then each
    one's second…), each once, skipping those ``present`` already shows, at most ``most``
    with those in ``present``."""
    room = most - len({t.lower() for t in hashtags_in(present)})
    chosen: list[str] = []
    seen: set[str] = set()
    for round_ in zip_longest(*(hashtags_for(v, present, most) for v in versions)):
        for tag in round_:
            if tag is None or tag.lower() in seen or len(chosen) >= room:
                continue
            seen.add(tag.lower())
            chosen.append(tag)
    return chosen


def bilingual_alt(versions: Sequence[Appeal], limit: int) -> tuple[str | None, bool]:
    """The image description in every language that has one (each cleaned as a post's alt
    text is), a blank line between them, when that is at most ``limit`` characters, and
    whether another language's description was left out because it was not.

    None (use the first language's description as the channel does alone) when there is no
    image, no description in the first language, only one description, or no room."""
    if not versions or versions[0].image is None:
        return None, False
    alts = [clean_inline((v.image.alt if v.image is not None else None) or "") for v in versions]
    if not alts[0]:
        return None, False  # no description in the first language: the image is not attached
    shown = list(dict.fromkeys(alt for alt in alts if alt))
    if len(shown) < 2:
        return None, False
    joined = LANGUAGE_BREAK.join(shown)
    return (joined, False) if len(joined) <= limit else (None, True)


def details_in_first(parts: Sequence[FirstLines], room: bool) -> tuple[bool, list[list[str]]]:
    """Whether the bilingual first post says the missing person's details, and per language
    the details that open its part of the thread instead. It says them only when every
    language does (no language says less than another) and there is ``room``."""
    every = all(details for _, details, _ in parts)
    with_details = every and room
    return with_details, [[] if with_details or not d else [" ".join(d)] for _, d, _ in parts]


def details_moved(channel: str, parts: Sequence[FirstLines]) -> str:
    why = "no room" if all(d for _, d, _ in parts) else "not every language says them"
    return (
        f"{channel}: the missing person's age and where they were last seen are not in the "
        f"bilingual first post ({why}); they open each language's part of the thread"
    )


def update_texts(versions: Sequence[Appeal], most_tags: int) -> tuple[str, str]:
    """The candidates for one "UPDATE: …" post in every language of ``versions`` (live or
    resolved), the fuller first: each language's update line and summary (where the summary
    says more than the title), then each language's update line alone; each with the link(s)
    and at most ``most_tags`` hashtags. The channel posts the first that fits."""
    urls = [str(version.url) for version in versions]
    full: list[list[str]] = []
    short: list[list[str]] = []
    for version in versions:
        update = words_for(version).update
        if version.status is AppealStatus.RESOLVED:
            line = f"{update}: {clean_inline(version.resolution or '')}"
            full.append([line])
            short.append([line])
            continue
        title = lead_line(version)
        line = f"{update}: {title}"
        summary = clean_inline(version.summary)
        said = summary and summary.lower().rstrip(".!? ") not in title.lower()
        full.append([line, summary] if said else [line])
        short.append([line])
    fuller, shorter = (
        limit_hashtags(bilingual_text(paragraphs, urls), most_tags)[0]
        for paragraphs in (full, short)
    )
    return fuller, shorter


def first_lines(versions: Sequence[Appeal]) -> list[FirstLines]:
    """What each language of ``versions`` says in a bilingual first post: its lead, a missing
    person's details, its call to action."""
    parts: list[FirstLines] = []
    for version in versions:
        lines = social_lines(version)
        parts.append((lines.lead, list(lines.details), lines.action))
    return parts


def first_text(
    parts: Sequence[FirstLines], urls: Sequence[str], with_details: bool, tags: Sequence[str]
) -> str:
    """The bilingual first post of ``parts`` (:func:`first_lines`), with or without the
    person's details, then the link(s) and ``tags``."""
    paragraphs = [
        [lead, " ".join(details) if with_details else "", action or ""]
        for lead, details, action in parts
    ]
    return bilingual_text(paragraphs, urls, tags)
