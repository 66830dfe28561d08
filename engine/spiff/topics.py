"""External service-task topics: the activities a diagram may call, with their parameters."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopicSpec:
    """One topic: parameter names (name -> required) and the key its handler returns."""

    name: str
    params: dict[str, bool] = field(default_factory=dict)
    result: str | None = None
    description: str = ""

    @property
    def required(self) -> set[str]:
        """Names of the required parameters."""
        return {name for name, required in self.params.items() if required}


def _topic(name: str, required: str, optional: str, result: str | None, description: str) -> TopicSpec:
    """Build a TopicSpec from space-separated required and optional parameter names."""
    params = {param: True for param in required.split()}
    params.update({param: False for param in optional.split()})
    return TopicSpec(name, params, result, description)


STANDARD_TOPICS: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        _topic("crm.create_lead", "title", "fields", "lead_id", "Create a lead"),
        _topic("crm.create_contact", "last_name", "first_name fields", "contact_id", "Create a contact"),
        _topic("crm.create_company", "title", "fields", "company_id", "Create a company"),
        _topic("crm.create_deal", "title", "fields", "deal_id", "Create a deal"),
        _topic("crm.update_record", "entity id fields", "", None, "Update fields of a CRM record"),
        _topic(
            "crm.convert_lead",
            "lead_id",
            "contact company deal",
            "conversion",
            "Convert a lead into a contact, a company and/or a deal",
        ),
        _topic(
            "crm.create_task",
            "title",
            "responsible description deadline entity record_id",
            "task_id",
            "Create a CRM task, optionally bound to a record",
        ),
        _topic("crm.add_comment", "entity id text", "", "comment_id", "Add a comment to a record's timeline"),
        _topic("mail.send", "template entity id", "", "mail_id", "Send a templated mail about a record"),
        _topic("http.request", "url", "method headers body data secret timeout retries result_variable",
               "response", "Call an HTTP API on an allowed host"),
    )
}


def as_topic_spec(name: str, spec: TopicSpec | set[str] | frozenset[str]) -> TopicSpec:
    """Accept a TopicSpec or a bare set of (optional) parameter names."""
    if isinstance(spec, TopicSpec):
        return spec
    return TopicSpec(name, {param: False for param in spec})
