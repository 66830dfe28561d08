"""Schemathesis against the live app: every documented operation, every answer checked against the document.

Each operation runs with positive and negative data, once with generated path ids and once with
ids that exist (`known`), a few derandomized examples each. Failures are collected, not raised,
so one run lists every mismatch.
"""
from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Finding:
    operation: str
    check: str
    status: int
    title: str
    request: str
    body: str

    def line(self) -> str:
        head = f"{self.operation} [{self.check}] {self.status} {self.title}"
        return f"{head}\n    {self.request}\n    -> {self.body}"


@dataclass
class FuzzReport:
    operations: int = 0
    examples: int = 0
    statuses: Counter = field(default_factory=Counter)
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    unsatisfiable: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.setdefault((finding.operation, finding.check, finding.title), finding)

    def server_errors(self) -> list[Finding]:
        return [f for f in self.findings.values() if f.status >= 500 or f.check == "not_a_server_error"]

    def summary(self) -> str:
        kinds = dict(Counter(f.check for f in self.findings.values()))
        statuses = dict(sorted(self.statuses.items()))
        late = f", not reached in the time budget: {len(self.skipped)}" if self.skipped else ""
        return (f"schemathesis: {self.operations} operations, {self.examples} examples, "
                f"{len(self.findings)} distinct failures {kinds}, answers by status {statuses}{late}")


def _request(case) -> str:
    return f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"


def _findings(exc: BaseException, operation: str, case, response) -> list[Finding]:
    failures = list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]
    text = response.text[:300] if response is not None else ""
    status = response.status_code if response is not None else 500
    return [Finding(operation, getattr(f, "check_name", None) or type(f).__name__, status,
                    (getattr(f, "title", "") or str(f))[:200], _request(case), text) for f in failures]


def _run_operation(operation, mode: GenerationMode, report: FuzzReport, *, headers: dict,
                   max_examples: int, after_each: Callable[[], None], path: dict | None) -> None:
    @settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    def each(case) -> None:
        report.examples += 1
        response = None
        try:
            response = case.call(headers=headers)
            report.statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:  # collected, not raised: every operation runs
            for finding in _findings(exc, operation.label, case, response):
                report.add(finding)
        except Exception as exc:  # a crash: the WSGI transport re-raises what Flask answers 500 to
            report.statuses[500] += 1
            frames = traceback.extract_tb(exc.__traceback__)[::-1][:4]
            where = " < ".join(f"{f.filename}:{f.lineno}" for f in frames)
            report.add(Finding(operation.label, "server exception", 500, repr(exc)[:200], _request(case),
                               where))
        finally:
            after_each()

    try:
        each()
    except Unsatisfiable:  # negative data for an operation without inputs: nothing to break
        report.unsatisfiable += 1


def _known_path(operation, known: dict[str, object]) -> dict | None:
    """Path parameters set to things that exist (generated ids nearly always answer 404)."""
    names = [p.name for p in operation.path_parameters]
    if not names or any(name not in known for name in names):
        return None
    return {name: known[name] for name in names}


def fuzz_api(app, token: str, *, known: dict[str, object], max_examples: int = 4,
             budget_seconds: float = 240.0, after_each: Callable[[], None] = lambda: None,
             only: str = "") -> FuzzReport:
    """Every operation of /api/v1/openapi.json (whose label contains `only`) until the budget is spent."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # We send the token: generated or broken Authorization headers would only ever test the 401.
    schema.config.generation.update(with_security_parameters=False)
    report, started = FuzzReport(), time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletions last, so the known records still exist for the other operations.
    for operation in sorted(operations, key=lambda o: o.method.upper() == "DELETE"):
        if only not in operation.label:
            continue
        if time.monotonic() - started > budget_seconds:
            report.skipped.append(operation.label)
            continue
        report.operations += 1
        path = _known_path(operation, known)
        for mode in MODES:
            for fixed in (None, path) if path else (None,):
                _run_operation(operation, mode, report, headers=headers, max_examples=max_examples,
                               after_each=after_each, path=fixed)
    return report
