"""JSON records: exactly what :meth:`Appeal.to_json` writes, read back unchanged.

Errors name the field path (``body.3.spans.0.contact.value``) and the line it is on.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from publisher.domain.record import Appeal
from publisher.errors import RecordInvalid
from publisher.importers.bounds import check_record
from publisher.importers.common import translate_validation_error
from publisher.importers.limits import LIMITS

__all__ = ["check_depth", "json_lines", "parse_json"]

_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


def scanstring(text: str, end: int) -> tuple[str, int]:
    """A JSON string whose opening quote is just before ``end``: its value and where it ends."""
    value, after = _DECODER.raw_decode(text, end - 1)
    return str(value), int(after)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


class _Lines:
    """The line of an index of ``text``, counted on from the last index asked (the scan asks
    in order), so that finding every value's line reads the text once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.line = 1

    def of(self, index: int) -> int:
        if index >= self.index:
            self.line += self.text.count("\n", self.index, index)
        else:
            self.line -= self.text.count("\n", index, self.index)
        self.index = index
        return self.line


def _scan(text: str, index: int, path: str, out: dict[str, int | None], lines: _Lines) -> int:
    """Record the line of the value at ``index`` (and of everything in it) under ``path``."""
    index = _skip(text, index)
    if path:
        out[path] = lines.of(index)
    char = text[index : index + 1]
    prefix = f"{path}." if path else ""
    if char == "{":
        index = _skip(text, index + 1)
        if text[index : index + 1] == "}":
            return index + 1
        while True:
            index = _skip(text, index)
            key, index = scanstring(text, index + 1)
            index = _skip(text, index) + 1  # the colon
            index = _scan(text, index, prefix + key, out, lines)
            index = _skip(text, index)
            if text[index] == "}":
                return index + 1
            index += 1  # the comma
    if char == "[":
        index = _skip(text, index + 1)
        if text[index : index + 1] == "]":
            return index + 1
        position = 0
        while True:
            index = _scan(text, index, f"{prefix}{position}", out, lines)
            index = _skip(text, index)
            position += 1
            if text[index] == "]":
                return index + 1
            index += 1
    if char == '"':
        return scanstring(text, index + 1)[1]
    return int(_DECODER.raw_decode(text, index)[1])


def json_lines(text: str) -> dict[str, int | None]:
    """The line of every value of a (valid) JSON document, by dotted path."""
    out: dict[str, int | None] = {}
    _scan(text, 0, "", out, _Lines(text))
    return out


_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def check_depth(text: str, *, source: str | None = None) -> None:
    """Refuse a JSON text whose arrays and objects nest deeper than the limit, before it is
    parsed (a deep one would overflow the parser's stack). One pass; strings are skipped."""
    depth = 0
    lines = _Lines(text)
    index = 0
    while (found := _STRUCTURE.search(text, index)) is not None:
        char = found.group()
        if char == '"':
            rest = _STRING_REST.match(text, found.end())
            if rest is None:
                return  # a string that never ends: the parser says so
            index = rest.end()
            continue
        index = found.end()
        if char in "[{":
            depth += 1
            if depth > LIMITS.depth:
                raise RecordInvalid(
                    f"the record is nested more than {LIMITS.depth} deep; the limit is "
                    f"{LIMITS.depth}",
                    file=source,
                    line=lines.of(found.start()),
                )
        else:
            depth -= 1


def parse_json(text: str, *, source: str | None = None) -> Appeal:
    """Parse an appeal record written by :meth:`Appeal.to_json`."""
    check_depth(text, source=source)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordInvalid(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=source, line=exc.lineno
        ) from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        message = str(exc).splitlines()[0] if str(exc) else "invalid value"
        raise RecordInvalid(f"not valid JSON: {message}", file=source) from exc
    try:
        appeal = Appeal.model_validate_json(text)
    except ValidationError as exc:
        raise translate_validation_error(exc, source=source, lines=json_lines(text)) from exc
    found: dict[str, int | None] = {}

    def line_of(path: str) -> int | None:
        if not found:
            found.update(json_lines(text))
        parts = path.split(".")
        while parts:
            line = found.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return None

    check_record(appeal, source=source, line_of=line_of)
    return appeal
