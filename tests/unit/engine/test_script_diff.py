"""A script task's round trip: only the variables its code names go out, only its changes come back."""

from __future__ import annotations

import pytest

from engine.spiff import isolation, script_pool
from engine.spiff.sandbox import SandboxError, execute
from engine.spiff.script_worker import changes_of

DATA = {"record": {"id": 7, "title": "T", "tags": ["a"]}, "n": 1, "gone": 2, "_hidden": 3}


@pytest.fixture(autouse=True)
def _pool():
    yield
    script_pool.shutdown()


def test_the_result_is_the_same_as_running_it_in_process():
    source = "n = n + 1.0\ndel gone\nfresh = [record['id'], len(record['tags'])]"
    result, _ = isolation.execute_python(source, dict(DATA), 5.0, {"id": "t"})
    assert result == execute(source, dict(DATA))
    assert type(result["n"]) is float and "_hidden" not in result and "gone" not in result


def test_only_the_named_variables_travel(monkeypatch):
    sent, real = [], script_pool.call

    def spy(message: dict, timeout: float) -> dict:
        sent.append(message)
        return real(message, timeout)

    monkeypatch.setattr(script_pool, "call", spy)
    result, _ = isolation.execute_python("score = n + 1\ndef f():\n    return [t for t in record]", DATA, 5.0)
    assert set(sent[0]["variables"]) == {"n", "record"}
    assert result == {"record": DATA["record"], "n": 1, "gone": 2, "score": 2}
    isolation.execute_python("x = execution.getVariable('gone')", DATA, 5.0, {"id": "t"})
    assert set(sent[1]["variables"]) == set(DATA)  # `execution` may read any of them


def test_changes_are_strict_about_types():
    encoded = {"a": 1, "b": {"c": [1, True]}, "d": "x"}
    changed, removed = changes_of({"a": 1.0, "b": {"c": [1, 1]}, "e": None}, encoded)
    assert changed == {"a": 1.0, "b": {"c": [1, 1]}, "e": None} and removed == ["d"]
    assert changes_of({"a": 1, "b": {"c": [1, True]}, "d": "x"}, encoded) == ({}, [])


def test_a_reserved_variable_is_still_refused():
    with pytest.raises(SandboxError, match="typename"):
        isolation.execute_python("x = 1", {"typename": 1}, 5.0)
