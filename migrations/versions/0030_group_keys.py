"""Candidate groups named in a diagram are kept in one form: "group:<name>" trimmed and
case-folded (engine.assignment.group_key), as users hold them; rows written before in other
casing ("group:Accounting") are normalised, so `group_key IN (the user's keys)` finds them.

The folding is Python's (str.casefold), decided row by row here: SQLite's lower() folds ASCII
only and PostgreSQL's depends on the collation. Nothing changes in the schema, so the downgrade
has nothing to undo (the old casing is not needed to read the rows).

Revision ID: 0030_group_keys
Revises: 0029_rights_epoch
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_group_keys"
down_revision = "0029_rights_epoch"
branch_labels = None
depends_on = None


def _canonical(key: str) -> str:
    """engine.assignment.group_key at this revision (frozen here, as migrations are)."""
    return f"group:{key[len('group:'):].strip().casefold()}"[:100]


def upgrade():
    bind = op.get_bind()
    candidate = sa.table("human_task_candidate", sa.column("id", sa.Integer()),
                         sa.column("group_key", sa.String(100)))
    rows = bind.execute(sa.select(candidate.c.id, candidate.c.group_key)
                        .where(candidate.c.group_key.like("group:%"))).all()
    for row in rows:
        canonical = _canonical(row.group_key)
        if canonical != row.group_key:
            bind.execute(candidate.update().where(candidate.c.id == row.id).values(group_key=canonical))


def downgrade():
    pass
