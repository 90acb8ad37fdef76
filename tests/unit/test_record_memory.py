"""Records given the same fields share one set of their names, made or unpickled; copies and
equality are as before."""

from __future__ import annotations

import pickle
from pathlib import Path

from publisher.domain.record import Appeal, Span

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample.json"


def _fields_set(record: object) -> set[str]:
    found: set[str] = object.__getattribute__(record, "__pydantic_fields_set__")
    return found


def test_records_given_the_same_fields_share_one_set_of_names() -> None:
    one, two = Span(text="Call "), Span(text="999")
    assert _fields_set(one) is _fields_set(two) and one.model_fields_set == {"text"}
    linked = Span(text="999", href="tel:999")
    assert linked.model_fields_set == {"text", "href"}
    assert _fields_set(linked) is not _fields_set(one)


def test_unpickled_records_share_it_too_and_equal_what_was_pickled() -> None:
    appeal = Appeal.from_json(SAMPLE.read_text(encoding="utf-8"))
    again, other = pickle.loads(pickle.dumps(appeal)), pickle.loads(pickle.dumps(appeal))
    assert again == appeal and again.to_json() == appeal.to_json()
    assert _fields_set(again) is _fields_set(other) is _fields_set(appeal)
    assert again.model_fields_set == appeal.model_fields_set


def test_a_copy_with_changes_leaves_the_shared_set_alone() -> None:
    one = Span(text="Call ")
    copied = one.model_copy(update={"href": "tel:999"})
    assert copied.model_fields_set == {"text", "href"}
    assert one.model_fields_set == {"text"} and Span(text="x").model_fields_set == {"text"}
