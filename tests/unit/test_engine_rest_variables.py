"""Camunda's typed variables to plain values and back (/engine-rest)."""
from __future__ import annotations

import pytest

from errors import ValidationError
from web.engine_rest.variables import to_plain, to_typed


def test_typed_variables_become_plain_values():
    assert to_plain({
        "n": {"value": 3, "type": "Integer"}, "big": {"value": 2**40, "type": "Long"},
        "s": {"value": "x", "type": "String"}, "ok": {"value": True, "type": "Boolean"},
        "j": {"value": '{"a": [1]}', "type": "Json"}, "none": {"type": "Null"},
        "untyped": {"value": 1.5}, "obj": {"value": {"k": 1}}}) == {
        "n": 3, "big": 2**40, "s": "x", "ok": True, "j": {"a": [1]}, "none": None,
        "untyped": 1.5, "obj": {"k": 1}}
    assert to_plain(None) == {}


def test_bad_variables_are_named():
    with pytest.raises(ValidationError) as caught:
        to_plain({"a": {"value": "1", "type": "Integer"}, "b": {"value": "{", "type": "Json"},
                  "c": {"value": 1, "type": "Bytes"}, "d": 5}, "localVariables")
    assert set(caught.value.fields) == {"localVariables.a", "localVariables.b", "localVariables.c",
                                        "localVariables.d"}
    with pytest.raises(ValidationError):
        to_plain([1])


def test_plain_values_go_out_typed():
    out = to_typed({"n": 1, "l": 2**40, "f": 0.5, "b": False, "s": "t", "x": None, "o": {"a": 1}})
    assert {k: v["type"] for k, v in out.items()} == {
        "n": "Integer", "l": "Long", "f": "Double", "b": "Boolean", "s": "String", "x": "Null", "o": "Json"}
    assert out["o"]["value"] == '{"a": 1}'
