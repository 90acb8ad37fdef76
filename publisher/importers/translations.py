"""What the seed and native formats share about an appeal's other languages.

A language is a section of the primary file (``--- cy`` after the primary language's text) or a
**linked file** named in the primary's metadata (``translations: {cy: osian.cy.md}``), which
holds that section's content on its own. Each format reads its own section's words
(:func:`publisher.importers.native.native_translation`,
:func:`publisher.importers.seed.seed_translation`); this module turns them into the
:class:`~publisher.domain.record.Translation` data, finds and reads linked files, and marks
translations current (``publisher translate --mark-current``) in the file that holds each one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import ValidationError

from publisher.domain.record import Block, Translation
from publisher.errors import RecordInvalid
from publisher.importers import INPUT_SUFFIXES, LINKED_NAME
from publisher.importers.bounds import check_lines, check_text, read_bounded
from publisher.importers.common import (
    Fields,
    YamlMapping,
    first_paragraph,
    translate_validation_error,
    unique_tags,
)
from publisher.importers.structure import find_hashtags, first_sentence

__all__ = [
    "SECTION",
    "SEED_SECTION",
    "Linked",
    "Section",
    "check_locale",
    "linked_files",
    "linked_format",
    "mark_current",
    "mark_linked",
    "mark_text",
    "read_lines",
    "read_translations",
    "section_locale",
    "split_lines",
    "translation_data",
    "translations_line",
]

SECTION = re.compile(r"^---[ \t]+(?P<locale>\S+)[ \t]*$")
"""``--- cy`` (or ``--- cy_GB``): the start of the appeal in another language."""
SEED_SECTION = re.compile(r"^---[ \t]+(?P<locale>[a-z]{2,3}(?:[_-][A-Z]{2})?)[ \t]*$")
"""The same in a seed file, whose scraped text may hold other lines starting ``---``: only a
language code (``cy``, ``cy_GB``) starts a section."""
_SHORT_LOCALES = {"cy": "cy_GB", "en": "en_GB", "gd": "gd_GB", "ga": "ga_IE"}
_DIGEST_LINE = re.compile(r"^source_digest\s*:")
_NATIVE_OPEN = re.compile(r"^---\s*$")
_NATIVE_CLOSE = re.compile(r"^(?:---|\.\.\.)\s*$")
_SEED_OPEN = re.compile(r"^```\s*(?:yaml|yml)\s*$", re.IGNORECASE)
_SEED_CLOSE = re.compile(r"^```\s*$")


def section_locale(written: str) -> str:
    """The locale a section line (or a ``translations:`` key) names: ``cy`` is ``cy_GB``."""
    return _SHORT_LOCALES.get(written, written)


def split_lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass(frozen=True)
class Section:
    """Where one language's words are: lines ``first`` (the ``--- cy`` line, or -1 for a
    linked file, whose metadata opens on its first line) to ``last`` of ``lines``, in
    ``source``. ``link_line`` is the line of the primary file that names a linked file."""

    lines: list[str]
    first: int
    last: int
    index: int
    written: str
    source: str | None
    link_line: int | None = None

    @property
    def where(self) -> str:
        return f"translations.{self.index}"

    @property
    def opened(self) -> int:
        """The 1-based line the section starts on."""
        return self.first + 1 if self.first >= 0 else 1


def check_locale(section: Section, fields: Fields) -> str:
    """The section's locale; the primary language's own is refused."""
    locale = section_locale(section.written)
    primary = str(fields.data.get("locale", "en_GB"))
    if section_locale(primary) == locale:
        raise RecordInvalid(
            f"'{section.written}' is the appeal's own language ({primary}): its words go at the "
            "top of the file, and a section is for another language",
            file=section.source,
            line=section.link_line or section.opened,
            field="translations",
        )
    return locale


def refuse_nested(meta: YamlMapping, section: Section) -> None:
    """A translation's own front matter may not link translations: every language is linked
    from the appeal's own file, so there is no cycle to follow."""
    if "translations" in meta.values:
        raise RecordInvalid(
            "a translation cannot name translations of its own (that could make a cycle): "
            "every language is linked from the appeal's own file",
            file=section.source,
            line=meta.line("translations"),
            field=f"{section.where}.translations",
        )


def translation_data(
    fields: Fields,
    section: Section,
    *,
    locale: str,
    title: str,
    summary: str | None,
    blocks: tuple[Block, ...],
    own_tags: Iterable[str],
    body_tags: Iterable[str],
    extras: Mapping[str, str | None],
    body_line: int | None,
    key_lines: Mapping[str, int | None],
) -> dict[str, Any]:
    """One translation's record data from the words a format read, and the lines of its
    fields recorded in ``fields`` (a linked file's fields all point at its ``translations:``
    line of the primary file; its own errors name the linked file)."""
    if not summary:
        para = first_paragraph(blocks)
        summary = title if para is None else first_sentence(para[1].text)
    data: dict[str, Any] = {
        "locale": locale,
        "title": title,
        "summary": summary,
        "body": blocks,
        "hashtags": unique_tags(
            [*(t.lstrip("#") for t in own_tags), *find_hashtags(title), *body_tags]
        ),
    }
    for key, value in extras.items():
        if value is not None:
            data[key] = value
    where = section.where
    if section.link_line is not None:
        own = {key: line for key, line in key_lines.items() if line is not None}
        try:
            Translation.model_validate(data)
        except ValidationError as exc:
            error = translate_validation_error(exc, source=section.source, lines=own)
            raise RecordInvalid(
                error.problem.message,
                file=section.source,
                line=error.line,
                field=f"{where}.{error.field}" if error.field else where,
            ) from exc
        for key in (where, f"{where}.locale", f"{where}.body", *(f"{where}.{k}" for k in own)):
            fields.lines[key] = section.link_line
        return data
    fields.lines[where] = section.opened
    fields.lines[f"{where}.locale"] = section.opened
    fields.lines[f"{where}.body"] = body_line
    for key, line in key_lines.items():
        if line is not None:
            fields.lines[f"{where}.{key}"] = line
    return data


def translations_line(sections: list[int], meta: YamlMapping) -> int | None:
    """The line of an appeal's first translation: its first section, else its links."""
    return sections[0] + 1 if sections else meta.line("translations")


def _reader(fmt: str) -> Callable[[Section, Fields], dict[str, Any]]:
    """A format's section reader, imported when first needed (a seed file does not load the
    Markdown parser unless it links a native file)."""
    if fmt == "native":
        from publisher.importers.native import native_translation

        return native_translation
    from publisher.importers.seed import seed_translation

    return seed_translation


def read_translations(
    lines: list[str],
    sections: list[int],
    fields: Fields,
    meta: YamlMapping,
    path: Path | None,
    fmt: str,
) -> list[dict[str, Any]]:
    """Every translation of a seed or native file: its ``--- cy`` sections (at line indexes
    ``sections``, read as ``fmt``), then the files its metadata's ``translations:`` links."""
    pattern = SECTION if fmt == "native" else SEED_SECTION
    found = []
    for index, opening in enumerate(sections):
        closing = sections[index + 1] if index + 1 < len(sections) else len(lines)
        match = pattern.match(lines[opening])
        assert match is not None
        section = Section(lines, opening, closing, index, match.group("locale"), fields.source)
        found.append(_reader(fmt)(section, fields))
    links = meta.values.get("translations")
    if links is None:
        return found
    for linked in linked_files(
        links,
        source=fields.source,
        line=meta.line("translations"),
        key_line=lambda written: meta.line(f"translations.{written}"),
        primary=path,
    ):
        linked_lines = read_lines(linked.path)
        section = Section(
            linked_lines,
            -1,
            len(linked_lines),
            len(found),
            linked.written,
            str(linked.path),
            link_line=linked.line,
        )
        found.append(_reader(linked_format(linked_lines, linked.path))(section, fields))
    return found


# Linked files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """A ``translations:`` entry: the locale as written, the linked file, its line."""

    written: str
    path: Path
    line: int | None


def linked_files(
    value: Any,
    *,
    source: str | None,
    line: int | None,
    key_line: Callable[[str], int | None],
    primary: Path | None,
) -> list[Linked]:
    """The linked files a ``translations:`` mapping names, checked: each a file next to the
    primary, named ``<primary's name>.<language>.<suffix>``, that exists."""
    if not isinstance(value, dict) or not value:
        raise RecordInvalid(
            "translations must map a language to its file, e.g. 'translations: {cy: osian.cy.md}'",
            file=source,
            line=line,
            field="translations",
        )
    if primary is None:
        raise RecordInvalid(
            "a linked translation file is read only when the appeal is read from a file "
            "(publisher build, check, inspect): write the language as a '--- cy' section here",
            file=source,
            line=line,
            field="translations",
        )
    found: list[Linked] = []
    for written, name in value.items():
        at = key_line(str(written)) or line
        field = f"translations.{written}"
        if not isinstance(name, str) or not name.strip():
            raise RecordInvalid(
                "give the linked file's name, e.g. 'cy: osian.cy.md'",
                file=source,
                line=at,
                field=field,
            )
        name = name.strip()
        pure = PurePosixPath(name)
        if pure.is_absolute() or PureWindowsPath(name).is_absolute() or PureWindowsPath(name).drive:
            raise RecordInvalid(
                f"{name!r} is an absolute path: name a file next to this one, e.g. "
                f"'{primary.stem}.{written}{primary.suffix}'",
                file=source,
                line=at,
                field=field,
            )
        if ".." in pure.parts or ".." in PureWindowsPath(name).parts:
            raise RecordInvalid(
                f"{name!r} leads out of this file's folder: a linked file sits next to it",
                file=source,
                line=at,
                field=field,
            )
        path = primary.parent / name
        if path.resolve() == primary.resolve():
            raise RecordInvalid(
                f"{name!r} is this file itself: a translation cannot link back to the appeal "
                "(a cycle)",
                file=source,
                line=at,
                field=field,
            )
        match = LINKED_NAME.match(pure.name)
        locale = section_locale(str(written))
        if (
            len(pure.parts) != 1
            or match is None
            or match.group("stem") != primary.stem
            or match.group("suffix").lower() not in INPUT_SUFFIXES
            or section_locale(match.group("code")) != locale
        ):
            raise RecordInvalid(
                f"a linked file sits next to the appeal and is named after it and its "
                f"language, e.g. '{primary.stem}.{written}{primary.suffix}' (so that a folder "
                f"build reads it with this appeal, not as an appeal of its own); not {name!r}",
                file=source,
                line=at,
                field=field,
            )
        if path.is_symlink() and path.resolve().parent != primary.resolve().parent:
            raise RecordInvalid(
                f"{name!r} is a link to a file in another folder: a linked file sits next to "
                "the appeal",
                file=source,
                line=at,
                field=field,
            )
        if not path.is_file():
            raise RecordInvalid(
                f"the linked {locale} file {name!r} does not exist (looked for {path})",
                file=source,
                line=at,
                field=field,
            )
        found.append(Linked(str(written), path, at))
    return found


def read_lines(path: Path) -> list[str]:
    """A linked file's lines, checked as an appeal file's are (size, UTF-8, lines)."""
    data = read_bounded(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RecordInvalid(
            "not UTF-8: save the linked file as UTF-8", file=str(path), line=line
        ) from exc
    check_text(text, source=str(path))
    lines = split_lines(text)
    check_lines(lines, source=str(path))
    return lines


def linked_format(lines: list[str], path: Path) -> str:
    """``native`` or ``seed``: how a linked file opens (``---`` or ```` ```yaml ````)."""
    head = next(((i, t.strip()) for i, t in enumerate(lines) if t.strip()), None)
    if head is not None and _NATIVE_OPEN.match(head[1]):
        return "native"
    if head is not None and _SEED_OPEN.match(head[1]):
        return "seed"
    raise RecordInvalid(
        "a linked translation file starts with its own metadata: front matter between '---' "
        "lines (native) or a ```yaml block (seed)",
        file=str(path),
        line=head[0] + 1 if head else 1,
    )


# Marking translations current ----------------------------------------------------------------


def _with_digest(lines: list[str], opener: int, close: re.Pattern[str], digest: str) -> list[str]:
    """``lines`` with ``source_digest: digest`` as the first line after ``opener`` and every
    other ``source_digest:`` line of that block (up to ``close``) dropped."""
    out = [*lines[: opener + 1], f"source_digest: {digest}"]
    index = opener + 1
    while index < len(lines) and not close.match(lines[index].strip()):
        if not _DIGEST_LINE.match(lines[index]):
            out.append(lines[index])
        index += 1
    out.extend(lines[index:])
    return out


def _opener(lines: list[str], start: int, pattern: re.Pattern[str]) -> int | None:
    head = next((i for i in range(start, len(lines)) if lines[i].strip()), None)
    if head is not None and pattern.match(lines[head].strip()):
        return head
    return None


def mark_text(
    lines: list[str], *, fmt: str, after: int, digest: str, locales: frozenset[str] | None
) -> tuple[list[str], list[str]]:
    """The lines of a primary file with its ``--- cy`` sections (from line index ``after``)
    marked; and the locales marked."""
    marked: list[str] = []
    index = after
    pattern = SEED_SECTION if fmt == "seed" else SECTION
    while index < len(lines):
        match = pattern.match(lines[index])
        if match is None:
            index += 1
            continue
        locale = section_locale(match.group("locale"))
        if locales is None or locale in locales:
            if fmt == "seed":
                opener = _opener(lines, index + 1, _SEED_OPEN)
                if opener is not None:
                    lines = _with_digest(lines, opener, _SEED_CLOSE, digest)
            else:
                lines = _with_digest(lines, index, _NATIVE_CLOSE, digest)
            marked.append(locale)
        index += 1
    return lines, marked


def mark_linked(lines: list[str], path: Path, digest: str) -> list[str]:
    """A linked file's lines with its metadata's ``source_digest:`` set."""
    if linked_format(lines, path) == "seed":
        opener = _opener(lines, 0, _SEED_OPEN)
        assert opener is not None  # linked_format saw it
        return _with_digest(lines, opener, _SEED_CLOSE, digest)
    opener = _opener(lines, 0, _NATIVE_OPEN)
    assert opener is not None
    return _with_digest(lines, opener, _NATIVE_CLOSE, digest)


def mark_current(
    path: Path, *, locales: frozenset[str] | None = None
) -> tuple[dict[Path, str], tuple[str, ...]]:
    """The new text of every file to change so that ``path``'s translations (or those of
    ``locales``) are marked as made from its current primary-language words: each section's
    (or linked file's) ``source_digest:`` set to
    :func:`~publisher.domain.record.translatable_digest`. Nothing else in the files changes.
    Raises RecordInvalid as reading the appeal does, and for a locale it has no translation
    for."""
    from publisher.domain.record import translatable_digest
    from publisher.importers import load_appeal, sniff

    appeal = load_appeal(path).appeal
    digest = translatable_digest(appeal)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordInvalid(
            "not UTF-8: save the file as UTF-8 before marking its translations", file=str(path)
        ) from exc
    lines = split_lines(text)
    suffix = path.suffix.lower()
    fmt = "native" if suffix in (".md", ".markdown") else (sniff(text) or "seed")
    if fmt not in ("native", "seed"):
        raise RecordInvalid(
            "only a native (.md) or seed (.txt) file holds translations to mark; a JSON "
            "record's source_digest is part of the record",
            file=str(path),
        )
    close = _NATIVE_CLOSE if fmt == "native" else _SEED_CLOSE
    opener = _opener(lines, 0, _NATIVE_OPEN if fmt == "native" else _SEED_OPEN)
    after = 0
    if opener is not None:
        after = next(
            (i for i in range(opener + 1, len(lines)) if close.match(lines[i].strip())),
            len(lines),
        )
    new_lines, marked = mark_text(lines, fmt=fmt, after=after, digest=digest, locales=locales)
    changes: dict[Path, str] = {}
    if marked:
        changes[path] = "\n".join(new_lines)
    links = _links_of(path, lines, fmt, after)
    for written, linked in links:
        locale = section_locale(written)
        if locales is not None and locale not in locales:
            continue
        changes[linked] = "\n".join(mark_linked(read_lines(linked), linked, digest))
        marked.append(locale)
    if locales is not None:
        unknown = sorted(locales - set(marked))
        if unknown:
            raise RecordInvalid(
                f"no translation for {', '.join(unknown)}", file=str(path), field="translations"
            )
    return changes, tuple(marked)


def _links_of(path: Path, lines: list[str], fmt: str, end: int) -> list[tuple[str, Path]]:
    """The linked files of a primary file (already read once, so known to be good)."""
    from publisher.importers.common import load_yaml_mapping

    opener = _opener(lines, 0, _NATIVE_OPEN if fmt == "native" else _SEED_OPEN)
    if opener is None:
        return []
    meta = load_yaml_mapping(
        "\n".join(lines[opener + 1 : end]), source=str(path), first_line=opener + 2, what="metadata"
    )
    value = meta.values.get("translations")
    if not isinstance(value, dict):
        return []
    return [(str(written), path.parent / str(name).strip()) for written, name in value.items()]
