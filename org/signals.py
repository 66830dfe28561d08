"""Signals other packages subscribe to, so org never imports them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction, with user_id, after a user's departments changed;
# CRM refreshes the access attributes of the records that user is responsible for.
user_departments_changed = _signals.signal("user-departments-changed")
# Sent with department_id after a department moved in the tree (paths rewritten).
department_moved = _signals.signal("department-moved")
# Sent inside the transaction, with user_id and actor_id, when a user is dismissed; the engine
# hands their open inbox tasks back to the candidates or to their department head.
user_dismissed = _signals.signal("user-dismissed")
# Sent with department (the row) before a department is deleted; each receiver returns
# {what: count} of the things of its own that still belong to it (records, role assignments).
department_holders = _signals.signal("department-holders")
# Sent before a workgroup is deleted, like department_holders: each receiver answers
# {what: count} of what still needs the workgroup (open inbox tasks offered to it).
workgroup_holders = _signals.signal("workgroup-holders")
# Sent after workgroup memberships changed (roles reach people through workgroups).
workgroups_changed = _signals.signal("workgroups-changed")
# Sent inside the transaction, with kind ("workgroup" or "department") and group_id, just before
# a workgroup or department is deleted. Rights that name a group by id without a foreign key
# (drive rights) would otherwise stay behind, granting nothing and blocking the item's rights
# dialog (a share-level user must send the list back whole, and a dangling subject is refused):
# each receiver removes the grants of its own to that group and returns {what: value} for the
# deletion's audit entry.
group_deleting = _signals.signal("group-deleting")


def drop_grants(kind: str, group_id: int) -> dict[str, object]:
    """Have every receiver remove what it granted to the group; their answers, merged."""
    removed: dict[str, object] = {}
    for _receiver, answer in group_deleting.send(kind, kind=kind, group_id=group_id):
        removed.update(answer or {})
    return removed
