"""engine.spiff.sandbox: known escape attempts fail, time limits hold, results are JSON-clean."""

from __future__ import annotations

import sys
import threading
import time
from datetime import date, datetime

import pytest

from engine.spiff.sandbox import (
    Record,
    SandboxError,
    compile_expression,
    compile_script,
    evaluate,
    execute,
)

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    '"{0.__class__}".format(1)',
    '"{a.__class__}".format_map({"a": 1})',
    'str.format("{0.__class__}", 1)',
    "(x for x in [1]).gi_frame.f_globals",
    "(x for x in [1]).gi_frame",
    "(lambda: 1).__code__",
    "(lambda: 1).__globals__",
    'getattr(1, "__class__")',
    "type(1)",
    'open("/etc/passwd")',
    '__import__("os")',
    "globals()",
    "locals()",
    "vars()",
    "dir()",
    'eval("1")',
    'exec("x = 1")',
    'compile("1", "f", "eval")',
    "[].__class__",
    "(lambda f=().__class__: f)()",
    "(lambda f=[].append: f)().__self__",
    "now.__globals__",
    "datetime.now.__self__",
    "json_dumps.__globals__['json']",
    "sorted.__self__",
    "record.__class__",
    "record.__dict__",
    "[].append.__self__.__class__",
    "isinstance.__self__",
    "datetime.__subclasses__()",
    "__builtins__",
    "_getattr_",
    "help()",
    "breakpoint()",
    "memoryview(b'')",
    "setattr(record, 'x', 1)",
    "delattr(record, 'title')",
    "(1).__class__",
    "date.today().__class__",
    "record.items.__self__",
    "str.mro()",
    "dict.fromkeys([1])",
    "datetime.now().tzinfo.utcoffset.__self__",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_attempts_fail(source: str) -> None:
    with pytest.raises(SandboxError):
        evaluate(source, {"record": Record(title="x")})


SCRIPT_ESCAPES = [
    "import os",
    "from os import path",
    "class A:\n    pass",
    "global x\nx = 1",
    "def f():\n    yield 1\ng = f()\nframe = g.gi_frame",
    "import random\nos = random._os",
    "try:\n    x = 1\nexcept:\n    pass",
    "try:\n    x = 1\nfinally:\n    pass",
    "with open('/etc/passwd') as f:\n    pass",
    "x = record\nx.__dict__['y'] = 1",
    "record.title = 'changed'",
    "(1).real = 2",
    "f = lambda: 0\nf.__code__ = None",
]


@pytest.mark.parametrize("source", SCRIPT_ESCAPES)
def test_script_escape_attempts_fail(source: str) -> None:
    with pytest.raises(SandboxError):
        execute(source, {"record": Record(title="x")})


def test_module_attributes_are_refused_even_if_a_module_is_passed_in() -> None:
    import random

    with pytest.raises(SandboxError):
        evaluate("random._os", {"random": random})
    with pytest.raises(SandboxError, match="not allowed"):
        evaluate("random.os", {"random": random})


@pytest.mark.parametrize(
    "source",
    [
        "while True: pass",
        "while 1:\n    pass",
        "x = 0\nwhile True:\n    x += 1",
        "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass",
        "[x for x in range(10**12)]",
    ],
)
def test_time_limit_stops_endless_loops(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"time limit of 0.2 s exceeded"):
        execute(source, {}, timeout=0.2)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    return f()\nf()",
        "def f():\n    return f()\ntry:\n    f()\nexcept Exception:\n    while True: pass",
        "def f(n):\n    return f(n + 1) if n < 10**6 else n\ntry:\n    f(0)\nexcept RuntimeError:\n    pass",
    ],
)
def test_deep_recursion_is_stopped_before_it_can_disable_the_time_limit(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxError, match="nested deeper than"):
        execute(source, {}, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_moderate_recursion_works() -> None:
    assert (
        execute("def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\nx = fact(20)", {})["x"]
        == 2432902008176640000
    )


def test_time_limit_in_expressions_and_worker_threads() -> None:
    errors: list[str] = []

    def worker() -> None:
        try:
            evaluate("sum(x for x in range(10**12))", {}, timeout=0.2)
        except SandboxError as exc:
            errors.append(exc.message)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert errors == ["time limit of 0.2 s exceeded"]


def test_previous_trace_function_is_restored() -> None:
    calls: list[str] = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        assert evaluate("1 + 1", {}) == 2
        with pytest.raises(SandboxError):
            execute("while True: pass", {}, timeout=0.05)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_records_read_as_attributes_and_items() -> None:
    record = Record(title="ACME", amount=5, tags=["a"])
    assert evaluate('record.title + "!"', {"record": record}) == "ACME!"
    assert evaluate('record["amount"] * 2', {"record": record}) == 10
    assert evaluate('record.get("missing", 1)', {"record": record}) == 1
    assert evaluate("record.title", {"record": {"title": "plain dict"}}) == "plain dict"
    assert record.title == "ACME"
    with pytest.raises(SandboxError, match="no field 'missing'"):
        evaluate("record.missing", {"record": record})


def test_allowed_builtins_and_helpers() -> None:
    variables = {"items": [3, 1, 2], "name": " Ann "}
    assert evaluate("sorted(items)", variables) == [1, 2, 3]
    assert evaluate("max(items) + min(items) + sum(items) + len(items)", variables) == 13
    assert evaluate("name.strip().upper()", variables) == "ANN"
    assert evaluate("any(i > 2 for i in items) and all(isinstance(i, int) for i in items)", variables)
    assert evaluate("[i for i, pair in enumerate(zip(items, items))]", variables) == [0, 1, 2]
    assert evaluate("(today() + timedelta(days=1)) > today()", {})
    assert evaluate("now().tzinfo is not None", {})
    assert evaluate("date.fromisoformat('2024-01-02').year", {}) == 2024
    assert evaluate("json_loads(json_dumps({'a': 1}))", {}) == {"a": 1}
    assert evaluate('"%s-%d" % ("a", 1)', {}) == "a-1"
    assert evaluate('f"{name.strip()}!"', variables) == "Ann!"


def test_execute_returns_json_clean_variables() -> None:
    source = (
        "total = sum(items)\n"
        "unique = {1, 2}\n"
        "when = date(2024, 1, 2)\n"
        "stamp = datetime(2024, 1, 2, 3, 4)\n"
        "def helper():\n"
        "    return 1\n"
        "items.append(4)\n"
        "data = {'k': (1, 2)}\n"
    )
    before = {"items": [1, 2], "keep": "me"}
    result = execute(source, before)
    assert result == {
        "items": [1, 2, 4],
        "keep": "me",
        "total": 3,
        "unique": [1, 2],
        "when": "2024-01-02",
        "stamp": "2024-01-02T03:04:00",
        "data": {"k": [1, 2]},
    }
    assert before == {"items": [1, 2], "keep": "me"}, "the caller's variables are not mutated"


def test_reserved_typename_key_is_refused() -> None:
    with pytest.raises(SandboxError, match="typename"):
        execute("typename = 1", {})
    with pytest.raises(SandboxError, match="typename"):
        execute("x = {'typename': 'BpmnWorkflow'}", {})


def test_errors_carry_the_line() -> None:
    with pytest.raises(SandboxError) as info:
        execute("a = 1\nb = a / 0\n", {})
    assert info.value.line == 2
    assert "ZeroDivisionError" in info.value.message
    with pytest.raises(SandboxError) as info:
        compile_script("x = 1\ny = (\n")
    assert "Line" in info.value.message
    with pytest.raises(SandboxError) as info:
        compile_expression("a +")
    assert info.value.line == 1


def test_compilation_is_cached() -> None:
    assert compile_expression("1 + 2") is compile_expression("1 + 2")
    assert compile_script("x = 1") is compile_script("x = 1")


def test_underscore_variables_are_not_visible() -> None:
    with pytest.raises(SandboxError):
        evaluate("_secret", {"_secret": 1})


def test_exceptions_raised_by_scripts_are_reported() -> None:
    with pytest.raises(SandboxError, match="ValueError: bad input"):
        execute("raise ValueError('bad input')", {})
    assert execute("try:\n    x = 1 / 0\nexcept ZeroDivisionError:\n    x = 0", {}) == {"x": 0}


def test_dates_in_results_are_strings() -> None:
    result = execute("d = today()\nt = now()", {})
    assert date.fromisoformat(result["d"])
    assert datetime.fromisoformat(result["t"]).tzinfo is not None
