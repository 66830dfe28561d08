"""engine.spiff.script_pool: hard time and memory limits per evaluation, recovery, guards in the worker."""

from __future__ import annotations

import os
import signal
import threading
from datetime import date, datetime, timedelta

import pytest

from engine.spiff import isolation, script_pool
from engine.spiff.bounded import is_bounded
from engine.spiff.expressions import evaluate_condition
from engine.spiff.sandbox import Record, SandboxError
from engine.spiff.scripting import run_script
from tests.unit.engine.test_sandbox import ESCAPES

C_LOOP = "x = sum(range(6 * 10**9))"


@pytest.fixture(scope="module")
def pool():
    """One worker, so the test knows which process ran a job."""
    made = script_pool.ScriptPool(1, 256)
    yield made
    made.close()


def pids(pool: script_pool.ScriptPool) -> list[int]:
    return [worker.proc.pid for worker in pool.idle]


def run(pool: script_pool.ScriptPool, source: str, timeout: float = 0.5, **variables) -> dict:
    return pool.call({"op": "execute", "source": source, "variables": variables}, timeout)


def test_a_normal_script_returns_its_variables(pool):
    reply = run(pool, "total = sum(x * 2 for x in items)\nname = name.upper()", items=[1, 2, 3], name="ab")
    assert reply["result"] == {"items": [1, 2, 3], "name": "AB", "total": 12}


def test_a_c_level_loop_is_killed_at_the_deadline_and_the_worker_replaced(pool):
    before = pids(pool)
    with pytest.raises(SandboxError, match=r"^time limit of 0.5 s exceeded$"):
        run(pool, C_LOOP)
    after = pids(pool)
    assert len(after) == 1 and after != before
    with pytest.raises(ProcessLookupError):
        os.kill(before[0], 0)  # killed and reaped
    assert run(pool, "y = 2")["result"] == {"y": 2}


def test_a_python_loop_stops_at_the_time_limit_in_the_worker_which_stays(pool):
    before = pids(pool)
    with pytest.raises(SandboxError, match="time limit of 0.5 s exceeded"):
        run(pool, "while True:\n    pass")
    assert pids(pool) == before


@pytest.mark.parametrize("bomb", ["x = 'a' * 10**10", "x = [0] * 10**10",
                                  "x = []\nwhile True:\n    x.append('a' * 10**6)"])
def test_a_memory_bomb_stops_with_a_memory_error(pool, bomb):
    with pytest.raises(SandboxError, match=r"^memory limit of 256 MB exceeded$"):
        run(pool, bomb, timeout=5.0)
    assert run(pool, "y = 3")["result"] == {"y": 3}


@pytest.mark.parametrize("source", ESCAPES)
def test_escapes_are_refused_inside_the_worker_too(pool, source):
    # Sent as a raw job: the worker compiles and guards it itself.
    with pytest.raises(SandboxError):
        pool.call({"op": "evaluate", "source": source, "variables": {"record": {"title": "x"}}}, 1.0)


def test_a_killed_worker_is_an_error_for_that_evaluation_and_the_pool_recovers(pool):
    errors: list[str] = []

    def long_job() -> None:
        try:
            run(pool, C_LOOP, timeout=30.0)
        except SandboxError as exc:
            errors.append(exc.message)

    (worker,) = pool.idle
    thread = threading.Thread(target=long_job)
    thread.start()
    while pool.idle:  # the job has borrowed the worker
        threading.Event().wait(0.01)
    threading.Event().wait(0.3)
    os.kill(worker.proc.pid, signal.SIGSEGV)
    thread.join(30)
    assert errors == ["the script's worker process stopped (signal SIGSEGV)"]
    assert run(pool, "y = 4")["result"] == {"y": 4}


def test_values_keep_their_types_on_the_way_there_and_back(pool):
    variables = {"when": datetime(2026, 1, 2, 3, 4), "day": date(2026, 1, 2), "gap": timedelta(hours=1),
                 "record": Record(title="T"), "pair": (1, 2), "tags": {"a"}}
    found = isolation.evaluate_python("[when, day, gap, record.title, pair, tags, [n for n in pair]]",
                                      variables, 1.0)
    assert found == [variables["when"], variables["day"], variables["gap"], "T", (1, 2), {"a"}, [1, 2]]


def test_listener_scripts_still_get_execution_and_task():
    source = 'execution.setVariable("seen", [v for v in tags])\ntask.setAssignee("bo")\nz = 1'
    outcome = run_script("python", source, {"tags": ["a", "b"]}, context={"element": "E"},
                         task={"assignee": None})
    assert outcome.set == {"seen": ["a", "b"], "z": 1} and outcome.task == {"assignee": "bo"}


def test_an_unbounded_expression_runs_in_a_worker():
    before = pids(script_pool.pool())
    with pytest.raises(SandboxError, match="time limit of 0.5 s exceeded"):
        evaluate_condition("sum(range(6 * 10**9)) > 0", {}, 0.5)
    assert set(pids(script_pool.pool())) != set(before)  # the busy one was killed and replaced


@pytest.mark.parametrize("source", ["amount > 1000", "status == 'won' and record.title.lower() != ''",
                                    "x * 1.5 >= limit", "len(tags) > 0 if tags else False",
                                    "f'{a}-{b}'", "record.get('x') in ('a', 'b')"])
def test_cheap_expressions_stay_in_process(source):
    assert is_bounded(source)


@pytest.mark.parametrize("source", ["[x for x in items]", "'a' * n", "sum(range(10))", "x ** y",
                                    "'%999999999d' % 1", "f'{a:>99999999}'", "(lambda: 1)()",
                                    "sorted(items)", "1 << n", "', '.join(items)", "(y := 1)"])
def test_expressions_that_could_loop_or_allocate_go_to_a_worker(source):
    assert not is_bounded(source)


def test_a_forked_process_gets_its_own_pool():
    script_pool.pool()  # the parent's pool exists
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        ok = False
        try:
            ok = isolation.execute_python("y = 5", {}, 5.0)[0] == {"y": 5}
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert isolation.execute_python("y = 6", {}, 5.0)[0] == {"y": 6}


def test_a_script_task_memory_bomb_puts_the_instance_in_error_naming_the_element():
    from tests.unit.engine.test_spiff_scripts import run_script as run_script_task

    result, _ = run_script_task("x = 'a' * 10**10", "python")
    assert result.status == "error"
    assert "Calc" in result.errors[0]["message"]
    assert "script failed: memory limit of 256 MB exceeded" in result.errors[0]["message"]


def test_a_script_task_c_level_loop_puts_the_instance_in_error_at_the_time_limit():
    from tests.unit.engine.test_spiff_scripts import run_script as run_script_task

    result, workflow = run_script_task("x = sum(range(6 * 10**9))", "python")
    assert result.status == "error", result
    assert "script failed: time limit of 1 s exceeded" in result.errors[0]["message"]
    assert not workflow.is_completed()


def test_a_script_task_still_sets_variables_through_execution_and_assignments():
    from tests.unit.engine.test_spiff_scripts import run_script as run_script_task

    source = 'execution.setVariable("total", record["amount"] * 2)\nseen = [t for t in tags]'
    result, _ = run_script_task(source, "python")
    assert result.status == "completed", result.errors
    assert result.data["total"] == 241.0 and result.data["seen"] == ["a"]


def test_a_result_too_large_to_read_back_is_an_error_and_the_pool_recovers(pool):
    with pytest.raises(SandboxError, match="larger than 32 MB"):
        run(pool, "x = 'a' * (40 * 1024 * 1024)", timeout=5.0)
    assert run(pool, "y = 5")["result"] == {"y": 5}


def test_threads_share_the_pool_each_getting_its_own_answer():
    shared = script_pool.ScriptPool(2, 256)
    answers: dict[int, list] = {}

    def caller(n: int) -> None:
        answers[n] = [shared.call({"op": "execute", "source": "y = x * 2", "variables": {"x": n * 100 + k}},
                                  5.0)["result"]["y"] for k in range(10)]

    try:
        threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        shared.close()
    assert answers == {n: [(n * 100 + k) * 2 for k in range(10)] for n in range(4)}
