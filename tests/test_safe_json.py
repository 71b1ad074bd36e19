"""arcadium.safe_json.loads: the JSON of json.loads, but never deeper than the bound and never an
exception other than JSONError, whatever the bytes."""

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcadium.safe_json import MAX_DEPTH, JSONError, loads, nesting_depth

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.characters(), max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=20,
)


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_it_parses_what_json_parses_and_measures_its_depth(value):
    raw = json.dumps(value, ensure_ascii=False).encode()
    assert nesting_depth(raw) == depth_of(value)
    assert loads(raw) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_json_error(raw):
    with contextlib.suppress(JSONError):
        loads(raw)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=MAX_DEPTH + 1, max_value=5000), st.sampled_from(["[", '{"a":']))
def test_too_deep_is_refused(depth, opener):
    with pytest.raises(JSONError, match="nested deeper"):
        loads(opener * depth)


def test_two_hundred_thousand_levels_are_refused_without_recursion():
    with pytest.raises(JSONError, match="nested deeper"):
        loads(b"[" * 200_000 + b"]" * 200_000)


def test_brackets_inside_strings_do_not_count():
    assert loads(json.dumps({"note": "[[[[{{{{" * 100})) == {"note": "[[[[{{{{" * 100}
