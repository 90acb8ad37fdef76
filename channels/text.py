"""The plain-text version of an appeal: for screen readers, SMS and e-mail.

One file per appeal, ``<appeal.path>index.txt`` (``text/plain; charset=utf-8``), built in
Python rather than from a template: every line is record text that needs the same cleaning,
and there is no markup to escape.

Decisions (see also ``tests/unit/test_text_channel.py``):

- Linear reading order: title; "Published 2 April 2020 at 1:53pm" (and "Updated …") in the
  record's time zone (Europe/London unless the record says otherwise, then the zone is named);
  the summary (left out when it only repeats the title or the first paragraph); the image's
  description ("Image: …"); the blocks in order; last, "Read this online: <url>".
- Paragraphs are separated by one blank line. No hard wrapping: screen readers, SMS and mail
  clients reflow. Items of a list (bullets or contacts) are plain lines, one after the other,
  with no bullet character (a "- " or "* " is read out or looks like Markdown); a bullet item
  that ends without punctuation gets a full stop so a screen reader pauses.
- Quotes: "Detective Chief Inspector (DCI) Brian Bilby, from the force's Public Protection Unit,
  said:" then each quoted paragraph in straight double quotes.
- Ranks and abbreviations are expanded at first use, in reading order, across speakers, titles,
  contact names and body text (:mod:`publisher.domain.abbreviations`), never inside addresses.
- Contacts: "Name: phone 0800 085 3481", "Name: text 999", "Name: textphone (Relay UK) 18001
  101", "Name: https://…", "Name: email someone@example.org". Numbers inside sentences keep the
  words around them and use the grouped display form ("call 999"); a textphone number in a
  sentence gets "(Relay UK)" unless the sentence already says so.
- Links: "text: URL" with the absolute URL; when the link text is the address itself the URL
  is written once. Only http(s), mailto, tel and sms links are kept.
- No markup, no Markdown, no emoji, no control characters: HTML tags are dropped, a stray
  "<" or ">" becomes "less than"/"greater than", emphasis marks and line-start Markdown markers
  are removed, emoji are stripped (the ©, ® and ™ signs are kept). Typographic quotes, dashes,
  ellipses and non-breaking spaces are folded to their plain forms so that SMS can use GSM-7.
- A resolved appeal is its title and resolution line only; a withdrawn appeal becomes a
  one-line notice, so publishing overwrites any personal details on disk.
- The SMS segment count is not written into the text (it is for readers): call
  :func:`sms_segments` on a text, or :meth:`TextChannel.sms_info` on a rendition.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.files import publish_files
from publisher.channel.i18n import chrome_for, contact_name
from publisher.channel.memo import FragmentMemo, in_language
from publisher.channels._common import (
    Joiner,
    drop_tags,
    opening_text,
    said_line,
    same_words,
    strip_control,
)
from publisher.domain.abbreviations import expand_first_use
from publisher.domain.links import safe_href
from publisher.domain.phones import grouped, says_number
from publisher.domain.record import (
    Appeal,
    AppealStatus,
    Block,
    CallToAction,
    Contact,
    ContactKind,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    Span,
)

__all__ = [
    "FILE_NAME",
    "MEDIA_TYPE",
    "WITHDRAWN_NOTICE",
    "SmsInfo",
    "TextChannel",
    "clean_text",
    "render_text",
    "sms_segments",
    "spoken_time",
]

FILE_NAME = "index.txt"
MEDIA_TYPE = "text/plain; charset=utf-8"
WITHDRAWN_NOTICE = "This appeal has been withdrawn."
WELSH_WITHDRAWN_NOTICE = "Mae'r apêl hon wedi cael ei thynnu'n ôl."
_ENGLISH_WORDS = {
    "published": "Published",
    "updated": "Updated",
    "image": "Image:",
    "online": "Read this online:",
}
_WELSH_WORDS = {
    "published": "Cyhoeddwyd",
    "updated": "Diweddarwyd",
    "image": "Llun:",
    "online": "Darllenwch hwn ar-lein:",
}
DEFAULT_ZONE = "Europe/London"

# --- SMS -------------------------------------------------------------------------------------

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsInfo:
    """How a text travels as SMS.

    ``characters`` is the length as the network counts it: GSM-7 septets (an extended
    character such as ``€`` or ``[`` counts 2) or UCS-2 code units (a character outside the
    Basic Multilingual Plane counts 2).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    characters: int


def sms_segments(text: str) -> SmsInfo:
    """Encoding, length and number of SMS segments for ``text``.

    GSM-7 when every character is in the GSM 03.38 basic or extension table: 160 septets in one
    message, else 153 per segment of a concatenated message. Otherwise UCS-2: 70, else 67 per
    segment. A character is never split between segments (an escape and its extended character,
    or a surrogate pair, travel together), so long texts may need one more segment than a plain
    division suggests. An empty text is still one message.
    """
    if all(char in _GSM7_BASIC or char in _GSM7_EXTENDED for char in text):
        encoding: Literal["GSM-7", "UCS-2"] = "GSM-7"
        sizes = [2 if char in _GSM7_EXTENDED else 1 for char in text]
        single, multi = 160, 153
    else:
        encoding = "UCS-2"
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, multi = 70, 67
    total = sum(sizes)
    if total <= single:
        return SmsInfo(encoding=encoding, segments=1, characters=total)
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return SmsInfo(encoding=encoding, segments=segments, characters=total)


# --- Cleaning --------------------------------------------------------------------------------

_KEEP_SIGNS = frozenset("©®™")
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\(\s*([^()\s]+)\s*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_LINE_START = re.compile(r"^\s*(?:#{1,6}\s+|>+\s*|[-*+•]\s+)")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u20e3\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001f3fb-\U0001f3ff"
    "\U0001f1e6-\U0001f1ff\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "…": "...",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\n": " ",
    }
)
# A run of spaces and tabs becomes one space. Only the runs that are not one space already are
# matched (a tab, or a space and more): the same text as every run's, without a replacement
# for each single space between words.
_SPACES = re.compile(r"\t[ \t]*| [ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,;:!?)](?:\s|$))")
_SPACED_PUNCT = tuple(f" {mark}" for mark in ".,;:!?)")
"""What :data:`_SPACE_BEFORE_PUNCT` needs: a space just before the mark."""


def _no_emoji(text: str) -> str:
    if text.isascii():  # every emoji has a character outside ASCII (keycaps end in U+20E3)
        return text

    # Here, for the first text beyond ASCII: the emoji data takes a few hundredths of a second
    # to load, which a build of English (ASCII) appeals need never pay.
    import emoji

    def keep(chars: str, data: dict[str, str]) -> str:
        base = chars.replace("\ufe0f", "").replace("\ufe0e", "")
        return base if base in _KEEP_SIGNS else " "

    return emoji.replace_emoji(text, replace=keep)


def clean_text(text: str) -> str:
    """One run of record text made plain: no markup, Markdown, emoji or control characters,
    typography folded to plain characters, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFC", strip_control(text))
    text = drop_tags(text)
    text = text.replace("<", " less than ").replace(">", " greater than ")
    if not text.isascii():  # every emoji and every invisible character is beyond ASCII
        text = _INVISIBLE.sub("", _no_emoji(text))
    if not text.isascii() or "\t" in text or "\n" in text:  # _FOLD's only ASCII keys
        text = text.translate(_FOLD)
    if "](" in text:
        text = _MD_LINK.sub(r"\1: \2", text)
    if "*" in text or "_" in text:
        text = _MD_STRONG.sub(r"\2", text)
        text = _MD_EM.sub(r"\2", text)
    text = text.replace("`", "").replace("~~", "")
    text = _MD_LINE_START.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if any(pair in text for pair in _SPACED_PUNCT):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text


# --- Dates -----------------------------------------------------------------------------------


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def spoken_time(moment: datetime) -> str:
    """Like "2 April 2020 at 1:53pm", "… at 9am", "… at midday" (GOV.UK style), in English
    whatever the process locale."""
    day = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    if (moment.hour, moment.minute) == (0, 0):
        clock = "midnight"
    elif (moment.hour, moment.minute) == (12, 0):
        clock = "midday"
    else:
        hour = moment.hour % 12 or 12
        suffix = "am" if moment.hour < 12 else "pm"
        clock = f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"
    return f"{day} at {clock}"


# --- Rendering -------------------------------------------------------------------------------

_URL_TOKEN = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)
_LABELS = {
    ContactKind.PHONE: "phone",
    ContactKind.TEXT: "text",
    ContactKind.TEXTPHONE: "textphone (Relay UK)",
    ContactKind.EMAIL: "email",
    ContactKind.WEB: "",
}


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _bare(url: str) -> str:
    """An address without scheme, "www.", "mailto:" or trailing slash, for comparisons."""
    url = url.lower().strip()
    url = re.sub(r"^(?:[a-z][a-z0-9+.-]*:(?://)?)", "", url)
    url = url.removeprefix("www.")
    return url.rstrip("/")


_WELSH_MONTHS = (
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
)
_WELSH_RANKS = (
    # longest first, so that "DCI" is not read as "DC" + "I", nor "Ch Supt" as "Supt"
    ("Ch Supt", "Prif Uwch-arolygydd"),
    ("Ch Insp", "Prif Arolygydd"),
    ("DSupt", "Ditectif Uwch-arolygydd"),
    ("DCS", "Ditectif Brif Uwch-arolygydd"),
    ("DCI", "Ditectif Brif Arolygydd"),
    ("DSgt", "Ditectif Ringyll"),
    ("PCSO", "Swyddog Cymorth Cymunedol yr Heddlu"),
    ("Supt", "Uwch-arolygydd"),
    ("Insp", "Arolygydd"),
    ("DI", "Ditectif Arolygydd"),
    ("DS", "Ditectif Ringyll"),
    ("DC", "Ditectif Gwnstabl"),
    ("CI", "Prif Arolygydd"),
    ("PC", "Cwnstabl"),
    ("Sgt", "Rhingyll"),
)
"""Ranks as Welsh forces write them in Welsh text: spelt out at every use."""
_WELSH_RANK = re.compile(
    r"\b(?P<abbr>" + "|".join(re.escape(abbr) for abbr, _ in _WELSH_RANKS) + r")\b\.?(?= [A-Z])"
)
_WELSH_RANK_WORDS = dict(_WELSH_RANKS)
_WELSH_LABELS = {
    ContactKind.PHONE: "ffôn",
    ContactKind.TEXT: "neges destun",
    ContactKind.TEXTPHONE: "ffôn testun (Relay UK)",
    ContactKind.EMAIL: "e-bost",
    ContactKind.WEB: "",
}


def welsh_ranks(text: str) -> str:
    """``DS Gareth Jones`` -> ``Ditectif Ringyll Gareth Jones``: a rank before a name, spelt out
    as Welsh forces write it."""
    return _WELSH_RANK.sub(lambda m: _WELSH_RANK_WORDS[m.group("abbr")], text)


def welsh_time(moment: datetime) -> str:
    """Like "2 Ebrill 2020 am 1:53pm", "… am hanner dydd", in Welsh whatever the process
    locale."""
    day = f"{moment.day} {_WELSH_MONTHS[moment.month - 1]} {moment.year}"
    if (moment.hour, moment.minute) == (0, 0):
        return f"{day} am hanner nos"
    if (moment.hour, moment.minute) == (12, 0):
        return f"{day} am hanner dydd"
    return f"{day} am {spoken_time(moment).rsplit(' at ', 1)[1]}"


def _welsh(appeal: Appeal) -> bool:
    return appeal.locale.partition("_")[0] == "cy"


class _Writer:
    """Turns record text into lines, expanding abbreviations once, in reading order (English),
    or spelling ranks out (Welsh: the English abbreviations are not Welsh ones)."""

    def __init__(self, appeal: Appeal) -> None:
        self.appeal = appeal
        self.base = str(appeal.url)
        self.seen: set[str] = set()
        self.welsh = _welsh(appeal)
        self.labels = _WELSH_LABELS if self.welsh else _LABELS
        self.chrome = chrome_for(appeal.locale)
        """The catalogue's words of the appeal's language: well-known contacts' names."""

    def words(self, text: str) -> str:
        """Record text, cleaned and with abbreviations expanded at first use."""
        if self.welsh:
            return welsh_ranks(clean_text(text))
        return expand_first_use(clean_text(text), self.seen)

    def _link(self, text: str, href: str | None) -> str:
        url = safe_href(href, self.base) if href else None
        if url is None:
            return self.words(text)
        shown = url
        if url.startswith(("mailto:", "tel:", "sms:")):
            shown = url.split(":", 1)[1].split("?", 1)[0]
        cleaned = clean_text(text)
        if not cleaned or _bare(cleaned) == _bare(url) or _bare(cleaned) == _bare(shown):
            return shown
        if url.startswith(("tel:", "sms:")) and _digits(cleaned) == _digits(shown):
            return cleaned
        return f"{self.words(text)}: {shown}"

    def _contact_span(self, span: Span, contact: Contact, context: str) -> str:
        if not contact.is_number:
            href = f"mailto:{contact.value}" if contact.kind is ContactKind.EMAIL else contact.value
            return self._link(span.text, href)
        display = clean_text(grouped(contact))
        written = clean_text(span.text)
        if says_number(written, contact):
            out = display
        else:
            out = f"{self.words(span.text)} ({self.labels[contact.kind]} {display})"
        if contact.kind is ContactKind.TEXTPHONE and "relay uk" not in context.lower():
            out += " (Relay UK)"
        return out

    def spans(self, spans: Iterable[Span]) -> str:
        items = tuple(spans)
        context = " ".join(span.text for span in items)
        joiner = Joiner()
        for span in items:
            if span.contact is not None:
                piece = self._contact_span(span, span.contact, context)
            elif span.href is not None:
                piece = self._link(span.text, span.href)
            else:
                piece = self.words(span.text)
            if piece:
                joiner.add(piece)
        return joiner.joined()

    def contact(self, contact: Contact) -> str:
        name = self.words(contact_name(contact, self.chrome))
        if contact.kind is ContactKind.WEB:
            value = safe_href(contact.value, self.base) or clean_text(contact.display)
        elif contact.kind is ContactKind.EMAIL:
            value = clean_text(contact.value)
        else:
            value = clean_text(grouped(contact))
        label = self.labels[contact.kind]
        line = f"{name}: {label} {value}" if label else f"{name}: {value}"
        if contact.note:
            line += f" ({self.words(contact.note)})"
        return line

    def item(self, paragraph: Paragraph) -> str:
        line = self.spans(paragraph.spans)
        if line and line[-1].isalnum() and not _URL_TOKEN.search(line):
            line += "."
        return line

    def block(self, block: Block) -> list[str]:
        """The block as paragraphs (each a string; list lines joined by single newlines)."""
        if isinstance(block, Paragraph | CallToAction):
            return [self.spans(block.spans)]
        if isinstance(block, Heading):
            return [self.words(block.text)]
        if isinstance(block, Quote):
            who = self.words(block.speaker)
            role = self.words(block.role or "")
            # "DCI Brian Bilby, from the force's Public Protection Unit, said:", or in Welsh
            # "Dywedodd Ditectif Ringyll Gareth Jones, o'r Adran…:"
            out = [said_line(who, role, clean_text(block.verb), welsh=self.welsh)]
            for paragraph in block.paragraphs:
                said = self.spans(paragraph.spans).strip('"').strip()
                if said:
                    out.append(f'"{said}"')
            return out
        if isinstance(block, ContactList):
            intro = [self.spans(block.intro.spans)] if block.intro else []
            lines = [self.contact(contact) for contact in block.contacts]
            return [*intro, "\n".join(lines)]
        # BulletList, the last member of the closed union.
        intro = [self.spans(block.intro.spans)] if block.intro else []
        lines = [line for line in (self.item(item) for item in block.items) if line]
        return [*intro, "\n".join(lines)]


def _when(moment: datetime, appeal: Appeal) -> str:
    said = welsh_time(moment) if _welsh(appeal) else spoken_time(moment)
    if appeal.timezone != DEFAULT_ZONE:
        said += f" ({moment.tzname()})"
    return said


# The notify channel's email is this text too, and a build renders every channel of an appeal
# in turn: each record's text is made once (see publisher.channel.memo).
_TEXTS: FragmentMemo[str] = FragmentMemo(64)


def render_text(appeal: Appeal) -> str:
    """The plain text of an appeal (what :class:`TextChannel` writes), made once per record
    object (records are frozen: a changed appeal is a new object)."""
    text = _TEXTS.get(appeal, None)
    if text is None:
        text = _TEXTS.put(appeal, None, _render_text(appeal))
    return text


def _render_text(appeal: Appeal) -> str:
    welsh = _welsh(appeal)
    if appeal.status is AppealStatus.WITHDRAWN:
        return (WELSH_WITHDRAWN_NOTICE if welsh else WITHDRAWN_NOTICE) + "\n"
    words = _WELSH_WORDS if welsh else _ENGLISH_WORDS
    writer = _Writer(appeal)
    paragraphs: list[str] = [writer.words(appeal.title)]
    if appeal.status is AppealStatus.RESOLVED:
        paragraphs.append(writer.words(appeal.resolution or ""))
        return "\n\n".join(p for p in paragraphs if p) + "\n"
    dates = f"{words['published']} {_when(appeal.local_published, appeal)}"
    if appeal.local_updated is not None and appeal.updated_at != appeal.published_at:
        dates += f"\n{words['updated']} {_when(appeal.local_updated, appeal)}"
    paragraphs.append(dates)
    opening = opening_text(appeal.body)
    if not (same_words(appeal.summary, appeal.title) or same_words(appeal.summary, opening)):
        paragraphs.append(writer.words(appeal.summary))
    if appeal.image is not None and appeal.image.alt:
        alt = writer.words(appeal.image.alt)
        if alt:
            paragraphs.append(f"{words['image']} {alt}")
    for block in appeal.body:
        paragraphs.extend(writer.block(block))
    paragraphs.append(f"{words['online']} {appeal.url}")
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def _text_bytes(appeal: Appeal) -> bytes:
    return render_text(appeal).encode("utf-8")


class TextChannel(ChannelBase):
    """Accessible plain text: ``<appeal path>index.txt``."""

    name: str = "text"
    idempotent: bool = True
    can_delete = True

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """``index.txt`` beside each language's page: the primary's at ``<appeal.path>``, each
        translation's at its own page's path (``cy/<appeal.path>index.txt``, or under the
        translation's ``url``), as the web channel writes the pages, so every page's "Read this
        page as plain text" link is ``index.txt`` beside it."""
        files = [
            OutputFile(f"{version.path}{FILE_NAME}", _text_bytes(version), MEDIA_TYPE)
            for version in (in_language(appeal, locale) for locale in appeal.languages)
        ]
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=tuple(files),
        )

    @staticmethod
    def sms_info(rendition: Rendition) -> SmsInfo:
        """The SMS encoding and segment count of a rendition's text (final newline excluded)."""
        text = rendition.file(FILE_NAME).content.decode("utf-8")
        return sms_segments(text.removesuffix("\n"))

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        return publish_files(self.name, rendition, target)
