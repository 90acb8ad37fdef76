"""load_appeal dispatch, find_inputs, ImportResult."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.errors import RecordInvalid
from publisher.importers import ImportResult, find_inputs, load_appeal, parse_appeal, sniff

SEED = """```yaml
area: A
title: T | Org
url: https://e.org/news/t/
```

13:53 02/04/2020

Body text.
"""
NATIVE = """---
title: T
area: A
url: https://e.org/news/t/
published: 13:53 02/04/2020
---

Body text.
"""


def test_sniff() -> None:
    assert sniff("\ufeff  ```yaml\n") == "seed"
    assert sniff("---\n") == "native"
    assert sniff(' {"a": 1}') == "json"
    assert sniff("Hello") is None


def test_load_appeal_dispatches_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SEED, encoding="utf-8")
    (tmp_path / "b.md").write_text(NATIVE, encoding="utf-8")
    (tmp_path / "c.markdown").write_text(NATIVE, encoding="utf-8")
    appeal = load_appeal(tmp_path / "a.txt").appeal
    (tmp_path / "d.json").write_text(appeal.to_json(), encoding="utf-8")
    (tmp_path / "e.seed").write_text(SEED, encoding="utf-8")
    (tmp_path / "f.text").write_text(NATIVE, encoding="utf-8")
    for name in ("a.txt", "b.md", "c.markdown", "d.json", "e.seed", "f.text"):
        result = load_appeal(tmp_path / name)
        assert isinstance(result, ImportResult)
        assert result.appeal.title == "T", name
    assert load_appeal(tmp_path / "a.txt").appeal.source == str(tmp_path / "a.txt")
    assert load_appeal(tmp_path / "d.json").appeal == appeal


def test_suffix_wins_over_content(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text(SEED, encoding="utf-8")
    with pytest.raises(RecordInvalid, match="front matter"):
        load_appeal(tmp_path / "x.md")


def test_windows_1252_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_bytes(SEED.replace("Body text.", "Caf\u00e9 \u2013 open.").encode("cp1252"))
    result = load_appeal(path)
    assert result.appeal.body[0].text == "Café – open."  # type: ignore[union-attr]
    (warning,) = result.warnings
    assert "not UTF-8" in warning.message and warning.line == 9


def test_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.encode())
    assert load_appeal(path).warnings == ()


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RecordInvalid) as info:
        load_appeal(tmp_path / "missing.txt")
    assert info.value.file == str(tmp_path / "missing.txt")


def test_error_message_format() -> None:
    with pytest.raises(RecordInvalid) as info:
        parse_appeal(SEED.replace("02/04", "31/02"), source="seeds/x.txt")
    assert str(info.value) == "seeds/x.txt:7: [published_at] 31/02/2020 is not a real date"


def test_find_inputs(tmp_path: Path) -> None:
    for name in (
        "b/2.md",
        "b/1.txt",
        "b/deep/3.json",
        "b/deep/4.markdown",
        "b/skip.png",
        "b/.hidden.txt",
        "b/.git/x.txt",
        "a.txt",
        "note.yaml",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = find_inputs([tmp_path / "b", tmp_path / "a.txt", tmp_path / "b" / "1.txt"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "b/1.txt",
        "b/2.md",
        "b/deep/3.json",
        "b/deep/4.markdown",
        "a.txt",
    ]
    assert find_inputs([tmp_path / "note.yaml"]) == [tmp_path / "note.yaml"]  # named: kept
    with pytest.raises(RecordInvalid, match="no such file"):
        find_inputs([tmp_path / "nope"])
