"""What every social channel says of an appeal, whatever the platform counts: the lead line, a
missing person's details, the call to action, contact lines and hashtags.

Pure functions of the record, shared by the X and Mastodon renderings (each weighs and packs
the lines by its own platform's rules). They live with the X channel, whose cleaning
(:func:`~publisher.channels.x.text.clean_inline`, which keeps every URL exactly as written) and
hashtag rules they use; another channel imports them from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from publisher.channel.i18n import chrome_for, contact_name
from publisher.channel.memo import FragmentMemo
from publisher.channels.x.entities import hashtags_in, is_hashtag
from publisher.channels.x.text import camel_case, clean_inline, sentences
from publisher.domain.phones import grouped, written_number
from publisher.domain.record import (
    Appeal,
    AppealKind,
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
    "ENGLISH",
    "FIRST_POST_HASHTAGS",
    "WELSH",
    "SocialLines",
    "Words",
    "call_to_action",
    "contact_line",
    "hashtags_for",
    "lead_line",
    "paragraphs",
    "person_details",
    "social_lines",
    "spans_text",
    "words_for",
]

ATTENTION = {
    AppealKind.MISSING_PERSON: ("Missing person", ("missing",)),
    AppealKind.WITNESS_APPEAL: ("Witness appeal", ("witness",)),
}
# Phone numbers in running text: UK numbers (0… or +44…) and the short codes people are told
# to call. Contacts marked up in spans are found without this.
PHONE_IN_TEXT = re.compile(
    r"(?<![\w+£$])(?:(?:\+44\s?(?:\(0\)\s?)?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}"
    r"|999|101|111|112|116\s?\d{3}|18001\s?\d{3,11})(?![\w.,]\d)"
)
# What a missing-person appeal says about the person, as forces write it: an age ("Sam, 34,",
# "Sam Example (34)", "aged 34", "34-year-old", "who is 34") and where they were last seen.
AGE = re.compile(
    r"\b(\d{1,3})[- ]years?[- ]old\b|\baged\s(\d{1,3})\b|\bwho is (\d{1,3})\b"
    r"|\b[A-Z][\w'’-]*(?:, (\d{1,3}),| \((\d{1,3})\))"
)
LAST_SEEN = re.compile(r"\blast (?:seen|spotted|heard from)\b", re.IGNORECASE)
KIND_WORD = {
    ContactKind.TEXT: "text",
    ContactKind.TEXTPHONE: "textphone",
    ContactKind.EMAIL: "email",
}


@dataclass(frozen=True)
class Words:
    """The few words the social channels add to an appeal's own, in one language."""

    attention: Mapping[AppealKind, tuple[str, tuple[str, ...]]]
    """A kind's label before a title that does not say it, and the words that do."""
    who_to_contact: str
    update: str
    """What an update post starts with ("UPDATE: …")."""
    kind_word: Mapping[ContactKind, str]
    aged: str = "Aged {age}."
    """A missing person's age, when the lead does not say it."""
    language: str = "en"
    """The language's code, for its catalogue (:func:`~publisher.channel.i18n.chrome_for`): the
    names of well-known contacts (999, 101…)."""


ENGLISH = Words(ATTENTION, "Who to contact:", "UPDATE", KIND_WORD)
WELSH = Words(
    attention={
        AppealKind.MISSING_PERSON: ("Person ar goll", ("ar goll",)),
        # A title may say it with the word mutated: "Apêl am dystion", "ei thyst".
        AppealKind.WITNESS_APPEAL: ("Apêl am dystion", ("tyst", "dyst", "nhyst", "thyst")),
    },
    who_to_contact="Pwy i gysylltu â nhw:",
    update="DIWEDDARIAD",
    kind_word={
        ContactKind.TEXT: "neges destun",
        ContactKind.TEXTPHONE: "ffôn testun",
        ContactKind.EMAIL: "e-bost",
    },
    aged="{age} oed.",
    language="cy",
)
_WORDS = {"cy": WELSH}


def words_for(appeal: Appeal) -> Words:
    """The words for the appeal's language (``locale``): Welsh for ``cy``, else English."""
    return _WORDS.get(appeal.locale.replace("-", "_").split("_")[0].lower(), ENGLISH)


def lead_line(appeal: Appeal) -> str:
    title = clean_inline(appeal.title)
    attention = words_for(appeal).attention.get(appeal.kind)
    if attention is None:
        return title
    label, words = attention
    if any(word in title.lower() for word in words):
        return title
    return f"{label}: {title}"


def spans_text(spans: tuple[Span, ...]) -> str:
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


def paragraphs(appeal: Appeal) -> Iterator[str]:
    """Every paragraph of running text, in reading order."""
    for block in appeal.body:
        if isinstance(block, Paragraph | CallToAction):
            yield spans_text(block.spans)
        elif isinstance(block, Quote):
            yield from (spans_text(p.spans) for p in block.paragraphs)
        elif isinstance(block, BulletList):
            if block.intro is not None:
                yield spans_text(block.intro.spans)
            yield from (spans_text(p.spans) for p in block.items)
        elif isinstance(block, ContactList) and block.intro is not None:
            yield spans_text(block.intro.spans)


def age_in(text: str) -> str | None:
    """The first age ``text`` gives, as written ("34"), if any."""
    for match in AGE.finditer(text):
        age = next(group for group in match.groups() if group is not None)
        if 0 < int(age) < 120:
            return age
    return None


def person_details(appeal: Appeal, lead: str) -> list[str]:
    """For a missing person: their age ("Aged 34.") and the first sentence, summary then body
    in reading order, that says where they were last seen (as written), unless the lead
    already says them. Nothing is guessed: an appeal that does not say them gets neither."""
    if appeal.kind is not AppealKind.MISSING_PERSON:
        return []
    texts = [clean_inline(text) for text in (appeal.summary, *paragraphs(appeal))]
    seen: str | None = None
    if not LAST_SEEN.search(lead):
        found = (s for text in texts for s in sentences(text) if LAST_SEEN.search(s))
        seen = next(found, None)
    age = None
    if age_in(lead) is None and (seen is None or age_in(seen) is None):
        age = next((a for a in map(age_in, texts) if a is not None), None)
    aged = words_for(appeal).aged.format(age=age) if age else None
    return [line for line in (aged, seen) if line]


def call_to_action(appeal: Appeal) -> str | None:
    """The CallToAction block, else the first sentence that gives a number to call."""
    for block in appeal.body:
        if isinstance(block, CallToAction):
            return clean_inline(spans_text(block.spans)) or None
    numbers = {grouped(c) for c in appeal.contacts if c.is_number}
    for paragraph in paragraphs(appeal):
        for sentence in sentences(clean_inline(paragraph)):
            if PHONE_IN_TEXT.search(sentence) or any(n in sentence for n in numbers):
                return sentence
    return None


def contact_line(contact: Contact, words: Words = ENGLISH) -> str:
    name = clean_inline(contact_name(contact, chrome_for(words.language)))
    value = contact.value if contact.kind is ContactKind.WEB else grouped(contact)
    value = clean_inline(value)
    word = words.kind_word.get(contact.kind)
    if word and word not in name.lower():
        value = f"{word} {value}"
    line = f"{name}: {value}"
    if contact.note:
        line += f" ({clean_inline(contact.note)})"
    return line


def hashtags_for(appeal: Appeal, present: str, most: int) -> list[str]:
    """The appeal's hashtags in CamelCase, skipping ones ``present`` already shows."""
    seen = {t.lower() for t in hashtags_in(present)}
    room = most - len(seen)
    chosen: list[str] = []
    for tag in appeal.hashtags:
        if len(chosen) >= room:
            break
        if tag.lower() in seen or not is_hashtag(tag):
            continue  # already shown, or not a whole hashtag ("#122", "#_")
        seen.add(tag.lower())
        chosen.append("#" + camel_case(tag))
    return chosen


FIRST_POST_HASHTAGS = 2
"""The most hashtags a thread's first post shows (X's and Mastodon's rule, Bluesky's too)."""


@dataclass(frozen=True)
class SocialLines:
    """What every social channel says of one appeal, before any platform weighs it: the
    functions above, each applied once (:func:`social_lines`)."""

    url: str
    lead: str
    """:func:`lead_line`."""
    details: tuple[str, ...]
    """:func:`person_details` of the lead."""
    action: str | None
    """:func:`call_to_action`."""
    said: tuple[str, ...]
    """The call to action's sentences."""
    tags: tuple[str, ...]
    """:func:`hashtags_for` the first post (lead, details and call to action), at most
    :data:`FIRST_POST_HASHTAGS`."""
    summary: str
    """The summary, cleaned as a line."""
    words: Words
    contacts: tuple[str, ...]
    """:func:`contact_line` of every contact, in the appeal's words."""


def _social_lines(appeal: Appeal) -> SocialLines:
    lead = lead_line(appeal)
    details = person_details(appeal, lead)
    action = call_to_action(appeal)
    present = " ".join(filter(None, (lead, *details, action)))
    words = words_for(appeal)
    return SocialLines(
        url=str(appeal.url),
        lead=lead,
        details=tuple(details),
        action=action,
        said=tuple(sentences(action)) if action else (),
        tags=tuple(hashtags_for(appeal, present, FIRST_POST_HASHTAGS)),
        summary=clean_inline(appeal.summary),
        words=words,
        contacts=tuple(contact_line(c, words) for c in appeal.contacts),
    )


# A build renders every social channel of one appeal in turn (X, Mastodon, Bluesky, Facebook),
# and each thread twice (without and with room for "1/3"): the lines are made once per record.
_LINES: FragmentMemo[SocialLines] = FragmentMemo(64)


def social_lines(appeal: Appeal) -> SocialLines:
    """The :class:`SocialLines` of ``appeal``, made once per record object: a record is
    frozen, and :class:`~publisher.channel.memo.FragmentMemo` finds an entry again only for
    the very object it was made from (a changed appeal is a new object)."""
    found = _LINES.get(appeal, None)
    if found is None:
        found = _LINES.put(appeal, None, _social_lines(appeal))
    return found
