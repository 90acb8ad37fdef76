"""Running text → spans: web and email addresses, hashtags and phone numbers found in a
paragraph become linked :class:`~publisher.domain.record.Span` s (shared by every importer)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.domain.phones import (
    FoundNumber,
    find_numbers,
    parse_number,
    well_known_name,
)
from publisher.domain.record import (
    ContactKind,
    Paragraph,
    Span,
)
from publisher.errors import RecordInvalid

__all__ = [
    "MARKDOWN_LINK",
    "find_hashtags",
    "find_links",
    "paragraph",
    "to_spans",
]


# Bare domains ("Sailderbyshire.org.uk") are only recognised with one of these endings, written in
# lower case, so that "in Derby.Police were called" is not a link.
_TLDS = "uk|com|org|net|gov|info|io|co|scot|wales|cymru|eu|ie|police|nhs|ac"
_URL = re.compile(
    rf"""
    (?P<scheme>https?://[^\s<>"“”]+)
  | (?P<www>(?<![\w@./-])www\.[^\s<>"“”]+)
  | (?P<bare>(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?-i:{_TLDS})
       (?![\w-])(?:/[^\s<>"“”]*)?)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![\w-])", re.I)
_HASHTAG = re.compile(r"(?<![\w&#/])#(?P<tag>\w*[^\W\d]\w*)")
MARKDOWN_LINK = re.compile(
    r"\[(?P<text>[^\]\n]+)\]\(\s*<?(?P<url>[^\s)<>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<(?P<auto>(?:https?://|mailto:)[^\s<>]+)>"
)
_TRAILING = ".,;:!?'\"’”"
_ALLOWED_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def _trim_url(text: str) -> str:
    """Drop trailing punctuation, and a closing bracket that has no opening one in the URL."""
    while text:
        if text[-1] in _TRAILING or (text[-1] == ")" and text.count("(") < text.count(")")):
            text = text[:-1]
        else:
            break
    return text


def _absolute(url: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return url
    host, slash, rest = url.partition("/")
    return f"https://{host.lower()}{slash}{rest}"


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    span: Span


def find_links(text: str) -> list[tuple[int, int, str]]:
    """Web and email addresses in running text: ``(start, end, href)``, href absolute."""
    hits: list[tuple[int, int, str]] = []
    for match in _EMAIL.finditer(text):
        hits.append((match.start(), match.end(), f"mailto:{match.group(0)}"))
    for match in _URL.finditer(text):
        written = _trim_url(match.group(0))
        start, end = match.start(), match.start() + len(written)
        if not written or any(s < end and start < e for s, e, _ in hits):
            continue
        if match.group("bare") and "." not in written.split("/")[0].rstrip("."):
            continue
        hits.append((start, end, _absolute(written)))
    return sorted(hits)


def find_hashtags(text: str) -> list[str]:
    """Hashtags in ``text`` (without '#'), outside web addresses."""
    links = find_links(text)
    return [
        m.group("tag")
        for m in _HASHTAG.finditer(text)
        if not any(s <= m.start() < e for s, e, _ in links)
    ]


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’+&-]*(?: (?:(?:of|and|for|the|on) )*[A-Z][\w'’+&-]*)*")
_NOT_NAMES = frozenset(
    {"I", "We", "You", "If", "Please", "Call", "Text", "Ring", "Phone", "Dial", "Contact"}
    | {"Or", "And", "Then", "Alternatively"}
)


def _number_name(text: str, found: FoundNumber, kind: ContactKind) -> str:
    """Who answers a number found in running text: a well-known short code's name, else the
    nearest capitalised name before it in the same sentence ("call Childline on 0800 1111"),
    else a plain label."""
    known = well_known_name(found.value, kind)
    if known:
        return known
    before = text[: found.start]
    ends = list(re.finditer(r"[.!?:;](?:\s|$)", before))
    sentence_start = ends[-1].end() if ends else 0
    while sentence_start < len(before) and before[sentence_start] in ' "“(':
        sentence_start += 1
    best: str | None = None
    for match in _CAPITALISED_RUN.finditer(
        text, max(sentence_start, found.start - 80), found.start
    ):
        words = match.group(0).split()
        if match.start() == sentence_start:
            words = words[1:]  # the first word of a sentence is capitalised anyway
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        if words:
            best = " ".join(words)
    if best:
        return best
    return {
        ContactKind.TEXT: "Text number",
        ContactKind.TEXTPHONE: "Textphone (Relay UK)",
    }.get(kind, "Phone number")


def to_spans(
    text: str,
    *,
    markdown: bool = False,
    line: int | None = None,
    source: str | None = None,
) -> tuple[Span, ...]:
    """Split running text into spans: links, emails, hashtags and phone numbers recovered.

    With ``markdown=True``, ``[text](url)`` and ``<url>`` are links too; a link to anything but
    http(s), mailto or tel raises :class:`RecordInvalid`.
    """
    hits: list[_Hit] = []

    def free(start: int, end: int) -> bool:
        return not any(h.start < end and start < h.end for h in hits)

    if markdown:
        for match in MARKDOWN_LINK.finditer(text):
            url = match.group("url") or match.group("auto")
            label = match.group("text") or match.group("auto")
            if not url.lower().startswith(_ALLOWED_SCHEMES):
                raise RecordInvalid(
                    f"link to {url!r} is not allowed: links must be http(s), mailto or tel",
                    file=source,
                    line=line,
                    field="body",
                )
            hits.append(_Hit(match.start(), match.end(), _link_span(label, url)))
    for start, end, href in find_links(text):
        if free(start, end):
            hits.append(_Hit(start, end, Span(text=text[start:end], href=href)))
    for match in _HASHTAG.finditer(text):
        if free(match.start(), match.end()):
            hits.append(_Hit(match.start(), match.end(), Span(text=match.group(0), hashtag=True)))
    for found in find_numbers(text):
        if found.valid and free(found.start, found.end):
            contact = found.number.contact(_number_name(text, found, found.kind), kind=found.kind)
            hits.append(
                _Hit(
                    found.start,
                    found.end,
                    Span(text=text[found.start : found.end], contact=contact),
                )
            )
    hits.sort(key=lambda h: h.start)
    spans: list[Span] = []
    position = 0
    for hit in hits:
        if hit.start > position:
            spans.append(Span(text=text[position : hit.start]))
        spans.append(hit.span)
        position = hit.end
    if position < len(text):
        spans.append(Span(text=text[position:]))
    return tuple(spans)


def _link_span(label: str, url: str) -> Span:
    if url.lower().startswith("tel:"):
        parsed = parse_number(url[4:])
        if parsed.valid:
            return Span(text=label, contact=parsed.contact(label))
    return Span(text=label, href=url)


def paragraph(text: str, *, markdown: bool, line: int | None, source: str | None) -> Paragraph:
    return Paragraph(spans=to_spans(text, markdown=markdown, line=line, source=source))
