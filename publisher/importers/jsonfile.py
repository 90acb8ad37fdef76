"""JSON records: exactly what :meth:`Appeal.to_json` writes, read back unchanged.

Errors name the field path (``body.3.spans.0.contact.value``) and the line it is on.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from publisher.domain.record import Appeal
from publisher.errors import RecordInvalid
from publisher.importers.common import translate_validation_error

__all__ = ["json_lines", "parse_json"]

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


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _scan(text: str, index: int, path: str, out: dict[str, int | None]) -> int:
    """Record the line of the value at ``index`` (and of everything in it) under ``path``."""
    index = _skip(text, index)
    if path:
        out[path] = _line_of(text, index)
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
            index = _scan(text, index, prefix + key, out)
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
            index = _scan(text, index, f"{prefix}{position}", out)
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
    _scan(text, 0, "", out)
    return out


def parse_json(text: str, *, source: str | None = None) -> Appeal:
    """Parse an appeal record written by :meth:`Appeal.to_json`."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordInvalid(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=source, line=exc.lineno
        ) from exc
    try:
        return Appeal.model_validate_json(text)
    except ValidationError as exc:
        raise translate_validation_error(exc, source=source, lines=json_lines(text)) from exc
