"""The seed format: scraped appeals as plain text.

::

    ```yaml
    area: Derbyshire
    og:
      description: Domestic abuse victims urged to seek support
      image: https://…/default-open-graph.jpg?crop=(3,0,1196,628)&amp;w=600
      locale: en_GB
      title: Domestic abuse victims urged to seek support
      url: https://…/domestic-abuse-victims-urged-to-seek-support/
    title: Domestic abuse victims urged to seek support | Derbyshire Constabulary
    url: https://…/domestic-abuse-victims-urged-to-seek-support/
    ```

    13:53 02/04/2020

    Paragraphs separated by blank lines…

See docs/record-format.md for every rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from publisher.domain.cleaning import clean_text
from publisher.domain.record import slugify
from publisher.errors import Problem, RecordInvalid
from publisher.importers.bounds import check_lines, check_raw_blocks
from publisher.importers.common import (
    Fields,
    ImportResult,
    YamlMapping,
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
from publisher.importers.structure import (
    Line,
    RawBlock,
    build_body,
    find_hashtags,
    first_sentence,
)
from publisher.importers.translations import (
    SEED_SECTION,
    Section,
    check_locale,
    read_translations,
    refuse_nested,
    section_locale,
    translation_data,
    translations_line,
)

__all__ = [
    "KNOWN_KEYS",
    "parse_seed",
    "seed_translation",
    "split_paragraphs",
    "title_and_organisation",
]

_FENCE_OPEN = re.compile(r"^```\s*(?:yaml|yml)\s*$", re.IGNORECASE)
_FENCE_CLOSE = re.compile(r"^```\s*$")
_BULLET = re.compile(r"^\s*(?:[*•·▪◦‣]|-(?!-))\s+(?P<text>\S.*)$")
_BULLET_MARKS = frozenset("*•·▪◦‣-")
"""The characters a :data:`_BULLET` line starts with, after its spaces."""
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+(?P<text>\S.*)$")
_DATE_LIKE = re.compile(r"^\s*[\d:/.\s-]+$")

KNOWN_KEYS = frozenset(
    {
        "area",
        "og",
        "title",
        "url",
        "id",
        "kind",
        "topics",
        "hashtags",
        "image_alt",
        "timezone",
        "campaigns",
        "summary",
        "organisation",
        "status",
        "resolution",
        "updated",
        "locale",
        "translations",
    }
)
KNOWN_OG_KEYS = frozenset(
    {"description", "image", "locale", "title", "type", "url", "site_name", "image:alt"}
)


def split_paragraphs(lines: list[Line]) -> list[RawBlock]:
    """Cut body lines into paragraphs (blank-line separated) and bullet lists.

    In a paragraph, lines starting with ``*``, ``-`` or ``•`` and a space are bullet items, and
    so are two or more lines in a row numbered ``1.`` or ``1)``; an indented line after an item
    continues it. Bullet groups separated only by blank lines are one list.
    """
    blocks: list[RawBlock] = []
    current: list[Line] = []
    items: list[Line] = []

    def flush_paragraph() -> None:
        if current:
            blocks.append(RawBlock("paragraph", tuple(current)))
            current.clear()

    def flush_items() -> None:
        if items:
            if blocks and blocks[-1].kind == "bullets" and not current:
                blocks[-1] = RawBlock("bullets", (*blocks[-1].lines, *items))
            else:
                blocks.append(RawBlock("bullets", tuple(items)))
            items.clear()

    marked = [_NUMBERED.match(line.text) is not None for line in lines]
    numbered = {
        i
        for i, mark in enumerate(marked)
        if mark and any(0 <= j < len(lines) and marked[j] for j in (i - 1, i + 1))
    }
    for index, line in enumerate(lines):
        if not line.text.strip():
            flush_paragraph()
            flush_items()
            continue
        bullet = (
            _BULLET.match(line.text) if line.text.lstrip()[:1] in _BULLET_MARKS else None
        ) or (_NUMBERED.match(line.text) if index in numbered else None)
        if bullet is not None:
            flush_paragraph()
            items.append(Line(bullet.group("text").strip(), line.line))
        elif items and line.text[:1].isspace():
            last = items[-1]
            items[-1] = Line(f"{last.text} {line.text.strip()}", last.line)
        else:
            flush_items()
            current.append(Line(line.text.strip(), line.line))
    flush_paragraph()
    flush_items()
    return blocks


def title_and_organisation(
    page_title: str | None, og_title: str | None, organisation: str | None
) -> tuple[str | None, str | None]:
    """``Headline | Organisation`` → both; og:title is preferred for the headline."""
    title = og_title
    if page_title and " | " in page_title:
        head, tail = page_title.rsplit(" | ", 1)
        organisation = organisation or tail.strip() or None
        title = title or head.strip()
    title = title or page_title
    if title and organisation and title.endswith(f" | {organisation}"):
        title = title.removesuffix(f" | {organisation}").strip()
    return title, organisation


def _metadata(
    lines: list[str],
    source: str | None,
    *,
    begin: int = 0,
    last: int | None = None,
    section: str | None = None,
) -> tuple[YamlMapping, int, int]:
    """The ```yaml block: its mapping, the line it opened on, the index of the line after it.

    The block is looked for from line index ``begin`` to ``last``; ``section`` names the
    language of a translation's block in errors."""
    last = len(lines) if last is None else last
    start = next((i for i in range(begin, last) if lines[i].strip()), None)
    if start is None:
        if section is not None:
            raise RecordInvalid(
                f"the {section} section is empty: give its page's ```yaml block, then its text",
                file=source,
                line=max(begin, 1),
            )
        raise RecordInvalid("the file is empty", file=source, line=1)
    if not _FENCE_OPEN.match(lines[start].strip()):
        raise RecordInvalid(
            "a seed file starts with a ```yaml metadata block"
            if section is None
            else f"the {section} section starts with its own page's ```yaml metadata block",
            file=source,
            line=start + 1,
        )
    end = next((i for i in range(start + 1, last) if _FENCE_CLOSE.match(lines[i].strip())), None)
    if end is None:
        raise RecordInvalid(
            f"the ```yaml block opened on line {start + 1} is never closed (no ``` line)",
            file=source,
            line=start + 1,
        )
    meta = load_yaml_mapping(
        "\n".join(lines[start + 1 : end]),
        source=source,
        first_line=start + 2,
        what="metadata block",
    )
    return meta, start + 1, end + 1


def parse_seed(text: str, *, source: str | None = None, path: Path | None = None) -> ImportResult:
    """Parse a seed file's text into an Appeal, the warnings met on the way, and its lines.

    ``path`` is the file the text was read from: only then can ``translations:`` name linked
    translation files (next to it)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    check_lines(lines, source=source)
    meta, opened_at, after = _metadata(lines, source)
    values = meta.values
    fields = Fields(source=source)
    for key in values:
        if key not in KNOWN_KEYS:
            fields.warnings.append(
                Problem("unknown metadata key ignored", file=source, line=meta.line(key), field=key)
            )
    og: dict[str, Any] = values.get("og") or {}
    if not isinstance(og, dict):
        raise RecordInvalid(
            "og must be a mapping (description, image, title, url...)",
            file=source,
            line=meta.line("og"),
            field="og",
        )

    def text_of(key: str, value: Any) -> str | None:
        return as_text(value, key=key, source=source, line=meta.line(key))

    zone_name = text_of("timezone", values.get("timezone"))
    zone = zone_for(zone_name, source=source, line=meta.line("timezone"))
    fields.set("timezone", zone.key, meta.line("timezone"))

    page_title = text_of("title", values.get("title"))
    og_title = text_of("og.title", og.get("title"))
    title, organisation = title_and_organisation(
        page_title, og_title, text_of("organisation", values.get("organisation"))
    )
    if not title:
        raise RecordInvalid(
            "no title: give 'title:' (or og: title:) in the metadata block",
            file=source,
            line=opened_at,
            field="title",
        )
    fields.set("title", title, meta.line("og.title", "title"))
    fields.set("organisation", organisation, meta.line("organisation", "title"))

    area = text_of("area", values.get("area"))
    if not area:
        raise RecordInvalid(
            "no area: give 'area:' (e.g. 'area: Derbyshire') in the metadata block",
            file=source,
            line=opened_at,
            field="area",
        )
    fields.set("area", area, meta.line("area"))

    url = text_of("url", values.get("url")) or text_of("og.url", og.get("url"))
    if not url:
        raise RecordInvalid(
            "no url: give 'url:' (the appeal's page) in the metadata block",
            file=source,
            line=opened_at,
            field="url",
        )
    fields.set("url", url, meta.line("url", "og.url"))

    # The date line -----------------------------------------------------------------------------
    date_index = next((i for i in range(after, len(lines)) if lines[i].strip()), None)
    if date_index is None:
        raise RecordInvalid(
            "no date line after the metadata block: expected 'HH:MM DD/MM/YYYY'",
            file=source,
            line=after,
            field="published_at",
        )
    written = clean_text(lines[date_index]).strip()
    if not _DATE_LIKE.match(written):
        raise RecordInvalid(
            f"expected the date line 'HH:MM DD/MM/YYYY' after the metadata block, found "
            f"{written[:60]!r}",
            file=source,
            line=date_index + 1,
            field="published_at",
        )
    published, warnings = parse_local_time(
        written, zone, source=source, line=date_index + 1, field="published_at", iso=False
    )
    fields.warnings.extend(warnings)
    fields.set("published_at", published, date_index + 1)
    if values.get("updated") is not None:
        updated, warnings = parse_local_time(
            values["updated"], zone, source=source, line=meta.line("updated"), field="updated"
        )
        fields.warnings.extend(warnings)
        fields.set("updated_at", updated, meta.line("updated"))

    # The body ----------------------------------------------------------------------------------
    sections = [
        i
        for i in range(date_index + 1, len(lines))
        if lines[i].startswith("---") and SEED_SECTION.match(lines[i])  # the pattern's start
    ]
    body_lines = [
        Line(clean_text(lines[i]).replace("\n", " "), i + 1)
        for i in range(date_index + 1, sections[0] if sections else len(lines))
    ]
    raw = split_paragraphs(body_lines)
    check_raw_blocks(raw, source=source)
    if not raw:
        raise RecordInvalid(
            "the body is empty: write the appeal's text after the date line",
            file=source,
            line=date_index + 1,
            field="body",
        )
    result = build_body(
        raw,
        title=title,
        source=source,
        also_headlines=[t for t in (page_title, og_title) if t],
        standfirst=text_of("og.description", og.get("description")),
    )
    fields.warnings.extend(result.warnings)
    fields.set("body", result.blocks, raw[0].line)

    # The rest ----------------------------------------------------------------------------------
    description = text_of("og.description", og.get("description"))
    summary = text_of("summary", values.get("summary"))
    summary_line = meta.line("summary")
    if not summary:
        summary, summary_line = description, meta.line("og.description")
    if not summary:
        first = first_paragraph(result.blocks)
        if first is None:
            summary, summary_line = title, fields.lines.get("title")
        else:
            summary = first_sentence(first[1].text)
            summary_line = result.lines.get(f"body[{first[0]}]")
    fields.set("summary", summary, summary_line)

    own_id = text_of("id", values.get("id"))
    fields.set("id", own_id or id_from_url(url) or slugify(title), meta.line("id", "url"))

    image = text_of("og.image", og.get("image"))
    if image:
        alt = text_of("image_alt", values.get("image_alt")) or text_of(
            "og.image:alt", og.get("image:alt")
        )
        fields.set("image", {"url": urljoin(url, image), "alt": alt}, meta.line("og.image"))
        fields.lines["image.url"] = meta.line("og.image")
        fields.lines["image.alt"] = meta.line("image_alt", "og.image:alt")

    locale = text_of("locale", values.get("locale")) or text_of("og.locale", og.get("locale"))
    fields.set("locale", locale, meta.line("locale", "og.locale"))
    for key in ("kind", "status", "resolution"):
        fields.set(key, text_of(key, values.get(key)), meta.line(key))
    for key in ("topics", "campaigns"):
        items = as_list(values.get(key), key=key, source=source, line=meta.line(key))
        if items:
            fields.set(key, tuple(items), meta.line(key))
    own_tags = as_list(
        values.get("hashtags"), key="hashtags", source=source, line=meta.line("hashtags")
    )
    tags = [t.lstrip("#") for t in own_tags] + find_hashtags(title) + list(result.hashtags)
    fields.set("hashtags", unique_tags(tags), meta.line("hashtags") or raw[0].line)
    fields.set("source", source, None)
    translations = read_translations(lines, sections, fields, meta, path, "seed")
    if translations:
        fields.set("translations", tuple(translations), translations_line(sections, meta))
    appeal = assemble(fields, headline_for_kind=f"{title}\n{summary}")
    return import_result(fields, appeal, result.lines)


_SHARED = ("area", "timezone", "id", "kind", "status", "topics", "campaigns", "updated")
"""Keys a translation's page may repeat, but only with the appeal's own value."""


def _differs(
    section: Section, fields: Fields, key: str, theirs: Any, ours: Any, line: int | None
) -> RecordInvalid:
    locale = section_locale(section.written)
    given = "none" if ours is None else repr(ours)
    return RecordInvalid(
        f"the {locale} page gives {key} {theirs!r}, the appeal {given}: the facts both "
        "languages share (times, area, image, kind...) are the appeal's, written once at the "
        "top; leave it out of the section or make it the same",
        file=section.source,
        line=line,
        field=f"{section.where}.{key}",
    )


def seed_translation(section: Section, fields: Fields) -> dict[str, Any]:
    """A ``--- cy`` section of a seed file (or a linked seed file): that language's page's own
    ```yaml block, an optional date line (the appeal's), then its text, read with the seed
    rules. Keys of the facts both languages share may be given only with the appeal's value."""
    lines, source, where = section.lines, section.source, section.where
    locale = check_locale(section, fields)
    meta, opened_at, after = _metadata(
        lines, source, begin=section.first + 1, last=section.last, section=locale
    )
    refuse_nested(meta, section)
    values = meta.values
    for key in values:
        if key not in KNOWN_KEYS | {"source_digest"}:
            fields.warnings.append(
                Problem(
                    f"unknown key of the {locale} page ignored",
                    file=source,
                    line=meta.line(key),
                    field=f"{where}.{key}",
                )
            )
    og: dict[str, Any] = values.get("og") or {}
    if not isinstance(og, dict):
        raise RecordInvalid(
            "og must be a mapping (description, image, title, url...)",
            file=source,
            line=meta.line("og"),
            field=f"{where}.og",
        )

    def text_of(key: str, value: Any) -> str | None:
        return as_text(value, key=f"{where}.{key}", source=source, line=meta.line(key))

    # The facts both languages share: the section may repeat them, never change them.
    zone = zone_for(str(fields.data["timezone"]), source=source, line=meta.line("timezone"))
    for key in _SHARED:
        if values.get(key) is None:
            continue
        ours: Any = fields.data.get(key)
        theirs: Any
        if key in ("topics", "campaigns"):
            theirs = tuple(
                as_list(values[key], key=f"{where}.{key}", source=source, line=meta.line(key))
            )
            ours = tuple(ours or ())
        elif key == "updated":
            theirs, _ = parse_local_time(
                values[key], zone, source=source, line=meta.line(key), field=f"{where}.{key}"
            )
            ours = fields.data.get("updated_at")
        elif key == "timezone":
            theirs = zone_for(text_of(key, values[key]), source=source, line=meta.line(key)).key
        else:
            theirs = text_of(key, values[key])
        if theirs != ours:
            raise _differs(section, fields, key, theirs, ours, meta.line(key))
    url = text_of("url", values.get("url")) or text_of("og.url", og.get("url"))
    image = text_of("og.image", og.get("image"))
    if image:
        theirs_image = urljoin(url or str(fields.data["url"]), image)
        ours_image = (fields.data.get("image") or {}).get("url")
        if theirs_image != ours_image:
            raise _differs(
                section, fields, "og.image", theirs_image, ours_image, meta.line("og.image")
            )
    written_locale = text_of("locale", values.get("locale")) or text_of(
        "og.locale", og.get("locale")
    )
    if written_locale and section_locale(written_locale.replace("-", "_")) != locale:
        raise RecordInvalid(
            f"the page's locale is {written_locale!r}, but the section is for {locale}",
            file=source,
            line=meta.line("locale", "og.locale"),
            field=f"{where}.locale",
        )

    page_title = text_of("title", values.get("title"))
    og_title = text_of("og.title", og.get("title"))
    title, _ = title_and_organisation(
        page_title, og_title, text_of("organisation", values.get("organisation"))
    )
    if not title:
        raise RecordInvalid(
            f"no title: give 'title:' (or og: title:) in the {locale} page's ```yaml block",
            file=source,
            line=opened_at,
            field=f"{where}.title",
        )

    # An optional date line: the appeal's own time.
    date_index = next((i for i in range(after, section.last) if lines[i].strip()), None)
    body_from = after
    if date_index is not None and _DATE_LIKE.match(clean_text(lines[date_index]).strip()):
        when, _ = parse_local_time(
            clean_text(lines[date_index]).strip(),
            zone,
            source=source,
            line=date_index + 1,
            field=f"{where}.published_at",
            iso=False,
        )
        if when != fields.data["published_at"]:
            raise _differs(
                section,
                fields,
                "published_at",
                when.isoformat(),
                fields.data["published_at"].isoformat(),
                date_index + 1,
            )
        body_from = date_index + 1
    body_lines = [
        Line(clean_text(lines[i]).replace("\n", " "), i + 1) for i in range(body_from, section.last)
    ]
    raw = split_paragraphs(body_lines)
    check_raw_blocks(raw, source=source)
    if not raw:
        raise RecordInvalid(
            f"the {locale} body is empty: write the {locale} text after its ```yaml block",
            file=source,
            line=body_from,
            field=f"{where}.body",
        )
    description = text_of("og.description", og.get("description"))
    result = build_body(
        raw,
        title=title,
        source=source,
        also_headlines=[t for t in (page_title, og_title) if t],
        standfirst=description,
    )
    fields.warnings.extend(result.warnings)
    return translation_data(
        fields,
        section,
        locale=locale,
        title=title,
        summary=text_of("summary", values.get("summary")) or description,
        blocks=result.blocks,
        own_tags=as_list(
            values.get("hashtags"),
            key=f"{where}.hashtags",
            source=source,
            line=meta.line("hashtags"),
        ),
        body_tags=result.hashtags,
        extras={
            "image_alt": text_of("image_alt", values.get("image_alt"))
            or text_of("og.image:alt", og.get("image:alt")),
            "resolution": text_of("resolution", values.get("resolution")),
            "url": url,
            "source_digest": text_of("source_digest", values.get("source_digest")),
        },
        body_line=raw[0].line,
        key_lines={
            "title": meta.line("og.title", "title"),
            "summary": meta.line("summary", "og.description"),
            "image_alt": meta.line("image_alt", "og.image:alt"),
            "hashtags": meta.line("hashtags"),
            "resolution": meta.line("resolution"),
            "url": meta.line("url", "og.url"),
            "source_digest": meta.line("source_digest"),
        },
    )
