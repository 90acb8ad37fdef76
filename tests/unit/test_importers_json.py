"""JSON records: exactly Appeal.to_json(), round-tripped; errors name the field path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.domain.record import Appeal
from publisher.errors import RecordInvalid
from publisher.importers import parse_appeal
from publisher.importers.jsonfile import json_lines

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample.json"


def test_round_trip_is_exact() -> None:
    appeal = Appeal.from_json(SAMPLE.read_text(encoding="utf-8"))
    result = parse_appeal(appeal.to_json(), source="elsewhere.json")
    assert result.appeal == appeal
    assert result.appeal.source == appeal.source  # the record's own source is kept
    assert result.appeal.to_json() == appeal.to_json()
    assert result.warnings == ()


def test_json_is_sniffed() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert parse_appeal(text, source="x").appeal.id == "missing-woman-sam-example"


def _error(text: str) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as info:
        parse_appeal(text, source="x.json", fmt="json")
    return info.value


def test_syntax_error_names_the_line() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace('"revision": 1,', '"revision": 1,,')
    error = _error(text)
    assert error.line == 3 and "not valid JSON" in str(error)


def test_invalid_nested_value_names_the_path_and_line() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace('"value": "+448082000247"', '"value": ""')
    error = _error(text)
    assert error.field == "body.3.contacts.0.value"
    line = text.splitlines()[error.line - 1] if error.line else ""
    assert '"value": ""' in line


def test_invalid_top_level_value() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        '"published_at": "2020-10-25T00:30:00Z"', '"published_at": "2020-10-25T00:30:00"'
    )
    error = _error(text)
    assert (error.field, error.line) == ("published_at", 11)
    assert "timezone" in str(error)


def test_unknown_field() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace('"revision": 1,', '"revison": 1,')
    error = _error(text)
    assert error.field == "revison" and error.line == 3


def test_json_lines_maps_paths() -> None:
    lines = json_lines('{\n  "a": [\n    1,\n    {"b": "x"}\n  ],\n  "c": {}\n}')
    assert lines == {"a": 2, "a.0": 3, "a.1": 4, "a.1.b": 4, "c": 6}
