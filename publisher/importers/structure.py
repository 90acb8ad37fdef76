"""Body text → typed blocks. Shared by the seed and the native (Markdown) importers.

An importer first cuts its body into :class:`RawBlock` s (paragraphs with their source lines,
bullet lists, headings, Markdown block quotes), already cleaned by :mod:`publisher.domain.cleaning`.
:func:`build_body` then recovers the structure of an appeal:

* a paragraph repeating the title is dropped (a duplicate headline; its hashtags are kept);
* ``Name, role, said: "…`` opens a :class:`~publisher.domain.record.Quote` that runs over the
  following paragraphs that start with a quotation mark, until one closes it (British convention);
  ``"…," said PC Smith.`` and ``"…," PC Smith said.`` are one-paragraph quotes;
* runs of contact lines (``Name - 0800 085 3481``, ``Name: 101``, ``Name – www.example.org``)
  become one :class:`~publisher.domain.record.ContactList`, with the paragraph before as intro
  when it introduces them (ends with ``:`` or ``;`` or says "following");
* bullet lists take the paragraph before as intro when it ends with ``:``;
* in running text (:func:`to_spans`): web addresses, email addresses, hashtags and phone numbers
  become linked :class:`~publisher.domain.record.Span` s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import ValidationError

from publisher.domain.phones import (
    leading_number,
    well_known_name,
)
from publisher.domain.record import (
    Block,
    BulletList,
    Contact,
    ContactKind,
    ContactList,
    Heading,
    Paragraph,
    Quote,
)
from publisher.errors import Problem, RecordInvalid
from publisher.importers.inline import (
    MARKDOWN_LINK,
    find_hashtags,
    find_links,
    paragraph,
    to_spans,
)

__all__ = [
    "MARKDOWN_LINK",
    "BodyResult",
    "Line",
    "RawBlock",
    "build_body",
    "find_hashtags",
    "find_links",
    "first_sentence",
    "normalise_for_compare",
    "parse_contact_line",
    "to_spans",
]


@dataclass(frozen=True)
class Line:
    """One line of cleaned source text and its line number in the file (1-based)."""

    text: str
    line: int | None = None


@dataclass(frozen=True)
class RawBlock:
    """A block as cut from the source, before structure is recovered.

    ``paragraph`` and ``heading``: ``lines`` are its source lines. ``bullets``: one Line per item.
    ``blockquote`` (Markdown ``>``): one Line per quoted paragraph, plus the attribution line
    (``— Name, role``) if there was one.
    """

    kind: Literal["paragraph", "bullets", "heading", "blockquote"]
    lines: tuple[Line, ...]
    attribution: Line | None = None

    @property
    def line(self) -> int | None:
        return self.lines[0].line if self.lines else None

    @cached_property
    def text(self) -> str:
        """The block's lines joined by single spaces (worked out once: the rules ask for it
        again and again)."""
        return " ".join(part.text.strip() for part in self.lines if part.text.strip())


@dataclass(frozen=True)
class BodyResult:
    """The blocks of a body, the hashtags met in it, warnings, and where each block came from.

    ``lines`` maps record fields to 1-based source lines, in the linter's syntax: ``body[2]``
    (the block's first line), ``body[2].paragraphs[0]``, ``body[3].items[1]``,
    ``body[4].contacts[0]``, ``body[3].intro``, ``body[2].speaker``.
    """

    blocks: tuple[Block, ...]
    hashtags: tuple[str, ...]
    warnings: tuple[Problem, ...]
    lines: Mapping[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Contact lines

_CONTACT_SPLIT = re.compile(
    r"^(?P<name>[^\s:–—-][^:–—]{0,79}?)(?P<sep>\s+[-–—]\s*|\s*[–—]\s+|:\s+)(?P<rest>\S.*)$"
)
_CONTACT_SEPARATORS = ("-", "–", "—", ":")
"""What :data:`_CONTACT_SPLIT` 's separator holds one of: a line with none is no contact line."""
_INTRO_WORDS = re.compile(r"\bfollowing\b", re.IGNORECASE)


_ENDS_SENTENCE = re.compile(r"[.!?]$")
_QUOTATION_MARK = re.compile(r"[\"“”]")
_TEXT_WORDS = re.compile(r"\b(?:text|sms)\b", re.IGNORECASE)
_ANOTHER_NUMBER = re.compile(r"(?:or|and|/)\s+", re.IGNORECASE)
_SENTENCE_INSIDE = re.compile(r"[!?;]|\.\s+[a-z]|\b[a-z]{4,}\.\s")


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return (
        0 < len(words) <= 10
        and (name[0].isupper() or name[0].isdigit())
        and not _ENDS_SENTENCE.search(name)
        and not _QUOTATION_MARK.search(name)
    )


def parse_contact_line(text: str) -> tuple[Contact, ...] | None:
    """``Name - number [note]``, ``Name: number``, ``Name - words with a web address`` → the
    contact(s) of that line, or None if the line is not a contact line."""
    if not any(mark in text for mark in _CONTACT_SEPARATORS):
        return None
    match = _CONTACT_SPLIT.match(text.strip())
    if match is None:
        return None
    name, rest = match.group("name").strip(), match.group("rest").strip()
    if not _looks_like_name(name):
        return None
    leading = leading_number(rest)
    if leading is not None:
        parsed, end = leading
        note = rest[end:].strip(" ,;-–—()").strip() or None
        if parsed.short and note and well_known_name(parsed.value, parsed.kind) is None:
            return None  # "Incident number: 123 of 4 May" is a reference, not a short code
        kind = ContactKind.TEXT if _TEXT_WORDS.search(name) else None
        contacts = [parsed]
        while note and (more := _ANOTHER_NUMBER.match(note)):
            another = leading_number(note[more.end() :])
            if another is None:
                break
            contacts.append(another[0])
            note = note[more.end() + another[1] :].strip(" ,;-–—()").strip() or None
        return tuple(number.contact(name, kind=kind, note=note) for number in contacts)
    links = find_links(rest)
    if len(links) != 1:
        return None
    start, end, href = links[0]
    only_link = rest[:start].strip() == "" and rest[end:].strip(" .") == ""
    if ":" in match.group("sep") and not only_link:
        return None  # "X said: visit www.example.org" is a sentence, not a contact line
    if len(rest) > 160:
        return None
    kind = ContactKind.EMAIL if href.startswith("mailto:") else ContactKind.WEB
    value = href.removeprefix("mailto:")
    return (
        Contact(
            name=name,
            kind=kind,
            value=value,
            display=rest[start:end],
            note=None if only_link else rest,
        ),
    )


def _introduces_contacts(paragraph: Paragraph) -> bool:
    text = paragraph.text.rstrip()
    return text.endswith((":", ";")) or bool(_INTRO_WORDS.search(text))


# --------------------------------------------------------------------------------------------
# Quotes

WELSH_QUOTE_VERBS = {
    "meddai": "said",
    "dywedodd": "said",
    "ychwanegodd": "added",
    "esboniodd": "explained",
    "eglurodd": "explained",
    "parhaodd": "continued",
    "rhybuddiodd": "warned",
    "anogodd": "urged",
    "apeliodd": "appealed",
    "cadarnhaodd": "confirmed",
}
"""The verbs Welsh text introduces a quote with, and the record's (English) verb for each: the
record holds one set of verbs, and each channel says them in the output's language."""
_WELSH = "|".join(WELSH_QUOTE_VERBS)
_VERBS = (
    r"said|says|added|adds|explained|explains|continued|continues|commented|comments|stated|"
    r"states|urged|urges|warned|warns|appealed|appeals|concluded|concludes|confirmed|confirms|"
    r"told us|also said|went on to say|acknowledged|advised|advises|pleaded|remarked|"
    rf"{_WELSH}"
)
_OPENER = re.compile(
    rf"^(?P<lead>[^\"“”]{{2,200}}?),?\s+(?P<verb>{_VERBS})\s*[:,]?\s*(?P<mark>[\"“])(?P<rest>.*)$",
    re.DOTALL,
)
_WELSH_OPENER = re.compile(
    rf"^(?P<verb>(?i:{_WELSH}))\s+(?P<lead>[^\"“”:]{{2,200}}?)\s*:\s*(?P<mark>[\"“])(?P<rest>.*)$",
    re.DOTALL,
)
"""Welsh puts the verb first: 'Dywedodd DS Gareth Jones, o'r uned: "…'."""


def _record_verb(verb: str) -> str:
    """The record's verb for one written in the text: Welsh ones as their English."""
    return WELSH_QUOTE_VERBS.get(verb.casefold(), verb)


_REVERSE = re.compile(
    rf"^(?P<mark>[\"“])(?P<quote>[^\"“”]+?)(?P<punct>[,?!])[\"”]\s+"
    rf"(?:(?P<verb1>{_VERBS})\s+(?P<who1>[^\"“”]+?)|(?P<who2>[^\"“”]+?)\s+(?P<verb2>{_VERBS}))"
    r"\s*\.?$"
)
_QUOTE_MARKS = '"“'


_NOT_A_SPEAKER = re.compile(
    r"\b(?:that|he|she|they|it|we|I|you|who|which|when|then|heard|told|was|were|had|has)\b"
)


_LEAD_IN_WORDS = frozenset(
    {"after", "before", "following", "in", "on", "at", "today", "yesterday", "earlier", "later"}
    | {"however", "meanwhile", "also", "now", "asked", "when", "while"}
)


def _speaker_and_role(lead: str) -> tuple[str, str | None] | None:
    lead = lead.strip().rstrip(",").strip()
    name, _, rest = lead.partition(",")
    speaker, role = name.strip(), rest.strip() or None
    if not speaker or len(speaker.split()) > 12:
        return None
    if not (speaker[0].isupper() or speaker.lower().startswith(("a ", "an ", "the "))):
        return None
    if _SENTENCE_INSIDE.search(speaker):
        return None  # a sentence ends inside it ("…was arrested. Police"): not a name
    if _NOT_A_SPEAKER.search(speaker):
        return None  # "The court heard that he said:" is reported speech, not a name
    first = speaker.split()[0].lower()
    if role and role[0].isupper() and (first.endswith("ing") or first in _LEAD_IN_WORDS):
        # "Speaking about the appeal, PC Smith said:": the record has no place for the words
        # before the name, so this stays a paragraph rather than lose them
        return None
    return speaker, role


def _closing(text: str, mark: str) -> int | None:
    """Index of the closing quotation mark in ``text`` (the quoted words), or None."""
    closers = '”"' if mark == "“" else '"”'
    last = max(text.rfind(closer) for closer in closers)  # the last of either, not read by hand
    return last if last >= 0 else None


_Parts = Mapping[str, int | None]
"""Where a block's parts came from: ``paragraphs[0]``, ``items[1]``, ``intro``... → line."""


@dataclass
class _Builder:
    title_forms: frozenset[str]
    markdown: bool
    source: str | None
    blocks: list[Block] = field(default_factory=list)
    places: list[tuple[int | None, dict[str, int | None]]] = field(default_factory=list)
    """Parallel to ``blocks``: each block's first line and the lines of its parts."""
    hashtags: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    last_raw_kind: str | None = None

    def para(self, text: str, line: int | None) -> Paragraph:
        return paragraph(text, markdown=self.markdown, line=line, source=self.source)

    def emit(self, block: Block, line: int | None, parts: _Parts | None = None) -> None:
        self.blocks.append(block)
        self.places.append((line, dict(parts or {})))

    def replace_last(self, block: Block, more: _Parts) -> None:
        """Replace the last block by a longer version of it, whose new parts are ``more``."""
        self.blocks[-1] = block
        self.places[-1][1].update(more)

    def warn(self, message: str, line: int | None) -> None:
        self.warnings.append(Problem(message=message, file=self.source, line=line, field="body"))

    def take_intro(
        self, accepts: Callable[[Paragraph], bool]
    ) -> tuple[Paragraph | None, int | None]:
        """Take the paragraph just emitted as the intro of the list that follows, if it is one:
        the paragraph and its line, or ``(None, None)``."""
        last = self.blocks[-1] if self.blocks else None
        if isinstance(last, Paragraph) and accepts(last):
            self.blocks.pop()
            line, _ = self.places.pop()
            return last, line
        return None, None

    def lines(self) -> dict[str, int]:
        """The lines of every block and part, keyed by record field (``body[2].items[0]``)."""
        out: dict[str, int] = {}
        for index, (line, parts) in enumerate(self.places):
            key = f"body[{index}]"
            if line is not None:
                out[key] = line
            for part, part_line in parts.items():
                if part_line is not None:
                    out[f"{key}.{part}"] = part_line
        return out


_NOT_WORDS = re.compile(r"[^\w#]+")
_ASCII_NOT_WORDS = bytes(
    code if code > 127 or chr(code).isalnum() or chr(code) in "_#" else ord(" ")
    for code in range(256)
)
""":data:`_NOT_WORDS` for ASCII text, as a table of bytes: each character that is not part of a
word made a space (a test compares them)."""


def normalise_for_compare(text: str) -> str:
    """Case-, space- and punctuation-insensitive form, to compare a paragraph with the title."""
    if text.isascii():  # the same, faster: ASCII's case folding is its lower case
        spaced = text.encode("ascii").translate(_ASCII_NOT_WORDS).lower().decode("ascii")
    else:
        spaced = _NOT_WORDS.sub(" ", text).casefold()
    return " ".join(spaced.split())


def _contact_lines(lines: Sequence[Line]) -> tuple[tuple[Contact, int | None], ...] | None:
    """The contacts (each with its line) of lines that are all contact lines, else None."""
    contacts: list[tuple[Contact, int | None]] = []
    for part in lines:
        if not part.text.strip():
            continue
        found = parse_contact_line(part.text)
        if found is None:
            return None
        contacts.extend((contact, part.line) for contact in found)
    return tuple(contacts) or None


def build_body(
    raw: Sequence[RawBlock],
    *,
    title: str,
    source: str | None = None,
    markdown: bool = False,
    also_headlines: Sequence[str] = (),
    standfirst: str | None = None,
) -> BodyResult:
    """Recover the structure of an appeal's body (see the module doc).

    ``title`` and ``also_headlines``: paragraphs repeating one of these are duplicate headlines,
    except the first paragraph repeating ``standfirst`` (og:description), which is kept.
    ``markdown``: recognise ``[text](url)`` links in running text.
    """
    forms = frozenset(normalise_for_compare(t) for t in (title, *also_headlines) if t.strip())
    builder = _Builder(title_forms=forms, markdown=markdown, source=source)
    standfirst_form = normalise_for_compare(standfirst) if standfirst else None
    index = 0
    while index < len(raw):
        block = raw[index]
        for part in (*block.lines, *((block.attribution,) if block.attribution else ())):
            builder.hashtags.extend(find_hashtags(part.text))
        try:
            index = _block(builder, raw, index, standfirst_form)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in error["loc"])
            raise RecordInvalid(
                f"cannot make a {block.kind} of this: {where + ': ' if where else ''}"
                f"{error['msg']}",
                file=source,
                line=block.line,
                field="body",
            ) from exc
        builder.last_raw_kind = block.kind
    if not builder.blocks:
        raise RecordInvalid("the body is empty", file=source, field="body")
    tags = tuple(dict.fromkeys(builder.hashtags))
    return BodyResult(tuple(builder.blocks), tags, tuple(builder.warnings), builder.lines())


def _block(
    builder: _Builder, raw: Sequence[RawBlock], index: int, standfirst_form: str | None
) -> int:
    """Handle ``raw[index]``; return the index of the next block to read."""
    block = raw[index]
    if block.kind == "heading":
        builder.emit(Heading(text=block.text), block.line)
    elif block.kind == "bullets":
        _bullets(builder, block)
    elif block.kind == "blockquote":
        _blockquote(builder, block)
    elif (form := normalise_for_compare(block.text)) in builder.title_forms and not (
        form == standfirst_form and not builder.blocks
    ):
        pass  # a duplicate headline: dropped, its hashtags kept
    else:
        return _paragraph_block(builder, raw, index)
    return index + 1


def _bullets(builder: _Builder, block: RawBlock) -> None:
    written = [item for item in block.lines if item.text.strip()]
    items = tuple(builder.para(item.text, item.line) for item in written)
    if not items:
        return
    previous = builder.blocks[-1] if builder.blocks else None
    if isinstance(previous, BulletList) and builder.last_raw_kind == "bullets":
        first = len(previous.items)
        builder.replace_last(
            BulletList(intro=previous.intro, items=(*previous.items, *items)),
            {f"items[{first + n}]": item.line for n, item in enumerate(written)},
        )
        return
    intro, intro_line = builder.take_intro(lambda p: p.text.rstrip().endswith(":"))
    parts: dict[str, int | None] = {f"items[{n}]": item.line for n, item in enumerate(written)}
    if intro is not None:
        parts["intro"] = intro_line
    builder.emit(BulletList(intro=intro, items=items), intro_line or block.line, parts)


def _blockquote(builder: _Builder, block: RawBlock) -> None:
    if block.attribution is None:
        raise RecordInvalid(
            "a block quote needs an attribution line after it: '— Name, role'",
            file=builder.source,
            line=block.line,
            field="body",
        )
    who = block.attribution.text.strip().lstrip("—―–-").strip()
    speaker, _, role = who.partition(",")
    if not speaker.strip():
        raise RecordInvalid(
            "the attribution line names nobody: write '— Name, role'",
            file=builder.source,
            line=block.attribution.line,
            field="body",
        )
    written = [p for p in block.lines if p.text.strip()]
    paragraphs = tuple(builder.para(p.text, p.line) for p in written)
    if not paragraphs:
        raise RecordInvalid(
            "the block quote has no words, only an attribution",
            file=builder.source,
            line=block.attribution.line,
            field="body",
        )
    parts: dict[str, int | None] = {f"paragraphs[{n}]": p.line for n, p in enumerate(written)}
    parts["speaker"] = block.attribution.line
    builder.emit(
        Quote(speaker=speaker.strip(), role=role.strip() or None, paragraphs=paragraphs),
        block.line,
        parts,
    )


def _paragraph_block(builder: _Builder, raw: Sequence[RawBlock], index: int) -> int:
    """Handle the paragraph at ``raw[index]``; return the index of the next block to read."""
    block = raw[index]
    lines = block.lines
    contacts = _contact_lines(lines)
    if contacts is None and len(lines) > 1:
        # "The following services are available:" followed directly by contact lines
        head = " ".join(p.text.strip() for p in lines[:1])
        rest = _contact_lines(lines[1:])
        if rest is not None and (head.endswith((":", ";")) or _INTRO_WORDS.search(head)):
            builder.emit(builder.para(head, lines[0].line), lines[0].line)
            contacts = rest
    if contacts is not None:
        gathered = list(contacts)
        nxt = index + 1
        while nxt < len(raw) and raw[nxt].kind == "paragraph":
            more = _contact_lines(raw[nxt].lines)
            if more is None:
                break
            gathered.extend(more)
            nxt += 1
        intro, intro_line = builder.take_intro(_introduces_contacts)
        parts: dict[str, int | None] = {
            f"contacts[{n}]": line for n, (_, line) in enumerate(gathered)
        }
        if intro is not None:
            parts["intro"] = intro_line
        builder.emit(
            ContactList(intro=intro, contacts=tuple(contact for contact, _ in gathered)),
            intro_line or gathered[0][1],
            parts,
        )
        return nxt
    text = block.text
    if not any(mark in text for mark in _QUOTE_MARKS):
        # no quotation mark: no quote opens, is said the other way round or carries on
        builder.emit(builder.para(text, block.line), block.line)
        return index + 1
    opener = _OPENER.match(text) or _WELSH_OPENER.match(text)
    who = _speaker_and_role(opener.group("lead")) if opener else None
    if opener is not None and who is not None:
        quoted = opener.group("rest")
        close = _closing(quoted, opener.group("mark"))
        if close is None or quoted[close + 1 :].strip(" .") == "":
            return _quote(builder, raw, index, opener, who)
    reverse = _REVERSE.match(text)
    if reverse is not None:
        raw_who = reverse.group("who1") or reverse.group("who2") or ""
        parsed = _speaker_and_role(raw_who)
        if parsed is not None:
            speaker, role = parsed
            punct = reverse.group("punct")
            words = reverse.group("quote").strip() + ("." if punct == "," else punct)
            builder.emit(
                Quote(
                    speaker=speaker,
                    role=role,
                    verb=_record_verb(reverse.group("verb1") or reverse.group("verb2") or "said"),
                    paragraphs=(builder.para(words, block.line),),
                ),
                block.line,
                {"paragraphs[0]": block.line},
            )
            return index + 1
    continued = _continues_quote(builder, raw, index)
    if continued is not None:
        return continued
    builder.emit(builder.para(text, block.line), block.line)
    return index + 1


def _quoted(
    builder: _Builder, raw: Sequence[RawBlock], index: int, first: str, mark: str
) -> tuple[list[tuple[str, int | None]], tuple[str, int | None] | None, int]:
    """The paragraphs of a quote whose first words (after the opening mark) are ``first``, in
    ``raw[index]``: continued by paragraphs starting with a quotation mark until one closes it.

    Returns the quoted texts with their lines, any words after the closing mark, and the index
    of the next block.
    """
    opened_at = raw[index].line
    texts: list[tuple[str, int | None]] = []
    after: tuple[str, int | None] | None = None
    current, line = first, opened_at
    nxt = index + 1
    while True:
        close = _closing(current, mark)
        if close is not None:
            texts.append((current[:close].strip(), line))
            trailing = current[close + 1 :].strip()
            if trailing.strip(" ."):
                after = (trailing, line)  # words after the closing mark: a paragraph of their own
            break
        texts.append((current.strip(), line))
        following = raw[nxt] if nxt < len(raw) else None
        if (
            following is None
            or following.kind != "paragraph"
            or not following.text.startswith(tuple(_QUOTE_MARKS))
        ):
            builder.warn(
                f"the quote opened on line {opened_at} is never closed: its last paragraph "
                "should end with a quotation mark",
                opened_at,
            )
            break
        current, line = following.text[1:], following.line
        nxt += 1
    return texts, after, nxt


def _quote(
    builder: _Builder,
    raw: Sequence[RawBlock],
    index: int,
    opener: re.Match[str],
    who: tuple[str, str | None],
) -> int:
    """A quote opened at ``raw[index]`` by ``Name, role, said: "…``."""
    texts, after, nxt = _quoted(builder, raw, index, opener.group("rest"), opener.group("mark"))
    written = [(t, ln) for t, ln in texts if t]
    paragraphs = tuple(builder.para(t, ln) for t, ln in written)
    if not paragraphs:
        builder.emit(builder.para(raw[index].text, raw[index].line), raw[index].line)
        return index + 1
    speaker, role = who
    parts: dict[str, int | None] = {f"paragraphs[{n}]": ln for n, (_, ln) in enumerate(written)}
    parts["speaker"] = raw[index].line
    builder.emit(
        Quote(
            speaker=speaker,
            role=role,
            verb=_record_verb(opener.group("verb")),
            paragraphs=paragraphs,
        ),
        raw[index].line,
        parts,
    )
    if after is not None:
        builder.emit(builder.para(*after), after[1])
    return nxt


def _continues_quote(builder: _Builder, raw: Sequence[RawBlock], index: int) -> int | None:
    """A paragraph in quotation marks straight after a quote carries on that quote (the same
    person is still speaking). Returns the index of the next block, or None if it does not."""
    previous = builder.blocks[-1] if builder.blocks else None
    text = raw[index].text
    if not isinstance(previous, Quote) or builder.last_raw_kind not in ("paragraph", "blockquote"):
        return None
    if not text.startswith(tuple(_QUOTE_MARKS)):
        return None
    close = _closing(text[1:], text[0])
    if close is not None and text[1:][close + 1 :].strip(" ."):
        return None  # '"…," he added.' and the like: not simply more of the quote
    texts, after, nxt = _quoted(builder, raw, index, text[1:], text[0])
    written = [(t, ln) for t, ln in texts if t]
    more = tuple(builder.para(t, ln) for t, ln in written)
    if not more:
        return None
    first = len(previous.paragraphs)
    builder.replace_last(
        previous.model_copy(update={"paragraphs": (*previous.paragraphs, *more)}),
        {f"paragraphs[{first + n}]": ln for n, (_, ln) in enumerate(written)},
    )
    if after is not None:
        builder.emit(builder.para(*after), after[1])
    return nxt


# --------------------------------------------------------------------------------------------
# Summaries

_SENTENCE_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[\"“‘]?[A-Z0-9])")


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of ``text`` (for a summary), at most ``limit`` characters."""
    text = " ".join(text.split())
    first = _SENTENCE_SPLIT.split(text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
