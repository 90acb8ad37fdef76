"""The native authoring format: YAML front matter with the Appeal's own field names, then a small
Markdown body. See docs/record-format.md for the whole format.

Markdown understood: paragraphs, ``## headings``, ``-``/``*`` bullet lists (numbered lists are
read as bullet lists), ``[text](url)`` links, ``> `` block quotes followed by an attribution line
``— Name, role`` (or ``-- Name, role``), and backslash escapes. Nothing else is markup: raw HTML,
``*emphasis*`` and code are text as written (and are escaped on output).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.token import Token

from publisher.domain.cleaning import clean_text
from publisher.domain.record import Block, slugify
from publisher.errors import RecordInvalid
from publisher.importers.bounds import check_lines, check_raw_blocks
from publisher.importers.common import (
    Fields,
    ImportResult,
    as_list,
    as_text,
    assemble,
    first_paragraph,
    id_from_url,
    import_result,
    load_yaml_mapping,
    parse_local_time,
    unique_tags,
    zone_for,
)
from publisher.importers.inline import markdown_links
from publisher.importers.structure import (
    Line,
    RawBlock,
    build_body,
    find_hashtags,
    find_links,
    first_sentence,
)
from publisher.importers.translations import (
    SECTION,
    Section,
    check_locale,
    read_translations,
    refuse_nested,
    section_locale,
    translation_data,
    translations_line,
)

__all__ = [
    "FIELDS",
    "TRANSLATION_FIELDS",
    "mark_translations_current",
    "markdown_blocks",
    "parse_native",
    "section_locale",
]

FIELDS = frozenset(
    {
        "id",
        "title",
        "organisation",
        "area",
        "url",
        "published",
        "updated",
        "timezone",
        "locale",
        "kind",
        "status",
        "topics",
        "hashtags",
        "campaigns",
        "image",
        "summary",
        "resolution",
        "translations",
    }
)
TRANSLATION_FIELDS = frozenset(
    {"title", "summary", "image_alt", "hashtags", "resolution", "url", "source_digest"}
)
"""The keys of a translation section's own front matter."""
_FRONT = re.compile(r"^---\s*$")
_SECTION = SECTION


_FRONT_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_ATTRIBUTION = re.compile(r"^\s*(?:—|―|--)\s*(?P<who>\S.*)$")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# While the body is read, a backslash-escaped character is held as a private-use character
# (U+E000 + its code), so that no rule (links, quotes, hashtags, emphasis) sees it; the finished
# blocks get the character back.
_HELD = re.compile("[\ue000-\ue07f]")
_EMPHASIS = (
    re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])"),
    re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"),
    re.compile(r"`([^`]+)`"),
)
r"""The marks dropped, in this order: ``pattern.sub(r"\1", text)`` for each. The first four are
applied by :func:`_drop_marks` (the same result in linear time: on hostile text, every opening
mark without a closing one read on to the end of the line)."""
_EMPHASIS_MARKS = (
    (re.compile(r"(?<![\w*])\*\*(?=\S)"), re.compile(r"(?<=\S)\*\*(?![\w*])"), 2),
    (re.compile(r"(?<![\w_])__(?=\S)"), re.compile(r"(?<=\S)__(?![\w_])"), 2),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*(?![\w*])"), 1),
    (re.compile(r"(?<![\w_])_(?=[^\s_])"), re.compile(r"(?<=[^\s_])_(?![\w_])"), 1),
)


def _hold_escapes(text: str) -> str:
    text = _HELD.sub("", text)
    text = re.sub(r"\\$", "", text)  # a backslash at the end of a line is a line break
    text = _ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), text)
    # The record has no bold, italics or code: keep the words, drop the marks; but never inside
    # a link or a web or email address (https://example.org/_a_ keeps its underscores).
    keep = sorted(
        [(m.start(), m.end()) for m in markdown_links(text)]
        + [(start, end) for start, end, _ in find_links(text)]
    )
    pieces: list[str] = []
    position = 0
    for start, end in keep:
        if start < position:
            continue
        pieces += [_plain(text[position:start]), text[start:end]]
        position = end
    pieces.append(_plain(text[position:]))
    return "".join(pieces)


def _plain(text: str) -> str:
    for opening, closing, width in _EMPHASIS_MARKS:
        text = _drop_marks(text, opening, closing, width)
    return _EMPHASIS[-1].sub(r"\1", text)


def _drop_marks(text: str, opening: re.Pattern[str], closing: re.Pattern[str], width: int) -> str:
    r"""``re.sub(open (.+?) close, r"\1", text)`` for emphasis marks ``width`` long, where
    ``opening`` and ``closing`` match a mark that may open or close: each opening mark is
    paired with the first closing mark after at least one character, on the same line."""
    closes = [m.start() for m in closing.finditer(text)]
    if not closes:
        return text
    breaks = [m.start() for m in re.finditer("\n", text)]
    pieces: list[str] = []
    position = 0
    for mark in opening.finditer(text):
        start = mark.start()
        if start < position:
            continue
        index = bisect_left(closes, start + width + 1)
        if index == len(closes):
            continue
        close = closes[index]
        line_break = bisect_left(breaks, start + width)
        if line_break < len(breaks) and breaks[line_break] < close:
            continue
        pieces += [text[position:start], text[start + width : close]]
        position = close + width
    pieces.append(text[position:])
    return "".join(pieces)


def _release(value: Any) -> Any:
    """Give back the characters held by :func:`_hold_escapes`, everywhere in a dumped block."""
    if isinstance(value, str):
        return _HELD.sub(lambda m: chr(ord(m.group(0)) - 0xE000), value)
    if isinstance(value, list | tuple):
        return [_release(item) for item in value]
    if isinstance(value, dict):
        return {key: _release(item) for key, item in value.items()}
    return value


def _release_block(block: Block) -> Block:
    released: Block = type(block).model_validate(_release(block.model_dump()))
    return released


def _markdown() -> MarkdownIt:
    # Only the block rules we document; html_block, code, fences, tables... are off, so their
    # text stays text.
    return MarkdownIt("zero").enable(["heading", "list", "blockquote"])


def _lines(token: Token, first_line: int) -> tuple[Line, ...]:
    start = (token.map[0] if token.map else 0) + first_line
    return tuple(
        Line(_hold_escapes(clean_text(text).replace("\n", " ")).strip(), start + offset)
        for offset, text in enumerate(token.content.split("\n"))
        if text.strip()
    )


def markdown_blocks(body: str, first_line: int) -> list[RawBlock]:
    """Cut a Markdown body (whose first line is line ``first_line`` of the file) into blocks."""
    tokens = _markdown().parse(body)
    blocks: list[RawBlock] = []
    list_depth = 0
    quote_depth = 0
    item: list[Line] = []
    items: list[Line] = []
    quoted: list[Line] = []
    attribution: Line | None = None
    heading = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if list_depth and item:
                items.append(Line(" ".join(p.text for p in item), item[0].line))
                item = []
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and items:
                if quote_depth:
                    quoted.extend(items)  # a list inside a quote: its items are quoted words
                else:
                    blocks.append(RawBlock("bullets", tuple(items)))
                items = []
        elif kind == "list_item_close":
            if item:
                items.append(Line(" ".join(p.text for p in item), item[0].line))
                item = []
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                if attribution is None and quoted and _ATTRIBUTION.match(quoted[-1].text):
                    attribution = quoted.pop()
                blocks.append(RawBlock("blockquote", tuple(quoted), attribution))
                quoted, attribution = [], None
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "inline":
            lines = _lines(token, first_line)
            if not lines:
                continue
            if list_depth:
                item.extend(lines)
            elif quote_depth:
                # An attribution written straight after the quote (no blank line) is, in
                # Markdown, part of the quote's last paragraph: take it out again.
                if len(lines) > 1 and _ATTRIBUTION.match(lines[-1].text):
                    attribution, lines = lines[-1], lines[:-1]
                quoted.append(Line(" ".join(p.text for p in lines), lines[0].line))
            elif heading:
                blocks.append(RawBlock("heading", lines))
            else:
                blocks.append(RawBlock("paragraph", lines))
    return _attach_attributions(blocks)


def _attach_attributions(blocks: list[RawBlock]) -> list[RawBlock]:
    """``— Name, role`` as its own paragraph after a block quote is that quote's attribution."""
    out: list[RawBlock] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.kind == "blockquote"
            and previous.attribution is None
            and block.kind == "paragraph"
            and len(block.lines) == 1
            and _ATTRIBUTION.match(block.text)
        ):
            out[-1] = RawBlock("blockquote", previous.lines, block.lines[0])
            continue
        out.append(block)
    return out


def _front_matter(lines: list[str], source: str | None) -> tuple[int, int]:
    """The index of the opening and closing ``---`` lines."""
    start = next((i for i, text in enumerate(lines) if text.strip()), None)
    if start is None:
        raise RecordInvalid("the file is empty", file=source, line=1)
    if not _FRONT.match(lines[start]):
        raise RecordInvalid(
            "a native appeal starts with YAML front matter between '---' lines",
            file=source,
            line=start + 1,
        )
    end = next((i for i in range(start + 1, len(lines)) if _FRONT_END.match(lines[i])), None)
    if end is None:
        raise RecordInvalid(
            f"the front matter opened on line {start + 1} is never closed (no '---' line)",
            file=source,
            line=start + 1,
        )
    return start, end


def parse_native(text: str, *, source: str | None = None, path: Path | None = None) -> ImportResult:
    """Parse a native (.md) appeal into an Appeal, the warnings met on the way, and its lines.

    ``path`` is the file the text was read from: only then can ``translations:`` name linked
    translation files (next to it)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    check_lines(lines, source=source)
    start, end = _front_matter(lines, source)
    meta = load_yaml_mapping(
        "\n".join(lines[start + 1 : end]),
        source=source,
        first_line=start + 2,
        what="front matter",
    )
    values = meta.values
    for key in values:
        if key not in FIELDS:
            raise RecordInvalid(
                f"unknown field (known: {', '.join(sorted(FIELDS))})",
                file=source,
                line=meta.line(key),
                field=key if key.isprintable() else repr(key),
            )
    fields = Fields(source=source)

    def text_of(key: str) -> str | None:
        return as_text(values.get(key), key=key, source=source, line=meta.line(key))

    zone = zone_for(text_of("timezone"), source=source, line=meta.line("timezone"))
    fields.set("timezone", zone.key, meta.line("timezone"))
    title = text_of("title")
    if not title:
        raise RecordInvalid(
            "no title: give 'title:' in the front matter",
            file=source,
            line=start + 1,
            field="title",
        )
    for key in ("title", "organisation", "area", "url", "locale", "kind", "status", "resolution"):
        fields.set(key, text_of(key), meta.line(key))
    for key in ("area", "url"):
        if key not in fields.data:
            raise RecordInvalid(
                f"no {key}: give '{key}:' in the front matter",
                file=source,
                line=start + 1,
                field=key,
            )
    if values.get("published") is None:
        raise RecordInvalid(
            "no published time: give 'published: HH:MM DD/MM/YYYY' (UK local time) or ISO 8601",
            file=source,
            line=start + 1,
            field="published",
        )
    for key, name in (("published", "published_at"), ("updated", "updated_at")):
        if values.get(key) is None:
            continue
        when, warnings = parse_local_time(
            values[key], zone, source=source, line=meta.line(key), field=key
        )
        fields.warnings.extend(warnings)
        fields.set(name, when, meta.line(key))

    sections = [i for i in range(end + 1, len(lines)) if _SECTION.match(lines[i])]
    body = lines[end + 1 : sections[0] if sections else len(lines)]
    raw = markdown_blocks("\n".join(body), end + 2)
    check_raw_blocks(raw, source=source)
    if not raw:
        raise RecordInvalid(
            "the body is empty: write the appeal after the front matter",
            file=source,
            line=end + 1,
            field="body",
        )
    result = build_body(raw, title=title, source=source, markdown=True)
    fields.warnings.extend(result.warnings)
    blocks = tuple(_release_block(block) for block in result.blocks)
    fields.set("body", blocks, raw[0].line)

    summary = text_of("summary")
    summary_line = meta.line("summary")
    if not summary:
        first = first_paragraph(blocks)
        if first is None:
            summary, summary_line = title, meta.line("title")
        else:
            summary = first_sentence(first[1].text)
            summary_line = result.lines.get(f"body[{first[0]}]")
    fields.set("summary", summary, summary_line)
    fields.set(
        "id", text_of("id") or id_from_url(text_of("url")) or slugify(title), meta.line("id", "url")
    )
    image = values.get("image")
    if image is not None:
        picture = _image(image, source, meta.line("image"))
        if isinstance(picture["url"], str):
            picture["url"] = urljoin(str(fields.data["url"]), picture["url"])  # "/img/x.jpg"
        fields.set("image", picture, meta.line("image"))
        fields.lines["image.url"] = meta.line("image.url", "image")
        fields.lines["image.alt"] = meta.line("image.alt", "image")
    for key in ("topics", "campaigns"):
        items = as_list(values.get(key), key=key, source=source, line=meta.line(key))
        if items:
            fields.set(key, tuple(items), meta.line(key))
    own = as_list(values.get("hashtags"), key="hashtags", source=source, line=meta.line("hashtags"))
    tags = unique_tags([*own, *find_hashtags(title), *result.hashtags])
    fields.set("hashtags", tags, meta.line("hashtags") or raw[0].line)
    fields.set("source", source, None)
    translations = read_translations(lines, sections, fields, meta, path, "native")
    if translations:
        fields.set("translations", tuple(translations), translations_line(sections, meta))
    appeal = assemble(fields, headline_for_kind=f"{title}\n{summary}")
    return import_result(fields, appeal, result.lines)


def native_translation(section: Section, fields: Fields) -> dict[str, Any]:
    """A ``--- cy`` section (or a linked native file): its own front matter of
    :data:`TRANSLATION_FIELDS`, closed by ``---``, then its body."""
    lines, first, last, source = section.lines, section.first, section.last, section.source
    where = section.where
    locale = check_locale(section, fields)
    if section.first < 0:  # a linked file: its front matter opens on its first line
        first = next(i for i, text in enumerate(lines) if text.strip())
    end = next((i for i in range(first + 1, last) if _FRONT_END.match(lines[i])), None)
    if end is None:
        raise RecordInvalid(
            f"the {locale} section opened on line {first + 1} needs its own front matter "
            "(title: and the rest) closed by a '---' line before its text",
            file=source,
            line=first + 1,
            field=where,
        )
    meta = load_yaml_mapping(
        "\n".join(lines[first + 1 : end]),
        source=source,
        first_line=first + 2,
        what=f"{locale} front matter",
    )
    refuse_nested(meta, section)
    values = meta.values
    for key in values:
        if key not in TRANSLATION_FIELDS:
            raise RecordInvalid(
                f"unknown field in the {locale} section "
                f"(known: {', '.join(sorted(TRANSLATION_FIELDS))}; the facts both languages "
                "share, such as times and area, are written once, at the top)",
                file=source,
                line=meta.line(key),
                field=f"{where}.{key}" if key.isprintable() else repr(key),
            )

    def text_of(key: str) -> str | None:
        return as_text(values.get(key), key=f"{where}.{key}", source=source, line=meta.line(key))

    title = text_of("title")
    if not title:
        raise RecordInvalid(
            f"no title: give 'title:' in the {locale} section's front matter",
            file=source,
            line=first + 1,
            field=f"{where}.title",
        )
    raw = markdown_blocks("\n".join(lines[end + 1 : last]), end + 2)
    check_raw_blocks(raw, source=source)
    if not raw:
        raise RecordInvalid(
            f"the {locale} body is empty: write the {locale} text after its front matter",
            file=source,
            line=end + 1,
            field=f"{where}.body",
        )
    result = build_body(raw, title=title, source=source, markdown=True)
    fields.warnings.extend(result.warnings)
    return translation_data(
        fields,
        section,
        locale=locale,
        title=title,
        summary=text_of("summary"),
        blocks=tuple(_release_block(block) for block in result.blocks),
        own_tags=as_list(
            values.get("hashtags"),
            key=f"{where}.hashtags",
            source=source,
            line=meta.line("hashtags"),
        ),
        body_tags=result.hashtags,
        extras={key: text_of(key) for key in ("image_alt", "resolution", "url", "source_digest")},
        body_line=raw[0].line,
        key_lines={key: meta.line(key) for key in sorted(TRANSLATION_FIELDS)},
    )


def _image(value: Any, source: str | None, line: int | None) -> dict[str, Any]:
    if isinstance(value, str):
        return {"url": value, "alt": None}
    if isinstance(value, dict) and set(value) <= {"url", "alt"} and "url" in value:
        return {"url": value["url"], "alt": value.get("alt")}
    raise RecordInvalid(
        "image must be a URL, or 'url:' and 'alt:' under it",
        file=source,
        line=line,
        field="image",
    )


def mark_translations_current(
    text: str, *, source: str | None = None, locales: frozenset[str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """``text`` (a native file) with every translation section (or those of ``locales``)
    marked as made from the primary language's current words: its ``source_digest:`` line set
    to :func:`~publisher.domain.record.translatable_digest`, added after the ``--- cy`` line
    when it has none. The rest of the file is kept exactly as written. Returns the new text and
    the locales marked; raises RecordInvalid as :func:`parse_native` does. (A file with linked
    translations: :func:`publisher.importers.translations.mark_current`.)"""
    from publisher.domain.record import translatable_digest
    from publisher.importers.translations import mark_text, split_lines

    appeal = parse_native(text, source=source).appeal
    lines = split_lines(text)
    _, end = _front_matter(lines, source)
    out, marked = mark_text(
        lines, fmt="native", after=end + 1, digest=translatable_digest(appeal), locales=locales
    )
    if locales is not None:
        unknown = sorted(locales - set(marked))
        if unknown:
            raise RecordInvalid(
                f"no translation section for {', '.join(unknown)}",
                file=source,
                field="translations",
            )
    return "\n".join(out), tuple(marked)
