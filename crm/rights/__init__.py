"""Access rights: roles, their matrices and assignments (crm.access applies them).

The rules, in one place:
- A role gives, for each entity (lead, contact, company, deal, task) and action (read, add,
  edit, delete, export, import), a level: none < own < department < department_tree < all.
  Each level's records include the previous level's.
- Leads and deals may have per-status cells (lead status / deal stage). Within one role a
  per-status cell replaces the role's "any status" cell for records in that status, so a
  role can also narrow a status ("edit: own, but none for WON").
- A user holds the roles assigned to them, to any of their departments (to a parent
  department too when the assignment includes sub-departments) and to their workgroups.
  The effective level of a cell is the highest any of those roles grants.
- A user who holds no role at all gets the roles marked `is_default` (seeded: Manager).
  Assigning any role replaces the default, so administrators can also give less than it.
- Portal administrators (User.is_admin) and processes (ProcessActor, acting with the system
  identity; timeline entries name on whose behalf) have every right.
- own = the record's responsible (tasks: responsible, creator or observer); department =
  the record's dept_path is one of the user's departments; department_tree = it lies under
  one of them. Records carry dept_path, kept current by crm.attributes.
- add / import check the record about to be created (its responsible, department, status);
  edit / delete / export check the record as it is; a record one may not read answers 404.
- Export gives the rows one may both read and export. Import is all-or-nothing.
- "change access settings" (Role.can_change_settings) is needed to write roles and
  assignments and to ask why someone may see a record.
"""
