"""DMN decision tables as Camunda 7 evaluates them: parse and check at deploy, evaluate bounded.

model (parse + compile, DmnError naming decision/rule/column) -> evaluate (hit policies) ->
results (camunda:mapDecisionResult). feel: unary tests; expressions: JUEL inputs/outputs.
Pure Python over lxml and the engine's JUEL evaluator: no SpiffWorkflow, no database.
"""
from engine.dmn.evaluate import evaluate
from engine.dmn.model import Decision, DmnError, parse_decisions
from engine.dmn.results import MAPPINGS, map_result

__all__ = ["MAPPINGS", "Decision", "DmnError", "evaluate", "map_result", "parse_decisions"]
