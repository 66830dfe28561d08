"""Access rights: roles, their matrices and assignments (crm.access applies them)."""
