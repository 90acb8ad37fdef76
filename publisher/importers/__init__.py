"""Importers: loose appeal files → the canonical :class:`~publisher.domain.record.Appeal`.

Three formats (docs/record-format.md describes them for authors):

* **seed** (``.txt``): a fenced ```yaml metadata block, a ``HH:MM DD/MM/YYYY`` line in UK local
  time, then the body as plain paragraphs (:mod:`publisher.importers.seed`);
* **native** (``.md``, ``.markdown``): YAML front matter with the Appeal's own field names, then
  a small Markdown body (:mod:`publisher.importers.native`);
* **JSON** (``.json``): exactly :meth:`Appeal.to_json` output (:mod:`publisher.importers.jsonfile`).

Every error is a :class:`~publisher.errors.RecordInvalid` naming the file, line and field,
including a file over one of the limits of :mod:`publisher.importers.limits`. An
:class:`ImportResult` also maps the record's fields to the source lines they came from (seed and
native formats), so that ``publisher check`` can name the line of each finding.

Each format's parser is imported when a text of that format is first parsed: reading a seed
file does not load the Markdown parser.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from publisher.errors import Problem, RecordInvalid
from publisher.importers.bounds import check_text, read_bounded
from publisher.importers.common import ImportResult

__all__ = [
    "INPUT_SUFFIXES",
    "Format",
    "ImportResult",
    "find_inputs",
    "linked_files_of",
    "load_appeal",
    "parse_appeal",
    "sniff",
]

Format = Literal["seed", "native", "json"]
LINKED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<code>[a-z]{2,3}(?:_[A-Z]{2})?)(?P<suffix>\.[^.]+)$")
"""How a linked translation file is named: the appeal file's name, its language, its suffix."""
INPUT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".json"})


def sniff(text: str) -> Format | None:
    """The format a text looks like, from how it starts, or None."""
    head = text.removeprefix("\ufeff").lstrip()
    if head.startswith("```"):
        return "seed"
    if head.startswith("---"):
        return "native"
    if head.startswith("{"):
        return "json"
    return None


def parse_appeal(
    text: str, *, source: str, fmt: Format | None = None, path: Path | None = None
) -> ImportResult:
    """Parse an appeal from ``text``; ``source`` names the file in errors and in the record.

    Without ``fmt`` the format is sniffed (```yaml → seed, ``---`` → native, ``{`` → JSON) and
    defaults to seed. ``path`` is the file the text was read from: only a text read from a
    file may link translation files (``translations: {cy: osian.cy.md}``, next to it).
    """
    check_text(text, source=source)
    chosen = fmt or sniff(text) or "seed"
    if chosen == "json":
        from publisher.importers.jsonfile import parse_json

        return ImportResult(parse_json(text, source=source), ())
    if chosen == "native":
        from publisher.importers.native import parse_native

        return parse_native(text, source=source, path=path)
    if chosen == "seed":
        from publisher.importers.seed import parse_seed

        return parse_seed(text, source=source, path=path)
    raise ValueError(f"unknown format {chosen!r}")  # pragma: no cover - Literal guards this


def _read(path: Path) -> tuple[str, tuple[Problem, ...]]:
    data = read_bounded(path)  # the size is checked before the file is read
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warning = Problem(
            "not UTF-8: read as Windows-1252; save the file as UTF-8",
            file=str(path),
            line=line,
        )
        return data.decode("cp1252", errors="replace"), (warning,)


def load_appeal(path: Path) -> ImportResult:
    """Read and parse an appeal file; the format comes from the suffix.

    ``.json`` → JSON, ``.md``/``.markdown`` → native, anything else → sniffed (seed by default).
    """
    text, warnings = _read(path)
    suffix = path.suffix.lower()
    fmt: Format | None
    if suffix == ".json":
        fmt = "json"
    elif suffix in (".md", ".markdown"):
        fmt = "native"
    else:
        fmt = sniff(text) or "seed"
    result = parse_appeal(text, source=str(path), fmt=fmt, path=path)
    return ImportResult(result.appeal, warnings + result.warnings, result.lines)


def _inputs_in(folder: Path) -> list[Path]:
    """The appeal files under ``folder``, in the order of their paths (as ``sorted`` orders
    ``Path`` objects: by their parts), hidden files and folders skipped, symbolic links to
    folders not followed (as ``Path.rglob``). One ``scandir`` per folder: a file's type comes
    from the folder listing, so a site of thousands is listed without a stat per file."""
    found: list[tuple[tuple[str, ...], str]] = []

    def visit(directory: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except PermissionError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path, (*parts, name))
            elif os.path.splitext(name)[1].lower() in INPUT_SUFFIXES and entry.is_file():
                found.append(((*parts, name), entry.path))
                names.add(entry.path)

    names: set[str] = set()

    visit(str(folder), ())
    found.sort()
    return [Path(path) for _, path in found if not linked_translation(path, names)]


def linked_translation(path: str, names: set[str]) -> bool:
    """Whether the file ``path`` is named as a linked translation (``osian.cy.md``) of an
    appeal file listed in ``names`` beside it (``osian.md``, ``osian.txt``...): such a file is
    read with the appeal that links it, never as an appeal of its own."""
    head, name = os.path.split(path)
    match = LINKED_NAME.match(name)
    if match is None or match.group("suffix").lower() not in INPUT_SUFFIXES:
        return False
    stem = os.path.join(head, match.group("stem"))
    return any(stem + suffix in names for suffix in INPUT_SUFFIXES)


def find_inputs(paths: Sequence[Path]) -> list[Path]:
    """The appeal files named by ``paths``: files as given; folders searched recursively for
    ``.txt``, ``.md``, ``.markdown`` and ``.json`` files (sorted, hidden files and folders
    skipped, and so are linked translation files such as ``osian.cy.md`` beside ``osian.md``);
    a linked translation file named on its own stands for its appeal's file. Repeats are
    dropped; a path that does not exist is an error."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(_inputs_in(path)))
        elif path.is_file():
            found[_primary_of(path) or path] = None
        else:
            raise RecordInvalid("no such file or folder", file=str(path))
    return list(found)


def _primary_of(path: Path) -> Path | None:
    """The appeal file beside ``path`` that a file named like a linked translation of it
    (``osian.cy.md`` beside ``osian.md``) belongs to, else None."""
    match = LINKED_NAME.match(path.name)
    if match is None or match.group("suffix").lower() not in INPUT_SUFFIXES:
        return None
    for suffix in sorted(INPUT_SUFFIXES):
        primary = path.with_name(match.group("stem") + suffix)
        if primary.is_file():
            return primary
    return None


def linked_files_of(paths: Sequence[Path]) -> dict[Path, tuple[Path, ...]]:
    """The files named as linked translations of each of ``paths`` (``osian.cy.md`` of
    ``osian.md``), whether or not the appeal links them: what a build must also watch to know
    an appeal unchanged. One folder listing per folder."""
    by_folder: dict[str, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(os.path.dirname(path), []).append(path)
    found: dict[Path, tuple[Path, ...]] = {}
    for folder, inside in by_folder.items():
        stems: dict[str, list[Path]] = {}
        for path in inside:
            stems.setdefault(os.path.splitext(path.name)[0], []).append(path)
        try:
            with os.scandir(folder or ".") as listing:
                names = sorted(entry.name for entry in listing)
        except OSError:
            continue
        for name in names:
            match = LINKED_NAME.match(name)
            if match is None or match.group("suffix").lower() not in INPUT_SUFFIXES:
                continue
            for primary in stems.get(match.group("stem"), ()):
                found[primary] = (
                    *found.get(primary, ()),
                    Path(folder, name) if folder else Path(name),
                )
    return found
