"""The native format, written: an :class:`~publisher.domain.record.Appeal` back to YAML front
matter and a Markdown body that :func:`~publisher.importers.native.parse_native` reads back.

The web editor fills its form from this (the body as Markdown, the other fields one by one) and
composes what the author wrote into a native file with :func:`native_document`, so that the
one importer reads both; the revision diff shows a record's body with :func:`body_markdown`.

Reading back what is written gives the same record for what the importers make from native and
seed files (``tests/unit/test_native_writer.py``), except what the native format cannot say,
which can come from JSON: a call to action becomes a paragraph; a phone number's name is
inferred again from the words around it (or is the link's text); a quote's verb other than
"said" survives only when no quotation mark is in the quote; inferred topics are inferred again;
a link to anything but http(s), mailto or tel keeps only its words. The web editor shows the
author what saving would change when a record does not come back the same.

Pure: the standard library and PyYAML only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from publisher.domain.phones import find_numbers
from publisher.domain.record import (
    DEFAULT_TIMEZONE,
    Appeal,
    AppealStatus,
    Block,
    BulletList,
    CallToAction,
    Contact,
    Heading,
    Paragraph,
    Quote,
    Span,
    Translation,
)
from publisher.importers.common import parse_local_time
from publisher.importers.inline import find_links

__all__ = [
    "FRONT_MATTER_KEYS",
    "NativeDocument",
    "body_markdown",
    "local_time_text",
    "native_document",
    "protect_entities",
    "record_values",
    "translation_section",
    "translation_values",
    "write_native",
]

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


# ------------------------------------------------------------------------------ front matter

FRONT_MATTER_KEYS = (
    "id",
    "title",
    "summary",
    "organisation",
    "area",
    "url",
    "published",
    "updated",
    "timezone",
    "locale",
    "kind",
    "status",
    "resolution",
    "image",
    "topics",
    "hashtags",
    "campaigns",
)
"""The native format's front matter keys, in the order they are written."""


@dataclass(frozen=True)
class NativeDocument:
    """A native file made from field values and a body, and where each part of it is.

    ``keys`` gives the file lines (1-based, inclusive) of each front matter key, so that an
    importer error naming only a line can be put back on its field; the body's first line in
    the file is ``body_line``.
    """

    text: str
    keys: dict[str, tuple[int, int]]
    body_line: int

    def key_at(self, line: int | None) -> str | None:
        """The front matter key written on file line ``line``, or None."""
        if line is None:
            return None
        for key, (first, last) in self.keys.items():
            if first <= line <= last:
                return key
        return None

    def body_line_of(self, line: int | None) -> int | None:
        """The line of the body (1-based) that is file line ``line``, or None if not in it."""
        if line is None or line < self.body_line:
            return None
        return line - self.body_line + 1


def _dump(key: str, value: Any) -> str:
    text: str = yaml.dump(
        {key: value},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,  # one line per value: a line of the file is a field of the form
    )
    return text


def native_document(values: Iterable[tuple[str, Any]], body: str) -> NativeDocument:
    """A native file: ``values`` (front matter keys and YAML-safe values, None left out)
    between ``---`` lines, a blank line, then ``body`` as written.

    Every value is written by the YAML dumper, so nothing in it can end the front matter or
    become another key: a title of ``yes`` stays the text ``yes``.
    """
    lines = ["---"]
    keys: dict[str, tuple[int, int]] = {}
    for key, value in values:
        if value is None:
            continue
        dumped = _dump(key, value).rstrip("\n").split("\n")
        keys[key] = (len(lines) + 1, len(lines) + len(dumped))
        lines.extend(dumped)
    lines += ["---", ""]
    body_line = len(lines) + 1
    return NativeDocument("\n".join(lines) + "\n" + body, keys, body_line)


_ENTITY_START = re.compile(r"&(?=[#A-Za-z])")


def protect_entities(text: str) -> str:
    """``text`` with each ``&`` that would be read as the start of an HTML entity written as
    ``&amp;``: the importers decode entities once, so ``&amp;`` read back is the ``&`` of
    ``text`` (``Fish & chips`` is left as it is)."""

    def protect(match: re.Match[str]) -> str:
        ahead = text[match.start() : match.start() + 40]
        return "&amp;" if not html.unescape(ahead).startswith(ahead[:2]) else "&"

    return _ENTITY_START.sub(protect, text)


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """A time as the native format reads it back to the same instant: ``HH:MM DD/MM/YYYY`` in
    ``zone`` when that is exact, else ISO 8601 with its offset (seconds, or the second of two
    repeated hours when the clocks went back)."""
    local = moment.astimezone(zone)
    written = local.strftime("%H:%M %d/%m/%Y")
    # A wall-clock time read from an instant exists, so this never raises.
    again, _ = parse_local_time(written, zone, source=None, line=None, field="published")
    return written if again == moment else local.isoformat()


def record_values(appeal: Appeal) -> list[tuple[str, Any]]:
    """The front matter of ``appeal``: every key of :data:`FRONT_MATTER_KEYS`, in its order
    (None where the record has nothing to say)."""
    zone = appeal.zone
    text = protect_entities
    image: dict[str, str] | None = None
    if appeal.image is not None:
        image = {"url": str(appeal.image.url)}
        if appeal.image.alt:
            image["alt"] = text(appeal.image.alt)
    return [
        ("id", appeal.id),
        ("title", text(appeal.title)),
        ("summary", text(appeal.summary)),
        ("organisation", text(appeal.organisation) if appeal.organisation else None),
        ("area", text(appeal.area)),
        ("url", str(appeal.url)),
        ("published", local_time_text(appeal.published_at, zone)),
        (
            "updated",
            None if appeal.updated_at is None else local_time_text(appeal.updated_at, zone),
        ),
        ("timezone", None if appeal.timezone == DEFAULT_TIMEZONE else appeal.timezone),
        ("locale", None if appeal.locale == "en_GB" else appeal.locale),
        ("kind", appeal.kind.value),
        ("status", None if appeal.status is AppealStatus.ACTIVE else appeal.status.value),
        ("resolution", text(appeal.resolution) if appeal.resolution else None),
        ("image", image),
        ("topics", [t.value for t in appeal.topics] or None),
        ("hashtags", list(appeal.hashtags) or None),
        ("campaigns", [text(c) for c in appeal.campaigns] or None),
    ]


def translation_values(translation: Translation) -> list[tuple[str, Any]]:
    """The front matter of a translation section (None where it has nothing to say)."""
    text = protect_entities
    return [
        ("title", text(translation.title)),
        ("summary", text(translation.summary)),
        ("image_alt", text(translation.image_alt) if translation.image_alt else None),
        ("resolution", text(translation.resolution) if translation.resolution else None),
        ("url", None if translation.url is None else str(translation.url)),
        ("hashtags", list(translation.hashtags) or None),
        ("source_digest", translation.source_digest),
    ]


def translation_section(translation: Translation) -> str:
    """A translation as the native format's ``--- cy_GB`` section: its own front matter closed
    by ``---``, a blank line, then its body."""
    lines = [f"--- {translation.locale}"]
    for key, value in translation_values(translation):
        if value is not None:
            lines.extend(_dump(key, value).rstrip("\n").split("\n"))
    lines += ["---", ""]
    return "\n".join(lines) + "\n" + body_markdown(translation.body)


def write_native(appeal: Appeal) -> str:
    """``appeal`` as a native (.md) file, each translation a section after the primary body."""
    text = native_document(record_values(appeal), body_markdown(appeal.body)).text
    for translation in appeal.translations:
        text += "\n" + translation_section(translation)
    return text


# ------------------------------------------------------------------------------------- body

_BLOCK_START = re.compile(r"^(?:#|>|[-*+](?=\s|$)|\d{1,9}[.)](?=\s|$))")
_HASHTAG_AT = re.compile(r"#(?=\w*[^\W\d])")
_AUTOLINK_AT = re.compile(r"<(?=https?://|mailto:)", re.IGNORECASE)
_QUOTE_MARKS = '"“”'
_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_ATTRIBUTION_START = re.compile(r"^(?:—|―|--)")


def _escape(text: str, *, hashtags: bool = True) -> str:
    """Running text as the native body reads it back unchanged: the characters that would be
    markup there written with a backslash (``\\*``, ``\\_``, ``\\[``, a ``#`` that would start
    a hashtag), and entities protected. Underscores and stars inside words are left alone."""
    out: list[str] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if (
            char in "\\`[]"
            or (char in "*_" and not (_word(before) and _word(after)))
            or (char == "#" and hashtags and _HASHTAG_AT.match(text, index) and not _word(before))
            or (char == "<" and _AUTOLINK_AT.match(text, index))
        ):
            out.append("\\" + char)
        else:
            out.append(char)
    return protect_entities("".join(out))


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _line_start(text: str) -> str:
    """Escape what would make a line a heading, quote or list, or an attribution."""
    if _BLOCK_START.match(text) or _ATTRIBUTION_START.match(text):
        digits = len(text) - len(text.lstrip("0123456789"))
        return text[:digits] + "\\" + text[digits:]
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _link_alone(text: str, href: str) -> bool:
    """Whether ``text`` written as it is reads back as one link to ``href``."""
    return find_links(text) == [(0, len(text), href)]


def _numbers_alone(spans: Sequence[Span]) -> set[int]:
    """The indexes of the contact spans that the importer finds again, with the same number,
    when their paragraph is written as plain text (a short code needs its cue word: "call
    101"), and whose name it infers rather than takes from the link's text."""
    text = "".join(span.text for span in spans)
    found = {(n.start, n.end): n.number.value for n in find_numbers(text) if n.valid}
    alone: set[int] = set()
    position = 0
    for index, span in enumerate(spans):
        end = position + len(span.text)
        contact = span.contact
        if (
            contact is not None
            and found.get((position, end)) == contact.value
            and contact.name != span.text
        ):
            alone.add(index)
        position = end
    return alone


def _spans(spans: Sequence[Span]) -> str:
    alone = _numbers_alone(spans)
    pieces: list[str] = []
    for index, span in enumerate(spans):
        following = spans[index + 1].text[:1] if index + 1 < len(spans) else ""
        ends_here = following == "" or following.isspace() or following in ".,;:!?)'\"’”"
        if span.contact is not None:
            contact = span.contact
            if index in alone:
                pieces.append(span.text)
            elif contact.is_number:
                pieces.append(f"[{_escape(span.text)}](tel:{contact.value})")
            else:
                link = contact.value
                if not link.startswith(("http://", "https://", "mailto:")):
                    link = f"mailto:{link}"
                pieces.append(f"[{_escape(span.text)}]({link})")
        elif span.href is not None and not span.href.lower().startswith(_SCHEMES):
            pieces.append(_escape(span.text))  # the importers allow no other link
        elif span.href is not None:
            if _link_alone(span.text, span.href) and ends_here:
                pieces.append(span.text)
            else:
                pieces.append(f"[{_escape(span.text)}]({span.href})")
        elif span.hashtag:
            pieces.append(span.text)
        else:
            pieces.append(_escape(span.text))
    return _line_start(_one_line("".join(pieces)))


def _paragraph(para: Paragraph | CallToAction, *, after_quote: bool = False) -> str:
    text = _spans(para.spans)
    if after_quote and text[:1] == '"':
        text = "\\" + text  # a paragraph in quotation marks after a quote would carry it on
    return text


def _contact_line(contact: Contact) -> str:
    if contact.is_number:
        note = f" ({contact.note})" if contact.note else ""
        return f"{contact.name} - {contact.display}{note}"
    return f"{contact.name} - {contact.note or contact.display}"


def _quote(block: Quote) -> str:
    lead = block.speaker + (f", {block.role}" if block.role else "")
    texts = [_spans(p.spans) for p in block.paragraphs]
    plain = not any(mark in "".join((lead, *texts)) for mark in _QUOTE_MARKS)
    if block.verb != "said" and plain and "," not in block.speaker:
        # "Name, role, added: "…": the seed form keeps the verb; each further paragraph
        # opens with a quotation mark and the last one closes it.
        first = f'{lead}, {block.verb}: "{texts[0]}'
        rest = [f'"{t}' for t in texts[1:]]
        written = [first, *rest]
        written[-1] += '"'
        return "\n\n".join(written)
    quoted = "\n>\n".join(f"> {t}" for t in texts)
    return f"{quoted}\n\n— {lead}"


def _block(block: Block, previous: Block | None) -> str:
    if isinstance(block, Paragraph | CallToAction):
        return _paragraph(block, after_quote=isinstance(previous, Quote))
    if isinstance(block, Heading):
        return "## " + _escape(_one_line(block.text), hashtags=False)
    if isinstance(block, Quote):
        return _quote(block)
    if isinstance(block, BulletList):
        items = "\n".join(f"- {_spans(item.spans)}" for item in block.items)
        return items if block.intro is None else f"{_paragraph(block.intro)}\n\n{items}"
    contacts = "\n".join(_contact_line(c) for c in block.contacts)
    return contacts if block.intro is None else f"{_paragraph(block.intro)}\n\n{contacts}"


def body_markdown(blocks: Sequence[Block]) -> str:
    """The body in the native Markdown: one paragraph a line, blocks separated by a blank line."""
    written: list[str] = []
    previous: Block | None = None
    for block in blocks:
        written.append(_block(block, previous))
        previous = block
    return "\n\n".join(written) + "\n"
