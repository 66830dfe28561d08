"""Build small DMN files for the tests (DMN 1.3, Camunda's namespace for camunda:*)."""
from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        'xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="defs" name="D" '
        'namespace="http://camunda.org/schema/1.0/dmn">')


def table(key: str, inputs: list[tuple[str, str]], outputs: list[tuple[str, str]], rules: list[tuple],
          hit_policy: str = "UNIQUE", aggregation: str | None = None,
          output_values: dict | None = None) -> str:
    """One decision: inputs [(expression, typeRef)], outputs [(name, typeRef)], rules [(tests, outputs)]."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    parts = [f'<decision id="{key}" name="{key} name">'
             f'<decisionTable id="{key}_t" hitPolicy="{hit_policy}"{agg}>']
    for i, (expression, type_ref) in enumerate(inputs):
        parts.append(f'<input id="{key}_i{i}" label="in{i}">'
                     f'<inputExpression id="{key}_e{i}" typeRef="{type_ref}">'
                     f"<text>{escape(expression)}</text></inputExpression></input>")
    for i, (name, type_ref) in enumerate(outputs):
        values = (output_values or {}).get(name)
        inner = f"<outputValues><text>{escape(values)}</text></outputValues>" if values else ""
        parts.append(f'<output id="{key}_o{i}" name="{name}" typeRef="{type_ref}">{inner}</output>')
    for r, rule in enumerate(rules):
        cells = [f"<inputEntry><text>{escape(t)}</text></inputEntry>" for t in rule[:len(inputs)]]
        cells += [f"<outputEntry><text>{escape(o)}</text></outputEntry>" for o in rule[len(inputs):]]
        parts.append(f'<rule id="{key}_r{r + 1}">{"".join(cells)}</rule>')
    return "".join(parts) + "</decisionTable></decision>"


def dmn(*decisions: str) -> bytes:
    return (HEAD + "".join(decisions) + "</definitions>").encode()
