"""Every notification CSS pushes to our receiver, sorted by category.

CSS pushes several kinds of news to the same endpoint: about registrations we made (a gain),
and about other suppliers' registrations on meter points we supply (a loss). The event type
says which; each category has its own parser here and its own route in the receiver
(`receiver/routes.py`). A new category adds one row to `PARSERS` and one route.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from css.errors import InvalidMessage
from css.losses import LossMessage, loss_from_fields
from css.messages import NotificationMessage, notification_from_fields
from css.wire import Fields
from domain.lifecycle import NotificationKind
from domain.loss_notification import LossKind


class Category(StrEnum):
    REGISTRATION = "registration"  # our own registrations: the switch workflows
    LOSS = "loss"  # another supplier's registration on a meter point we supply


InboundMessage = NotificationMessage | LossMessage


def _loss(fields: Fields) -> LossMessage:
    kind = fields.choice("eventType", LossKind)
    # Later faults name the type, since which fields are required depends on it.
    return loss_from_fields(Fields(fields.raw, f"{fields.what} ({kind.value})"), kind)


#: Category -> (its event types, the parser of one of its bodies).
PARSERS: dict[Category, tuple[frozenset[str], Callable[[Fields], InboundMessage]]] = {
    Category.REGISTRATION: (
        frozenset(kind.value for kind in NotificationKind),
        notification_from_fields,
    ),
    Category.LOSS: (frozenset(kind.value for kind in LossKind), _loss),
}

_CATEGORY_OF: dict[str, Category] = {
    event_type: category
    for category, (event_types, _) in PARSERS.items()
    for event_type in event_types
}


def category_of(message: InboundMessage) -> Category:
    return _CATEGORY_OF[message.event_type.value]


def inbound_from_fields(fields: Fields) -> InboundMessage:
    """The notification in `fields`, whichever category it belongs to, or `InvalidMessage`."""
    event_type = fields.raw.get("eventType")
    if isinstance(event_type, str) and event_type in _CATEGORY_OF:
        _, parse = PARSERS[_CATEGORY_OF[event_type]]
        return parse(fields)
    allowed = ", ".join(sorted(_CATEGORY_OF))
    if event_type is None or not isinstance(event_type, str):
        # The field reader words a missing or mistyped field the usual way.
        fields.text("eventType")
    raise InvalidMessage(
        f'{fields.what}: unknown eventType "{event_type}" (allowed: {allowed})', "eventType"
    )


def parse_inbound(body: bytes) -> InboundMessage:
    return inbound_from_fields(Fields.from_body(body, "notification"))
