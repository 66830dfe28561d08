"""States the org code compares. StrEnums: each member is its string, so stored values, JSON
answers and templates stay exactly what they were."""
from __future__ import annotations

from enum import StrEnum


class UserState(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # invited, has not set a password yet
    DISMISSED = "dismissed"


class InvitationState(StrEnum):
    """A portal invitation (Invitation.state) or a workgroup invitation (WorkgroupInvitation.state)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # workgroup invitations only
    EXPIRED = "expired"  # portal invitations only: computed from expires_at
    REVOKED = "revoked"


PORTAL_INVITATION_STATES = (InvitationState.PENDING, InvitationState.ACCEPTED, InvitationState.EXPIRED,
                            InvitationState.REVOKED)
WORKGROUP_INVITATION_STATES = (InvitationState.PENDING, InvitationState.ACCEPTED, InvitationState.DECLINED,
                               InvitationState.REVOKED)
