"""The rights epoch: one counter that triggers bump on every change of a table access rights are
read from, so a process may keep a user's rights until it moves (org.rights_epoch).

PostgreSQL: one plpgsql function and, per table, an AFTER INSERT OR UPDATE OR DELETE OR
TRUNCATE trigger FOR EACH STATEMENT. SQLite (no statement triggers): AFTER INSERT, UPDATE and
DELETE triggers per row. The bump is an UPDATE of the one row in the writing transaction: it
becomes visible with the change, never before (a sequence would be seen before the commit).
The counter starts from the clock, so a database created again under the same URL never
repeats a value a running process may have kept rights under.

SQLite drops a table's triggers with it: a later migration recreating one of these tables
(batch_alter_table, as 0027_ids did) must create its triggers again (tests/integration/
test_rights_epoch.py fails otherwise).

Revision ID: 0029_rights_epoch
Revises: 0028_drive_orphans
"""
import time

import sqlalchemy as sa
from alembic import op

revision = "0029_rights_epoch"
down_revision = "0028_drive_orphans"
branch_labels = None
depends_on = None

# The tables crm.rights.matrix.load_rights reads at this revision (frozen here, as in 0027).
TABLES = ("department", "department_member", "workgroup", "workgroup_member",
          "role", "role_assignment", "role_permission")
BUMP = "UPDATE rights_epoch SET value = value + 1 WHERE id = 1;"
PG_FUNCTION = f"""
CREATE FUNCTION rights_epoch_bump() RETURNS trigger AS $$
BEGIN
    {BUMP}
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
SQLITE_VERBS = {"ai": "INSERT", "au": "UPDATE", "ad": "DELETE"}


def upgrade():
    op.create_table(
        "rights_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(f"INSERT INTO rights_epoch (id, value) VALUES (1, {time.time_ns() // 1000})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER rights_epoch_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION rights_epoch_bump()")
    else:
        for table in TABLES:
            for suffix, verb in SQLITE_VERBS.items():
                op.execute(f"CREATE TRIGGER rights_epoch_{table}_{suffix} AFTER {verb} ON {table} "
                           f"BEGIN {BUMP} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS rights_epoch_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS rights_epoch_bump()")
    else:
        for table in TABLES:
            for suffix in SQLITE_VERBS:
                op.execute(f"DROP TRIGGER IF EXISTS rights_epoch_{table}_{suffix}")
    op.drop_table("rights_epoch")
