"""CRM records, timeline, tasks, access rights, search and domain events.

Other packages may import the modules in PUBLIC_MODULES (and what lies under a listed
package); the rest (the relay's Celery task, the search index's writers, the rights
matrix's internals) is the CRM's own. tests/unit/test_public_surface.py holds it to that.
"""

PUBLIC_MODULES = (
    "crm.access", "crm.company_settings", "crm.entities", "crm.event_types", "crm.events", "crm.models",
    "crm.outbox_hints", "crm.paging", "crm.queries", "crm.relay_path", "crm.reports",
    "crm.rights.models", "crm.rights.services", "crm.search.query", "crm.search.text",
    "crm.serialize", "crm.serialize_tasks", "crm.services", "crm.states", "crm.task_input",
    "crm.validation",
)
