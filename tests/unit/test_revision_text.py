"""Revisions as text, and the line diff between two of them (``publisher.services.history``)."""

from __future__ import annotations

from pathlib import Path

from publisher.domain.record import Appeal
from publisher.services.history import diff_lines, revision_text

SAMPLE = Appeal.from_json(
    (Path(__file__).resolve().parents[1] / "fixtures" / "sample.json").read_text(encoding="utf-8")
)


def _changed(appeal: Appeal, **changes: object) -> Appeal:
    return Appeal.model_validate({**appeal.model_dump(), **changes})


def test_a_record_as_text_is_field_by_field_then_the_body() -> None:
    lines = revision_text(SAMPLE)
    assert lines[0] == "Title: Have you seen Sam Example?"
    assert "Published: 01:30 25/10/2020 BST" in lines
    assert "Updated: (none)" in lines  # an empty field is a line too
    assert "Hashtags: #FindSam" in lines
    body = lines[lines.index("Text:") + 1 :]
    assert body[0] == "Sam was last seen in Example Road at 11pm on Friday 23 October."
    assert "— DCI Jane Doe, from the Major Crime Unit" in body
    assert "- Call 101 quoting incident 123 of 23 October." in body
    assert "" not in body


def test_nothing_changed_is_no_lines() -> None:
    assert diff_lines(revision_text(SAMPLE), revision_text(SAMPLE)) == []


def test_a_changed_field_is_a_removed_and_an_added_line_with_its_words_marked() -> None:
    newer = _changed(SAMPLE, title="Have you seen Sam Example today?")
    lines = diff_lines(revision_text(SAMPLE), revision_text(newer))
    changed = [line for line in lines if line.change in ("added", "removed")]
    assert [(line.change, line.text) for line in changed] == [
        ("removed", "Title: Have you seen Sam Example?"),
        ("added", "Title: Have you seen Sam Example today?"),
    ]
    removed, added = changed
    assert removed.before == 1 and removed.after is None
    assert added.after == 1 and added.before is None
    assert [text for text, marked in added.parts if marked] == ["Example today?"]
    assert [text for text, marked in removed.parts if marked] == ["Example?"]
    # Three unchanged lines follow, then the rest is folded into one line that counts them.
    assert [line.change for line in lines[2:6]] == ["same", "same", "same", "folded"]
    total = len(revision_text(SAMPLE))
    assert lines[5].folded == total - 1 - 3
    assert len(lines) == 6


def test_lines_added_to_the_body_and_from_nothing() -> None:
    body = (*SAMPLE.body, SAMPLE.body[0])
    newer = _changed(SAMPLE, body=body)
    lines = diff_lines(revision_text(SAMPLE), revision_text(newer))
    assert [line.change for line in lines if line.change != "same"][-1] == "added"
    assert lines[-1].text == revision_text(SAMPLE)[revision_text(SAMPLE).index("Text:") + 1]
    first = diff_lines([], revision_text(SAMPLE))
    assert {line.change for line in first} == {"added"}
    assert len(first) == len(revision_text(SAMPLE))
