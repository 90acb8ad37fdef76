"""indented_json writes what json.dumps(ensure_ascii=False, indent=2) writes, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.channel.jsontext import indented_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_KEYS = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_VALUES)
def test_same_text_as_json(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [{}]},
        {"text": 'a \u2028 b " \\ \n \x00 é 😀 <&>', "weight": 12, "media": []},
        [float("nan"), float("inf"), -float("inf"), -0.0, 1e300, 0.1],
        {2: "int", 1.5: "float", True: "bool", False: "no", None: "none"},
    ],
)
def test_edges(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("value", [{"a": object()}, [b"bytes"], {(1, 2): "tuple key"}])
def test_refuses_what_json_refuses(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        indented_json(value)
