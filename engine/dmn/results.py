"""`camunda:mapDecisionResult`: what a business rule task stores in its result variable."""
from __future__ import annotations

from typing import Any

from engine.dmn.model import DmnError

MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")


def map_result(result: list[dict[str, Any]], mapping: str | None) -> Any:
    """Camunda 7's mappers: resultList (default), singleResult, singleEntry, collectEntries."""
    mapping = mapping or "resultList"
    if mapping == "resultList":
        return result
    if mapping == "collectEntries":
        return [_only_entry(item, mapping) for item in result]
    if len(result) > 1:
        raise DmnError(f"the decision result has {len(result)} rule results: mapDecisionResult "
                       f"{mapping} allows at most one")
    if mapping == "singleResult":
        return result[0] if result else None
    if mapping == "singleEntry":
        return _only_entry(result[0], mapping) if result else None
    raise DmnError(f"unknown mapDecisionResult {mapping!r}; one of {', '.join(MAPPINGS)}")


def _only_entry(item: dict[str, Any], mapping: str) -> Any:
    if len(item) != 1:
        raise DmnError(f"a rule result has {len(item)} entries: mapDecisionResult {mapping} "
                       "allows exactly one")
    return next(iter(item.values()))
