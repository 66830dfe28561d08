"""Users, departments (a tree), API tokens: the company structure.

Other packages may import the modules in PUBLIC_MODULES (and what lies under a listed
package); the rest is org's own. tests/unit/test_public_surface.py holds every package to it.
"""

PUBLIC_MODULES = (
    "org.actors", "org.admin", "org.audit", "org.http_settings", "org.models", "org.notify", "org.queries",
    "org.rights_epoch", "org.rows",
    "org.services", "org.settings", "org.signals", "org.states", "org.throttle", "org.workgroups",
    "org.zones",
)
