"""The script engine: every condition, script and timer goes through the sandbox, never exec/eval."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway

from engine.spiff.expressions import check_expression, evaluate_condition, evaluate_expression
from engine.spiff.isolation import execute_python
from engine.spiff.listeners import run_script_task
from engine.spiff.sandbox import DEFAULT_TIMEOUT, SandboxError
from engine.spiff.specs import ServiceHandler


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """A script environment: JUEL for `${}`/`#{}` expressions, the sandbox for bare Python and scripts."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__({})
        self.timeout = timeout

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> Any:
        """Evaluate an expression with the task data in scope (`execution.setVariable` writes it)."""
        variables = {**(external_context or {}), **context}
        return evaluate_expression(expression, variables, self.timeout, writable=context)

    def evaluate_condition(
        self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        """Evaluate a sequence-flow condition (JUEL must yield a Boolean, as in Camunda)."""
        variables = {**(external_context or {}), **context}
        return evaluate_condition(expression, variables, self.timeout, writable=context)

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        """Run a script; replace the task data with the script's (JSON-clean) variables."""
        self.run_script(script, context, external_context)
        return True

    def run_script(
        self,
        script: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
        delegate_context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run a script in a worker; its variables replace the task data; return `execution`'s changes."""
        external = external_context or {}
        result, changes = execute_python(script, {**external, **context}, self.timeout, delegate_context)
        for name in external:
            if name not in context and result.get(name) == external[name]:
                result.pop(name, None)
        context.clear()
        context.update(result)
        return changes

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        """Refuse: service tasks go through ExternalServiceTask and the platform's handler."""
        raise NotImplementedError("service tasks are external tasks handled by the platform")


class FlowdeskScriptEngine(PythonScriptEngine):
    """PythonScriptEngine on the sandbox; carries the service handler during `advance`."""

    def __init__(
        self, timeout: float = DEFAULT_TIMEOUT, service_handler: ServiceHandler | None = None
    ) -> None:
        super().__init__(environment=SandboxEnvironment(timeout))
        self.timeout = timeout
        self.service_handler = service_handler

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression for a task; a failure names the expression and the reason."""
        try:
            # A gateway evaluates nothing but the conditions of its outgoing flows.
            if isinstance(task.task_spec, (ExclusiveGateway, InclusiveGateway)):
                return self.environment.evaluate_condition(expression, task.data, external_context)
            return self.environment.evaluate(expression, task.data, external_context)
        except SandboxError as exc:
            message = f"expression {expression.strip()!r} failed: {exc.message}"
            raise WorkflowTaskException(message, task=task, exception=exc) from exc

    def execute(self, task: Any, script: str, external_context: dict[str, Any] | None = None) -> bool:
        """Run a script task's script; a failure carries the sandbox's message (with the line)."""
        try:
            return run_script_task(self, task, script, external_context)
        except SandboxError as exc:
            raise WorkflowTaskException(f"script failed: {exc.message}", task=task, exception=exc) from exc

    def validate(self, expression: str) -> None:
        """Parse an expression (JUEL, or bare Python); raise SandboxError when it does not parse."""
        problem = check_expression(expression)
        if problem:
            raise SandboxError(problem)
