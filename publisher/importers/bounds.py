"""The limits of :mod:`publisher.importers.limits`, enforced.

Each check raises one :class:`~publisher.errors.RecordInvalid` that names the file, the line
(or the field) and what is wrong, with the number found and the limit: "the file is 3.2 MB
(3,221,225 bytes); the limit is 1 MB". They run as early as they can, so that a hostile file is
refused before the work it would cause: the size before the file is read, the lines before the
metadata is parsed, the blocks before the body's structure is recovered, and the finished
record (the only check a JSON record needs besides its nesting) before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from publisher.domain.record import (
    Appeal,
    BulletList,
    CallToAction,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    slugify,
)
from publisher.errors import RecordInvalid
from publisher.importers.limits import LIMITS, describe_size
from publisher.importers.structure import RawBlock

__all__ = [
    "LineOf",
    "check_lines",
    "check_raw_blocks",
    "check_record",
    "check_text",
    "longest_word",
    "read_bounded",
    "record_lines",
]

LineOf = Callable[[str], int | None]
"""The source line of a record field, by its dotted path (``body.3.items.1``), or None."""

_ADDRESS_START = re.compile(r"https?://|www\.", re.IGNORECASE)


def _shown(text: str, limit: int = 40) -> str:
    """The start of ``text`` for a message: one line, quoted, shortened."""
    head = " ".join(text[: limit + 1].split())
    return repr(head[:limit] + "…") if len(text) > limit else repr(head)


def read_bounded(path: Path) -> bytes:
    """The bytes of ``path``, refused before it is read if it is larger than the limit."""
    limit = LIMITS.file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_big(size, path)
        with path.open("rb") as handle:
            # read at its size (a buffer the size of the limit costs more than a small read)
            data = handle.read(size + 1)
            if len(data) > size:  # a file that grows, or is not a regular file
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        raise RecordInvalid(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    if len(data) > limit:
        raise RecordInvalid(
            f"the file is larger than {describe_size(limit)}; the limit is 1 MB "
            "(split it, or move what is not the appeal out of it)",
            file=str(path),
        )
    return data


def _too_big(size: int, path: Path | str | None) -> RecordInvalid:
    return RecordInvalid(
        f"the file is {describe_size(size)}; the limit is "
        f"{LIMITS.file_bytes / 1_000_000:g} MB (split it, or move what is not the appeal out "
        "of it)",
        file=None if path is None else str(path),
    )


def check_text(text: str, *, source: str | None) -> None:
    """The whole text of a file: not over the size limit once written as UTF-8, and text
    (no lone surrogate code points, which cannot be written as UTF-8)."""
    if len(text) > LIMITS.file_bytes:
        raise _too_big(len(text.encode("utf-8", "surrogatepass")), source)
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise RecordInvalid(
            f"character U+{ord(text[exc.start]):04X} is not text (a lone surrogate)",
            file=source,
            line=line,
        ) from exc
    if size > LIMITS.file_bytes:
        raise _too_big(size, source)


def longest_word(text: str) -> str:
    """The longest run of ``text`` without a space that counts against the word limit: a web
    address in it (from ``http://``, ``https://`` or ``www.`` to the next space) is left out,
    since it has its own limit."""
    longest = ""
    for word in text.split():
        if len(word) <= len(longest):
            continue
        address = _ADDRESS_START.search(word)
        counted = word[: address.start()] if address is not None else word
        if len(counted) > len(longest):
            longest = counted
    return longest


def _word_problem(text: str, what: str) -> str | None:
    """What is wrong with the runs without a space in ``text`` (see :func:`_check_words`), or
    None. A text no longer than a limit cannot break it, so most texts are not read at all."""
    if len(text) > LIMITS.word_chars and max(map(len, text.split()), default=0) > LIMITS.word_chars:
        word = longest_word(text)
        if len(word) > LIMITS.word_chars:
            return (
                f"{what} has a run of {len(word):,} characters without a space ({_shown(word)}); "
                f"the limit is {LIMITS.word_chars:,} (put spaces between the words)"
            )
    if len(text) <= LIMITS.url_chars:
        return None
    for address in _ADDRESS_START.finditer(text):
        end = address.start()
        while end < len(text) and not text[end].isspace():
            end += 1
        if end - address.start() > LIMITS.url_chars:
            return (
                f"{what} has a web address of {end - address.start():,} characters "
                f"({_shown(text[address.start() : end])}); the limit is {LIMITS.url_chars:,}"
            )
    return None


def _check_words(text: str, *, what: str, source: str | None, line: int | None, field: str) -> None:
    """No run without a space over the word limit, and no web address over the URL limit."""
    problem = _word_problem(text, what)
    if problem is not None:
        raise RecordInvalid(problem, file=source, line=line, field=field)


def check_lines(lines: Sequence[str], *, source: str | None) -> None:
    """A seed or native file's lines: how many, and how long each one is."""
    if len(lines) > LIMITS.lines:
        raise RecordInvalid(
            f"the file has {len(lines):,} lines; the limit is {LIMITS.lines:,}",
            file=source,
            line=LIMITS.lines + 1,
        )
    if max(map(len, lines), default=0) <= LIMITS.line_chars:
        return  # no line too long: not one to name
    for number, line in enumerate(lines, start=1):
        if len(line) > LIMITS.line_chars:
            raise RecordInvalid(
                f"the line is {len(line):,} characters long; the limit is "
                f"{LIMITS.line_chars:,} (break it into paragraphs)",
                file=source,
                line=number,
            )


def _raw_texts(block: RawBlock) -> Iterator[tuple[str, int | None]]:
    """A block's texts as written: its lines (a paragraph's lines are joined later, and the
    record is checked then: they may be contact lines), its list items or quoted paragraphs."""
    for part in block.lines:
        yield part.text, part.line
    if block.attribution is not None:
        yield block.attribution.text, block.attribution.line


def _short_text() -> int:
    """The longest text that cannot break the length, word or URL limit of a text."""
    return min(LIMITS.block_chars, LIMITS.word_chars, LIMITS.url_chars)


_BLOCK_NAMES = {
    "paragraph": "the line",
    "heading": "the heading",
    "bullets": "the list item",
    "blockquote": "the quoted paragraph",
}


def check_raw_blocks(raw: Sequence[RawBlock], *, source: str | None) -> None:
    """The body as cut from a seed or native file, before its structure is recovered: how many
    blocks, how long each of their lines, items and quoted paragraphs is, and all of them
    together, as written."""
    total = 0
    blocks = 0
    short = _short_text()
    for block in raw:
        blocks += 1 if block.kind in ("paragraph", "heading") else len(block.lines)
        if blocks > LIMITS.body_blocks:
            raise _too_many_blocks(source=source, line=block.line, field="body")
        for text, line in _raw_texts(block):
            if len(text) > short:
                what = _BLOCK_NAMES[block.kind]
                _check_length(text, what=what, source=source, line=line, field="body")
                _check_words(text, what=what, source=source, line=line, field="body")
            total += len(text)
            if total > LIMITS.body_chars:
                raise _body_too_long(source=source, line=line, field="body")


def _too_many_blocks(*, source: str | None, line: int | None, field: str) -> RecordInvalid:
    return RecordInvalid(
        f"the body has more than {LIMITS.body_blocks:,} blocks (paragraphs, headings, list items "
        f"and quoted paragraphs); the limit is {LIMITS.body_blocks:,}",
        file=source,
        line=line,
        field=field,
    )


def _check_length(
    text: str, *, what: str, source: str | None, line: int | None, field: str
) -> None:
    if len(text) > LIMITS.block_chars:
        raise RecordInvalid(
            f"{what} is {len(text):,} characters long; the limit is {LIMITS.block_chars:,} "
            "(split it)",
            file=source,
            line=line,
            field=field,
        )


def _body_too_long(*, source: str | None, line: int | None, field: str) -> RecordInvalid:
    return RecordInvalid(
        f"the text of the body is over {LIMITS.body_chars:,} characters (about "
        f"{LIMITS.body_chars // 6:,} words), the limit; an appeal this long is several appeals",
        file=source,
        line=line,
        field=field,
    )


# --------------------------------------------------------------------------------------------
# The finished record


_INDEX = re.compile(r"\.(\d+)")


def record_lines(lines: Mapping[str, int | None]) -> LineOf:
    """A :data:`LineOf` for the lines an importer keeps (``body[3].items[1]``, ``title``):
    the line of the field or of the nearest enclosing field that has one."""

    def line_of(path: str) -> int | None:
        parts = path.split(".")
        while parts:
            key = _INDEX.sub(r"[\1]", ".".join(parts))
            found = lines.get(key)
            if found is not None:
                return found
            parts.pop()
        return None

    return line_of


def _body_texts(appeal: Appeal) -> Iterator[tuple[str, str]]:
    """Every text of the body with its field path (``body.3.paragraphs.0``)."""
    for index, block in enumerate(appeal.body):
        where = f"body.{index}"
        if isinstance(block, Paragraph | CallToAction | Heading):
            yield where, block.text
        elif isinstance(block, Quote):
            yield where, block.speaker
            yield where, block.role or ""
            yield where, block.verb
            for number, para in enumerate(block.paragraphs):
                yield f"{where}.paragraphs.{number}", para.text
        elif isinstance(block, ContactList):
            if block.intro is not None:
                yield f"{where}.intro", block.intro.text
            for number, contact in enumerate(block.contacts):
                place = f"{where}.contacts.{number}"
                for text in (contact.name, contact.display, contact.note or ""):
                    yield place, text
        elif isinstance(block, BulletList):
            if block.intro is not None:
                yield f"{where}.intro", block.intro.text
            for number, item in enumerate(block.items):
                yield f"{where}.items.{number}", item.text


def _paragraphs(appeal: Appeal) -> Iterator[tuple[str, Paragraph | CallToAction]]:
    for index, block in enumerate(appeal.body):
        where = f"body.{index}"
        if isinstance(block, Paragraph | CallToAction):
            yield where, block
        elif isinstance(block, Quote):
            for number, para in enumerate(block.paragraphs):
                yield f"{where}.paragraphs.{number}", para
        elif isinstance(block, ContactList | BulletList):
            if block.intro is not None:
                yield f"{where}.intro", block.intro
            if isinstance(block, BulletList):
                for number, item in enumerate(block.items):
                    yield f"{where}.items.{number}", item


def check_record(appeal: Appeal, *, source: str | None, line_of: LineOf) -> None:
    """The finished record: names that become file names and paths, lists, texts, contacts,
    phone numbers and hashtags."""

    def fail(message: str, field: str) -> RecordInvalid:
        return RecordInvalid(message, file=source, line=line_of(field), field=field)

    def at_most(value: str, limit: int, what: str, field: str, why: str = "") -> None:
        if len(value) > limit:
            raise fail(
                f"{what} is {len(value):,} characters long ({_shown(value)}); the limit is "
                f"{limit:,}{why}",
                field,
            )

    def words(value: str, what: str, field: str) -> None:
        problem = _word_problem(value, what)
        if problem is not None:
            raise fail(problem, field)

    names = " (it becomes a folder or file name)"
    at_most(appeal.id, LIMITS.id_chars, "the id", "id", names)
    at_most(appeal.area, LIMITS.area_chars, "the area's name", "area")
    at_most(appeal.area_slug, LIMITS.area_chars, "the area's short name", "area", names)
    at_most(str(appeal.url), LIMITS.url_chars, "the address", "url")
    path = appeal.path
    for segment in path.split("/"):
        at_most(segment, LIMITS.path_segment_chars, "a part of the page's path", "url", names)
    at_most(path, LIMITS.path_chars, "the page's path", "url")
    if appeal.image is not None:
        at_most(str(appeal.image.url), LIMITS.url_chars, "the image's address", "image.url")
    for key in ("topics", "inferred_topics", "campaigns", "hashtags"):
        items: tuple[str, ...] = getattr(appeal, key)
        limit = LIMITS.hashtags if key == "hashtags" else LIMITS.list_items
        if len(items) > limit:
            raise fail(f"{len(items):,} {key.replace('_', ' ')}; the limit is {limit:,}", key)
    for number, campaign in enumerate(appeal.campaigns):
        field = f"campaigns.{number}"
        at_most(campaign, LIMITS.campaign_chars, "the campaign's name", field)
        at_most(slugify(campaign), LIMITS.campaign_chars, "the campaign's short name", field)
    for number, tag in enumerate(appeal.hashtags):
        at_most(tag, LIMITS.hashtag_chars, "the hashtag", f"hashtags.{number}")
    for key in ("organisation", "summary", "resolution", "locale", "timezone"):
        value = getattr(appeal, key) or ""
        at_most(value, LIMITS.block_chars, f"the {key}", key)
        words(value, f"the {key}", key)
    alt = appeal.image.alt if appeal.image is not None else None
    if alt:
        at_most(alt, LIMITS.block_chars, "the image's description", "image.alt")
        words(alt, "the image's description", "image.alt")
    words(appeal.title, "the title", "title")
    _check_body(appeal, fail=fail, source=source, line_of=line_of)


def _check_body(
    appeal: Appeal,
    *,
    fail: Callable[[str, str], RecordInvalid],
    source: str | None,
    line_of: LineOf,
) -> None:
    blocks = 0
    for index, block in enumerate(appeal.body):
        if isinstance(block, Quote):
            blocks += len(block.paragraphs)
        elif isinstance(block, BulletList):
            blocks += len(block.items) + (block.intro is not None)
        else:
            blocks += 1 + (isinstance(block, ContactList) and block.intro is not None)
        if blocks > LIMITS.body_blocks:
            field = f"body.{index}"
            raise _too_many_blocks(source=source, line=line_of(field), field=field)
    total = 0
    short = _short_text()
    for field, text in _body_texts(appeal):
        if len(text) > short:
            if len(text) > LIMITS.block_chars:
                raise fail(
                    f"the text is {len(text):,} characters long; the limit is "
                    f"{LIMITS.block_chars:,} (split it)",
                    field,
                )
            problem = _word_problem(text, "the text")
            if problem is not None:
                raise fail(problem, field)
        total += len(text)
        if total > LIMITS.body_chars:
            raise _body_too_long(source=source, line=line_of(field), field=field)
    contacts = 0
    numbers = 0
    tags: set[str] = {tag.casefold() for tag in appeal.hashtags}
    for index, block in enumerate(appeal.body):
        if isinstance(block, ContactList):
            for number, contact in enumerate(block.contacts):
                contacts += 1
                numbers += contact.is_number
                field = f"body.{index}.contacts.{number}"
                if contacts > LIMITS.contacts:
                    raise fail(
                        f"the body has more than {LIMITS.contacts:,} contacts; the limit is "
                        f"{LIMITS.contacts:,} (link to a page that lists them)",
                        field,
                    )
                _check_number_count(numbers, fail, field)
                _at_most_url(contact.value, fail, f"{field}.value")
    for where, para in _paragraphs(appeal):
        for number, span in enumerate(para.spans):
            if span.plain:
                continue  # plain words: nothing to count
            field = f"{where}.spans.{number}"
            if span.contact is not None:
                numbers += span.contact.is_number
                _check_number_count(numbers, fail, field)
                _at_most_url(span.contact.value, fail, f"{field}.contact.value")
            if span.href is not None:
                _at_most_url(span.href, fail, f"{field}.href")
            if span.hashtag:
                tags.add(span.text.lstrip("#").casefold())
                if len(tags) > LIMITS.hashtags:
                    raise fail(
                        f"the appeal has more than {LIMITS.hashtags:,} different hashtags; "
                        f"the limit is {LIMITS.hashtags:,}",
                        field,
                    )


def _check_number_count(
    numbers: int, fail: Callable[[str, str], RecordInvalid], field: str
) -> None:
    if numbers > LIMITS.phone_numbers:
        raise fail(
            f"the appeal has more than {LIMITS.phone_numbers:,} phone numbers; the limit is "
            f"{LIMITS.phone_numbers:,}",
            field,
        )


def _at_most_url(value: str, fail: Callable[[str, str], RecordInvalid], field: str) -> None:
    """A link's address (or a contact's value) no longer than the URL limit."""
    if len(value) > LIMITS.url_chars:
        raise fail(
            f"the address is {len(value):,} characters long ({_shown(value)}); the limit is "
            f"{LIMITS.url_chars:,}",
            field,
        )
