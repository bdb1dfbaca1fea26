"""`switching forget CUSTOMER_REF`: crypto-shred a customer and record that it was done.

The data key is destroyed first, then `CustomerForgotten` is appended to the customer's own
stream (`customer/<ref>`), keyed by the destroyed key's id: run again after a failed
append, the key is already gone and the same event is appended once. Nothing else is
touched: the switch streams keep their hash chains (they cover the ciphertext, which stays),
and every other customer's key stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.personal import CustomerForgotten, customer_stream
from eventstore.interface import EventStore
from eventstore.model import NewEvent
from privacy.vault import Forgetting, Vault


@dataclass(frozen=True)
class ForgetResult:
    forgetting: Forgetting
    stream_id: str
    recorded: bool

    def describe(self) -> str:
        done = self.forgetting
        what = "data key destroyed" if done.held_personal_data else "no personal data was held"
        when = done.erased_at.isoformat(timespec="seconds")
        if not done.newly_forgotten:
            what = f"already forgotten ({what})"
        event = "erasure recorded" if self.recorded else "erasure already recorded"
        return f"customer {done.customer_ref}: {what} at {when}; {event} in {self.stream_id}"


def erasure_event(forgetting: Forgetting) -> NewEvent:
    event = CustomerForgotten(
        customer_ref=forgetting.customer_ref,
        key_id=forgetting.key_id,
        held_personal_data=forgetting.held_personal_data,
        at=forgetting.erased_at,
    )
    return NewEvent(
        type=type(event).__name__,
        data={
            "customer_ref": event.customer_ref,
            "key_id": event.key_id,
            "held_personal_data": event.held_personal_data,
            "at": event.at.isoformat(),
        },
        idempotency_key=f"forget/{event.key_id}",
        metadata={"causation_id": "operator", "correlation_id": event.customer_ref},
    )


async def forget_customer(vault: Vault, store: EventStore, reference: str) -> ForgetResult:
    forgetting = await vault.forget(reference)
    stream_id = customer_stream(forgetting.customer_ref)
    appended = await store.append(stream_id, [erasure_event(forgetting)])
    return ForgetResult(forgetting, stream_id, recorded=not appended.duplicate)
