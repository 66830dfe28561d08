"""Element templates for the web modeler, generated from the activities registry.

One Camunda 7 element template per service-task topic: the analyst picks "Create deal" in
the properties panel instead of typing `crm.create_deal`. Applying a template replaces the
task's input parameters with the template's own, so every parameter of the activity is
declared (required ones marked notEmpty); the result variable is an output parameter the
analyst may rename.
"""
from __future__ import annotations

SCHEMA = "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json"
TEMPLATE_PREFIX = "flowdesk."
GROUPS = [{"id": "activity", "label": "Activity"}, {"id": "parameters", "label": "Parameters"},
          {"id": "result", "label": "Result"}]
TYPE_HINTS = {
    "integer": "a number or ${...}", "number": "a number or ${...}", "boolean": "true or false",
    "list": 'e.g. ${["a@example.com"]}', "object": 'e.g. ${{"status": "JUNK"}}',
    "date": "an ISO date, date-time or a duration such as P3D",
}


def template_name(topic: str) -> str:
    """ "crm.create_deal" -> "Create deal"; a one-word action names its group ("Send mail")."""
    group, _, action = topic.partition(".")
    words = (action or group).replace("_", " ").split()
    if len(words) == 1 and action:
        words.append(group)
    return " ".join(words).capitalize()


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _parameter(param: dict) -> dict:
    hint = TYPE_HINTS.get(param["type"])
    description = param["description"].rstrip(".") + (f" · {hint}" if hint else "")
    prop = {
        "label": _label(param["name"]),
        "type": "Text" if param["type"] in ("object", "list") else "String",
        "description": description,
        "binding": {"type": "camunda:inputParameter", "name": param["name"]}, "group": "parameters",
    }
    if param["required"]:
        prop["constraints"] = {"notEmpty": True}
    return prop


def template_for(doc: dict) -> dict:
    """The element template of one activity (an item of engine.activities.topic_docs())."""
    topic = doc["topic"]
    properties = [
        {"type": "Hidden", "value": "external", "binding": {"type": "property", "name": "camunda:type"}},
        {"label": "Activity (topic)", "type": "String", "value": topic, "editable": False,
         "binding": {"type": "property", "name": "camunda:topic"}, "group": "activity"},
    ]
    properties += [_parameter(p) for p in doc["parameters"]]
    result = doc.get("result")
    if result:
        properties.append({
            "label": "Result variable", "type": "String", "value": result["variable"],
            "description": f"The process variable that receives {result['description'][:1].lower()}"
                           f"{result['description'][1:]}",
            "binding": {"type": "camunda:outputParameter", "source": "${" + result["variable"] + "}"},
            "group": "result",
        })
    return {
        "$schema": SCHEMA, "id": TEMPLATE_PREFIX + topic, "name": template_name(topic),
        "description": doc["description"], "appliesTo": ["bpmn:ServiceTask"],
        "groups": GROUPS, "properties": properties,
    }


def element_templates() -> list[dict]:
    """Every activity as an element template, sorted by name."""
    from engine.activities import topic_docs

    return sorted((template_for(doc) for doc in topic_docs()), key=lambda t: t["name"])
