"""The lifecycle's names in one place: statuses, CSS notification kinds and their stages.

CSS's exact enumeration is not public, so the engine's vocabulary lives here and the wire
mapping lives in `css/`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    REQUESTED = "REQUESTED"
    SUBMITTED = "SUBMITTED"
    PENDING = "PENDING"
    OBJECTION_RECEIVED = "OBJECTION_RECEIVED"
    CONFIRMED = "CONFIRMED"
    SECURED = "SECURED"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    OBJECTED = "OBJECTED"
    WITHDRAWN = "WITHDRAWN"
    ANNULLED = "ANNULLED"


class NotificationKind(StrEnum):
    VALIDATED = "VALIDATED"
    REJECTED = "REJECTED"
    OBJECTION_RAISED = "OBJECTION_RAISED"
    OBJECTION_LIFTED = "OBJECTION_LIFTED"
    CONFIRMED = "CONFIRMED"
    OBJECTED = "OBJECTED"
    SECURED = "SECURED"
    ACTIVE = "ACTIVE"
    ANNULLED = "ANNULLED"
    WITHDRAWN = "WITHDRAWN"


TERMINAL: frozenset[Status] = frozenset(
    {Status.ACTIVE, Status.REJECTED, Status.OBJECTED, Status.WITHDRAWN, Status.ANNULLED}
)

#: Until gate closure secures it, a switch can be withdrawn.
WITHDRAWABLE: frozenset[Status] = frozenset(
    {
        Status.REQUESTED,
        Status.SUBMITTED,
        Status.PENDING,
        Status.OBJECTION_RECEIVED,
        Status.CONFIRMED,
    }
)

_FINAL_STAGE = 5

#: How far along the lifecycle a status is; PENDING and OBJECTION_RECEIVED share the
#: objection window's stage because an objection can be lifted inside it.
STAGE_OF_STATUS: dict[Status, int] = {
    Status.REQUESTED: 0,
    Status.SUBMITTED: 1,
    Status.PENDING: 2,
    Status.OBJECTION_RECEIVED: 2,
    Status.CONFIRMED: 3,
    Status.SECURED: 4,
    **dict.fromkeys(TERMINAL, _FINAL_STAGE),
}

#: The stage a notification speaks of; one for an earlier stage than the switch has
#: reached is stale and never moves the status back.
STAGE_OF_NOTIFICATION: dict[NotificationKind, int] = {
    NotificationKind.VALIDATED: 2,
    NotificationKind.REJECTED: 2,
    NotificationKind.OBJECTION_RAISED: 2,
    NotificationKind.OBJECTION_LIFTED: 2,
    NotificationKind.CONFIRMED: 3,
    NotificationKind.OBJECTED: 3,
    NotificationKind.SECURED: 4,
    NotificationKind.ANNULLED: 4,
    NotificationKind.WITHDRAWN: 4,
    NotificationKind.ACTIVE: _FINAL_STAGE,
}
