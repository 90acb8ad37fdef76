"""Running text → spans: web and email addresses, hashtags and phone numbers found in a
paragraph become linked :class:`~publisher.domain.record.Span` s (shared by every importer)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import NamedTuple

from publisher.domain.hashtags import END_OF_HASHTAG, hashtag_pattern
from publisher.domain.phones import (
    FoundNumber,
    find_numbers,
    known_name,
    parse_number,
    well_known_key,
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
    "markdown_links",
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
# What every _URL and _EMAIL match holds: "://", "www.", or a label's last character (a hyphen
# ends an email's), a dot and the next label's or the TLD's first character. A text with none of
# them has no address to look for.
_MAY_HOLD_URL = re.compile(r"://|www\.|[a-z0-9-]\.[a-z0-9]", re.IGNORECASE)
_WWW = re.compile(r"www\.", re.IGNORECASE)
_DOT_BETWEEN = re.compile(r"\.(?<=[a-z0-9-]\.)[a-z0-9]", re.IGNORECASE)


def _may_hold_url(text: str) -> bool:
    """Whether :data:`_MAY_HOLD_URL` finds something in ``text``, each of its three parts
    looked for on its own: twice as fast, as each starts with a character to scan for."""
    return "://" in text or _WWW.search(text) is not None or _DOT_BETWEEN.search(text) is not None


def _hashtags(text: str) -> Iterator[re.Match[str]]:
    """Every hashtag in ``text`` by X's rules (:mod:`publisher.domain.hashtags`), not one in
    an address: group 1 is the tag without its ``#``."""
    if "#" not in text and "＃" not in text:
        return
    for match in hashtag_pattern().finditer(text):
        if not END_OF_HASHTAG.match(text, match.end()):
            yield match


MARKDOWN_LINK = re.compile(
    r"\[(?P<text>[^\]\n]+)\]\(\s*<?(?P<url>[^\s)<>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<(?P<auto>(?:https?://|mailto:)[^\s<>]+)>"
)
_LINK_OPENER = re.compile(r"[\[<]")
_LINK_TEXT_END = re.compile(r"[\]\n]")
_LINK_URL_END = re.compile(r"[\s)<>]")
_SPACES = re.compile(r"\s*")


def markdown_links(text: str) -> list[re.Match[str]]:
    """The matches of :data:`MARKDOWN_LINK` in ``text``, as ``finditer`` gives them, in
    linear time.

    ``finditer`` alone is quadratic on hostile text: every ``[`` reads on to the next ``]``,
    and every ``[…](`` reads its address to the end of the run. But a ``[`` whose link fails
    fails for every ``[`` before the same ``]``, and an address that fails fails from every
    later start in the same run, since what follows is the same; so those are skipped.
    """
    found: list[re.Match[str]] = []
    position = 0
    text_dead = 0  # a "[" before this has its "]" where a link already failed
    url_dead = (0, 0)  # an address starting strictly inside this run fails
    while True:
        opener = _LINK_OPENER.search(text, position)
        if opener is None:
            return found
        at = opener.start()
        position = at + 1
        if text[at] == "<":
            match = MARKDOWN_LINK.match(text, at)
        else:
            if at < text_dead:
                continue
            close = _LINK_TEXT_END.search(text, at + 1)
            end = close.start() if close is not None else len(text)
            spaces = _SPACES.match(text, end + 2)
            url = spaces.end() if spaces is not None else end + 2
            url += 1 if text[url : url + 1] == "<" else 0
            if url_dead[0] < url < url_dead[1]:
                text_dead = end
                continue
            match = MARKDOWN_LINK.match(text, at)
            if match is None:
                text_dead = end
                if end >= at + 2 and text[end : end + 2] == "](":  # the address was tried
                    run_end = _LINK_URL_END.search(text, url)
                    url_dead = (url, run_end.start() if run_end is not None else len(text))
        if match is not None:
            found.append(match)
            position = match.end()


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


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _absolute(url: str) -> str:
    if _SCHEME.match(url):
        return url
    host, slash, rest = url.partition("/")
    return f"https://{host.lower()}{slash}{rest}"


class _Hit(NamedTuple):
    """A part of a text made a span (a tuple: made for every link, hashtag and number)."""

    start: int
    end: int
    span: Span


class _Taken:
    """Parts of a text already taken, as sorted ``[start, end)`` intervals that do not overlap;
    each question costs a binary search, not a look at every part (quadratic on long texts)."""

    def __init__(self, spans: list[tuple[int, int]] | None = None) -> None:
        self._spans = sorted(spans or [])
        self._starts = [start for start, _ in self._spans]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps a part taken."""
        index = bisect_left(self._starts, end)
        return index > 0 and self._spans[index - 1][1] > start

    def holds(self, position: int) -> bool:
        """Whether ``position`` is inside a part taken."""
        index = bisect_right(self._starts, position)
        return index > 0 and self._spans[index - 1][1] > position

    def add(self, spans: list[tuple[int, int]]) -> None:
        """Take more parts (that overlap none taken)."""
        if spans:
            self._spans = sorted(self._spans + spans)
            self._starts = [start for start, _ in self._spans]


def find_links(text: str) -> list[tuple[int, int, str]]:
    """Web and email addresses in running text: ``(start, end, href)``, href absolute."""
    hits: list[tuple[int, int, str]] = []
    if not _may_hold_url(text):
        return hits  # and so no email address either: it needs a dot between labels too
    for match in _EMAIL.finditer(text):
        hits.append((match.start(), match.end(), f"mailto:{match.group(0)}"))
    # addresses found by one pattern never overlap each other: only the emails can be in the way
    emails = _Taken([(start, end) for start, end, _ in hits])
    for match in _URL.finditer(text):
        written = _trim_url(match.group(0))
        start, end = match.start(), match.start() + len(written)
        if not written or emails.overlaps(start, end):
            continue
        if match.group("bare") and "." not in written.split("/")[0].rstrip("."):
            continue
        hits.append((start, end, _absolute(written)))
    return sorted(hits)


def find_hashtags(text: str) -> list[str]:
    """Hashtags in ``text`` (without '#'), outside web addresses."""
    if "#" not in text and "＃" not in text:
        return []
    links = _Taken([(start, end) for start, end, _ in find_links(text)])
    return [m.group(1) for m in _hashtags(text) if not links.holds(m.start())]


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’+&-]*(?: (?:(?:of|and|for|the|on) )*[A-Z][\w'’+&-]*)*")
_NOT_NAMES = frozenset(
    {"I", "We", "You", "If", "Please", "Call", "Text", "Ring", "Phone", "Dial", "Contact"}
    | {"Or", "And", "Then", "Alternatively"}
)


_CLAUSE_END = re.compile(r"[.!?:;](?:\s|$)")


class _Clauses:
    """Where the clause before each position of one text starts, found by a binary search in
    the clause ends of the whole text (reading the text before every number again was
    quadratic in long texts with many numbers)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: list[int] | None = None
        self._skipped: dict[int, int] = {}

    @property
    def _ends(self) -> list[int]:
        """The clause ends, found when first asked for (most numbers are named without)."""
        if self._found is None:
            self._found = [m.end() for m in _CLAUSE_END.finditer(self.text)]
        return self._found

    def start_before(self, position: int) -> int:
        """``_CLAUSE_END``'s last end in ``text[:position]`` (0 if none), then past any spaces,
        quotation marks and brackets (no further than ``position``)."""
        text = self.text
        if position and text[position - 1] in ".!?:;":
            begin = position
        else:
            index = bisect_right(self._ends, position)
            begin = self._ends[index - 1] if index else 0
        if begin not in self._skipped:
            skipped = begin
            while skipped < len(text) and text[skipped] in ' "“(':
                skipped += 1
            self._skipped[begin] = skipped
        return min(self._skipped[begin], position)


def _number_name(
    text: str, found: FoundNumber, kind: ContactKind, clauses: _Clauses | None = None
) -> tuple[str, str | None]:
    """Who answers a number found in running text, and the well-known contact's key when we
    name it (``Contact.known``): a well-known short code's name, else the nearest capitalised
    name before it in the same sentence ("call Childline on 0800 1111", the text's own words:
    no key), else a plain label."""
    key = well_known_key(found.value, kind)
    known = None if key is None else known_name(key)
    if key is not None and known:
        return known, key
    sentence_start = (clauses or _Clauses(text)).start_before(found.start)
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
        return best, None
    key = {
        ContactKind.TEXT: "text-number",
        ContactKind.TEXTPHONE: "textphone",
    }.get(kind, "phone-number")
    return known_name(key) or key, key


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
    numbers = find_numbers(text)
    may_link = _may_hold_url(text)  # else find_links finds nothing
    may_tag = "#" in text or "＃" in text  # else _hashtags finds nothing
    if not (markdown or may_link or may_tag or any(found.valid for found in numbers)):
        return (Span(text=text),) if text else ()  # nothing to link: one span, as below
    hits: list[_Hit] = []
    # What each kind of hit takes never overlaps itself (one pattern's matches, or numbers found
    # one after another): a hit only has to be checked against the kinds before it.
    taken = _Taken()

    def take(start: int, end: int, span: Span) -> tuple[int, int]:
        hits.append(_Hit(start, end, span))
        return start, end

    if markdown:
        links: list[tuple[int, int]] = []
        for match in markdown_links(text):
            url = match.group("url") or match.group("auto")
            label = match.group("text") or match.group("auto")
            if not url.lower().startswith(_ALLOWED_SCHEMES):
                raise RecordInvalid(
                    f"link to {url!r} is not allowed: links must be http(s), mailto or tel",
                    file=source,
                    line=line,
                    field="body",
                )
            links.append(take(match.start(), match.end(), _link_span(label, url)))
        taken.add(links)
    if may_link:
        taken.add(
            [
                take(start, end, Span(text=text[start:end], href=href))
                for start, end, href in find_links(text)
                if not taken.overlaps(start, end)
            ]
        )
    if may_tag:
        taken.add(
            [
                take(match.start(), match.end(), Span(text=match.group(0), hashtag=True))
                for match in _hashtags(text)
                if not taken.overlaps(match.start(), match.end())
            ]
        )
    clauses = _Clauses(text)
    for found in numbers:
        if found.valid and not taken.overlaps(found.start, found.end):
            name, key = _number_name(text, found, found.kind, clauses)
            contact = found.number.contact(name, kind=found.kind, known=key)
            take(found.start, found.end, Span(text=text[found.start : found.end], contact=contact))
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
