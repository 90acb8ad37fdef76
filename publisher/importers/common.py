"""What the seed and native importers share: YAML with line numbers, UK local times, and turning
the collected fields into a validated :class:`~publisher.domain.record.Appeal` with errors that name
the file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from publisher.domain.cleaning import clean_inline
from publisher.domain.record import (
    DEFAULT_TIMEZONE,
    Appeal,
    Block,
    BulletList,
    CallToAction,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    slugify,
)
from publisher.domain.topics import infer_kind, infer_topics
from publisher.errors import Problem, RecordInvalid
from publisher.importers.bounds import check_record, record_lines
from publisher.importers.limits import LIMITS

__all__ = [
    "Fields",
    "ImportResult",
    "YamlMapping",
    "as_list",
    "as_text",
    "assemble",
    "block_texts",
    "first_paragraph",
    "id_from_url",
    "import_result",
    "load_yaml_mapping",
    "parse_local_time",
    "translate_validation_error",
    "unique_tags",
    "zone_for",
]

_BLOCK_TAGS = frozenset({"paragraph", "heading", "quote", "contacts", "bullets", "call-to-action"})
_YAML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LIST_SEPARATORS = re.compile(r"[,\s]+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SCHEME_AND_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.IGNORECASE)
_QUERY = re.compile(r"[?#].*$")
_PAGE_SUFFIX = re.compile(r"\.(?:html?|aspx?|php)$", re.IGNORECASE)
_UK_STAMP = re.compile(r"^\s*(\d{1,2}):(\d{2})\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


@dataclass(frozen=True)
class YamlMapping:
    """A YAML mapping's values (cleaned) and the file line of each key path (``og.title``)."""

    values: dict[str, Any]
    lines: dict[str, int]

    def line(self, *keys: str) -> int | None:
        for key in keys:
            if key in self.lines:
                return self.lines[key]
        return None


def _key_lines(node: yaml.Node, prefix: str, first_line: int, out: dict[str, int]) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        path = f"{prefix}{key_node.value}"
        out[path] = first_line + key_node.start_mark.line
        _key_lines(value_node, path + ".", first_line, out)


def _clean_values(value: Any) -> Any:
    if isinstance(value, str):
        return clean_inline(value)
    if isinstance(value, list):
        return [_clean_values(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _clean_values(v) for k, v in value.items()}
    return value


class _Loader(_SafeLoader):
    """Safe YAML (libyaml's when PyYAML has it) whose values that Python cannot make (a 31
    February, an integer of 5,000 digits) are YAML errors at their own line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                str(exc).splitlines()[0] if str(exc) else "invalid value",
                node.start_mark,
            ) from exc


def _check_events(text: str, *, source: str | None, first_line: int, what: str) -> None:
    """Refuse aliases and anchors (a few lines of them can stand for billions of values: the
    "billion laughs"), and nesting deeper than the limit, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        mark = event.start_mark
        line = first_line + (mark.line if mark is not None else 0)
        if isinstance(event, yaml.AliasEvent):
            name = (event.anchor or "")[:30]
            raise RecordInvalid(
                f"{what}: YAML aliases ('*{name}') are not allowed: write the value out in full",
                file=source,
                line=line,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise RecordInvalid(
                f"{what}: YAML anchors ('&{anchor[:30]}') are not allowed: write each value out "
                "in full",
                file=source,
                line=line,
            )
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > LIMITS.depth:
                raise RecordInvalid(
                    f"{what} is nested more than {LIMITS.depth} deep; the limit is {LIMITS.depth}",
                    file=source,
                    line=line,
                )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _nesting(node: yaml.Node) -> int:
    """How deep the mappings and sequences of a composed document nest: the deepest the events
    that built it (:func:`_check_events`) went."""
    deepest = 0
    stack: list[tuple[yaml.Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, yaml.MappingNode):
            children = [child for pair in current.value for child in pair]
        elif isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _texts_only(node: yaml.Node) -> Any:
    """The value of a node made only of text, mappings and lists, as PyYAML's safe constructor
    makes it (a repeated key keeps its first place and its last value), or None for a node
    with anything else in it (a number, a date, a merge key...), left to the constructor. Only
    for a document without aliases."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else None
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                return None
            value = _texts_only(value_node)
            if value is None:
                return None
            mapping[key_node.value] = value
        return mapping
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
        items = []
        for item_node in node.value:
            item = _texts_only(item_node)
            if item is None:
                return None
            items.append(item)
        return items
    return None


def _read_plain(text: str) -> tuple[yaml.Node | None, Any] | None:
    """A text without ``&`` or ``*`` has no anchor or alias: it is composed at once, its
    nesting measured on the nodes before any value is made, and a block of text only made
    without the constructor (:func:`_texts_only`). None when it is too deep or is not good
    YAML: it is read again with its events checked first, for the same refusal."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if _nesting(node) > LIMITS.depth:
            return None
        texts = _texts_only(node)
        return node, loader.construct_document(node) if texts is None else texts
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def load_yaml_mapping(text: str, *, source: str | None, first_line: int, what: str) -> YamlMapping:
    """Parse a YAML mapping whose first line is line ``first_line`` of the file.

    Strings are cleaned (:mod:`publisher.domain.cleaning`) once, here. Syntax errors name the line.
    Aliases and anchors are refused, and so is nesting deeper than the limit
    (:mod:`publisher.importers.limits`).
    """
    # Control characters are never meaningful and YAML refuses them: cleaning would drop them
    # from the values anyway, so drop them before parsing.
    text = _YAML_CONTROL.sub("", text)
    plain = None if "&" in text or "*" in text else _read_plain(text)
    try:
        if plain is None:
            _check_events(text, source=source, first_line=first_line, what=what)
            plain = _compose_and_construct(text)
        node, data = plain
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        problem = " ".join((exc.problem or "invalid YAML").split())
        if "nesting depth" in problem:  # libyaml's own limit, met while reading ahead
            raise RecordInvalid(
                f"{what} is nested more than {LIMITS.depth} deep; the limit is {LIMITS.depth}",
                file=source,
                line=line,
            ) from exc
        raise RecordInvalid(f"{what}: YAML error: {problem}", file=source, line=line) from exc
    except yaml.YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise RecordInvalid(f"{what}: YAML error: {message}", file=source, line=first_line) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecordInvalid(
            f"{what} must be a mapping of 'key: value' lines", file=source, line=first_line
        )
    lines: dict[str, int] = {}
    if node is not None:
        _key_lines(node, "", first_line, lines)
    return YamlMapping(values=_clean_values(data), lines=lines)


def as_text(value: Any, *, key: str, source: str | None, line: int | None) -> str | None:
    """A scalar metadata value as text (numbers become text); None if absent or empty."""
    if value is None:
        return None
    if isinstance(value, bool | list | dict):
        raise RecordInvalid(
            f"must be text, not {type(value).__name__}", file=source, line=line, field=key
        )
    text = str(value).strip()
    return text or None


def as_list(value: Any, *, key: str, source: str | None, line: int | None) -> list[str]:
    """A list value, or a string of items separated by commas or spaces."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item for item in _LIST_SEPARATORS.split(value) if item]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    raise RecordInvalid(
        "must be a list (or text with items separated by commas)",
        file=source,
        line=line,
        field=key,
    )


def zone_for(name: str | None, *, source: str | None, line: int | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecordInvalid(
            f"unknown time zone {name!r} (use a name like 'Europe/London')",
            file=source,
            line=line,
            field="timezone",
        ) from exc


def _resolve_local(
    naive: datetime,
    zone: ZoneInfo,
    *,
    written: str,
    source: str | None,
    line: int | None,
    field: str,
) -> tuple[datetime, list[Problem]]:
    """A local wall-clock time in ``zone`` → UTC, refusing times the clocks skip and reading
    repeated times as the first (summer time) one, with a warning."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise RecordInvalid(
            f"{written} does not exist in {zone.key}: the clocks went forward that night "
            "(use a time before or after the skipped hour)",
            file=source,
            line=line,
            field=field,
        )
    warnings: list[Problem] = []
    if first.utcoffset() != second.utcoffset():
        chosen = first.astimezone(UTC)
        warnings.append(
            Problem(
                message=(
                    f"{written} happened twice in {zone.key} (the clocks went back that night): "
                    f"read as the first one, {first.strftime('%H:%M %Z')} = "
                    f"{chosen.strftime('%H:%MZ')}; write an ISO time with an offset to choose"
                ),
                file=source,
                line=line,
                field=field,
            )
        )
    return first.astimezone(UTC), warnings


def parse_local_time(
    value: Any,
    zone: ZoneInfo,
    *,
    source: str | None,
    line: int | None,
    field: str,
    iso: bool = True,
) -> tuple[datetime, list[Problem]]:
    """``HH:MM DD/MM/YYYY`` (local time in ``zone``) or, if ``iso``, ISO 8601 with or without an
    offset (naive = local time in ``zone``) → an aware UTC datetime, plus warnings."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC), []
        return _resolve_local(
            value, zone, written=value.isoformat(), source=source, line=line, field=field
        )
    if isinstance(value, date):
        raise RecordInvalid(
            f"{value.isoformat()} has no time of day: write 'HH:MM DD/MM/YYYY'",
            file=source,
            line=line,
            field=field,
        )
    written = str(value).strip()
    match = _UK_STAMP.match(written)
    if match is not None:
        hour, minute, day, month, year = (int(g) for g in match.groups())
        try:
            naive = datetime(year, month, day)
        except ValueError as exc:
            raise RecordInvalid(
                f"{day:02d}/{month:02d}/{year} is not a real date",
                file=source,
                line=line,
                field=field,
            ) from exc
        if hour > 23 or minute > 59:
            raise RecordInvalid(
                f"{hour:02d}:{minute:02d} is not a real time of day",
                file=source,
                line=line,
                field=field,
            )
        return _resolve_local(
            naive.replace(hour=hour, minute=minute),
            zone,
            written=written,
            source=source,
            line=line,
            field=field,
        )
    if iso and _ISO_DATE.match(written):
        try:
            parsed = datetime.fromisoformat(written.replace("z", "Z"))
        except ValueError as exc:
            raise RecordInvalid(
                f"{written!r} is not a real date and time (ISO 8601: 2020-04-02T13:53:00+01:00)",
                file=source,
                line=line,
                field=field,
            ) from exc
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC), []
        return _resolve_local(parsed, zone, written=written, source=source, line=line, field=field)
    expected = "'HH:MM DD/MM/YYYY' or ISO 8601" if iso else "'HH:MM DD/MM/YYYY'"
    raise RecordInvalid(
        f"{written!r} is not a date and time: expected {expected}",
        file=source,
        line=line,
        field=field,
    )


def id_from_url(url: str | None) -> str | None:
    """The slug of the last segment of a URL's path, if it has one."""
    if not url:
        return None
    path = _QUERY.sub("", _SCHEME_AND_HOST.sub("", url))
    segments = [s for s in path.split("/") if s]
    if not segments:
        return None
    last = _PAGE_SUFFIX.sub("", segments[-1])
    slug = slugify(last)
    return None if slug == "appeal" and "appeal" not in last.lower() else slug


def first_paragraph(blocks: Iterable[Block]) -> tuple[int, Paragraph] | None:
    """The first paragraph of a body and its index, for an inferred summary."""
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            return index, block
    return None


def block_texts(blocks: Iterable[Block]) -> list[str]:
    """Every text of the body, for inference."""
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph | CallToAction | Heading):
            texts.append(block.text)
        elif isinstance(block, Quote):
            texts.extend(p.text for p in block.paragraphs)
        elif isinstance(block, BulletList):
            texts.extend(p.text for p in (*((block.intro,) if block.intro else ()), *block.items))
        elif isinstance(block, ContactList):
            if block.intro:
                texts.append(block.intro.text)
            texts.extend(
                " ".join(filter(None, (c.name, c.display, c.note))) for c in block.contacts
            )
    return texts


@dataclass
class Fields:
    """The fields of an appeal as collected by an importer, and where each came from."""

    source: str | None
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int | None] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def set(self, name: str, value: Any, line: int | None) -> None:
        if value is None:
            return
        self.data[name] = value
        self.lines[name] = line


def _no_lines() -> Mapping[str, int]:
    return MappingProxyType({})


@dataclass(frozen=True)
class ImportResult:
    """An imported appeal, the warnings met on the way (nothing here stops an import), and
    where its fields came from.

    ``lines`` maps record fields to 1-based lines of the source file, in the keys the linter
    looks up (:func:`publisher.lint.lint_appeal`): ``title``, ``summary``, ``published_at``,
    ``image.alt``, ``hashtags``, ``body[2]``, ``body[2].paragraphs[0]``, ``body[3].items[1]``,
    ``body[4].contacts[0]``, ``body[3].intro``, ``body[2].speaker``... Read-only; empty when
    the format keeps no lines (JSON). It is not part of the record.
    """

    appeal: Appeal
    warnings: tuple[Problem, ...]
    lines: Mapping[str, int] = field(default_factory=_no_lines, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", MappingProxyType(dict(self.lines)))


def translate_validation_error(
    exc: ValidationError, *, source: str | None, lines: Mapping[str, int | None]
) -> RecordInvalid:
    """The first error of a pydantic ValidationError as one clear RecordInvalid."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    raw = [str(part) for part in first["loc"]]
    # a discriminated union puts the block's tag after its index: body.3.contacts.contacts.0
    loc = [
        part
        for i, part in enumerate(raw)
        if not (i == 2 and raw[0] == "body" and raw[1].isdigit() and part in _BLOCK_TAGS)
    ]
    path = ".".join(loc) or None
    line = None
    for depth in range(len(loc), 0, -1):
        key = ".".join(loc[:depth])
        if key in lines:
            line = lines[key]
            break
    message = str(first["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    given = first.get("input")
    if isinstance(given, str | int | float) and first["type"] not in ("missing",):
        shown = repr(given) if len(repr(given)) <= 80 else repr(given)[:77] + "..."
        message = f"{shown}: {message}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return RecordInvalid(message, file=source, line=line, field=path)


def assemble(fields: Fields, *, headline_for_kind: str) -> Appeal:
    """Fill in the inferred fields (kind, inferred topics) and validate the appeal."""
    data = dict(fields.data)
    body: tuple[Block, ...] = data.get("body", ())
    texts = block_texts(body)
    if "kind" not in data:
        data["kind"] = infer_kind(headline_for_kind, "\n".join(texts))
    data["inferred_topics"] = infer_topics(
        [str(data.get("title", "")), str(data.get("summary", "")), *texts]
    )
    try:
        return Appeal.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(exc, source=fields.source, lines=fields.lines) from exc


def import_result(fields: Fields, appeal: Appeal, body_lines: Mapping[str, int]) -> ImportResult:
    """The result of a seed or native import: the lines of every field read, then the body's."""
    lines = {name: line for name, line in fields.lines.items() if line is not None}
    lines.update(body_lines)
    check_record(appeal, source=fields.source, line_of=record_lines(lines))
    return ImportResult(appeal, tuple(fields.warnings), lines)


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Hashtags without '#', first spelling kept, repeats (in any case) dropped."""
    seen: dict[str, str] = {}
    for tag in tags:
        bare = tag.strip().lstrip("#")
        if bare:
            seen.setdefault(bare.casefold(), bare)
    return tuple(seen.values())
