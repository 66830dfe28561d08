"""Flowdesk process engine.

Other packages (the web layer) may import the modules in PUBLIC_MODULES; `engine.spiff`,
the one place that speaks SpiffWorkflow, and the runtime's internals are the engine's own
(tests/unit/test_public_surface.py and the import-linter contracts in pyproject.toml).
"""

PUBLIC_MODULES = (
    "engine.activities", "engine.decisions", "engine.deploy", "engine.drafts", "engine.element_templates",
    "engine.external_tasks", "engine.forms", "engine.history", "engine.inbox", "engine.inbox_view",
    "engine.jobs", "engine.job_actions",
    "engine.incidents", "engine.instance_migration", "engine.instances", "engine.modification",
    "engine.messages", "engine.models",
    "engine.record_processes", "engine.runtime", "engine.signals", "engine.states",
    "engine.triggers", "engine.webhooks",
    # Camunda Forms (store, schema checks, start forms) and the Camunda REST API's instance queries
    "engine.camunda_forms", "engine.form_schema", "engine.instance_queries", "engine.start_forms",
    "engine.starters",
)
