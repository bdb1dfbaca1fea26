"""Decrypting every payload of a workflow history, for an audit bundle read offline.

An auditor checks a bundle with no Temporal server and no master key, so `audit export`
writes the history with its payloads decrypted. Personal fields inside stay sealed under
their customers' data keys: the bundle discloses the switch's business facts, never a
customer's personal data.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from privacy.codec import EncryptionCodec


def decrypt_history(history: WorkflowHistory, codec: EncryptionCodec) -> WorkflowHistory:
    """The same history, every payload decrypted (plain ones are left as they are)."""
    events = []
    for event in history.events:
        copy = type(event)()
        copy.CopyFrom(event)
        _each_payload(copy, codec.decrypt)
        events.append(copy)
    return WorkflowHistory(history.workflow_id, events)


def _each_payload(message: Message, change: Callable[[Payload], Payload]) -> None:
    for field, value in message.ListFields():
        kind = field.message_type
        if field.type != FieldDescriptor.TYPE_MESSAGE or kind is None:
            continue
        if kind.GetOptions().map_entry:
            if kind.fields_by_name["value"].type != FieldDescriptor.TYPE_MESSAGE:
                continue
            items = list(value.values())
        elif isinstance(value, Message):
            items = [value]
        else:
            items = list(value)
        for item in items:
            if isinstance(item, Payload):
                item.CopyFrom(change(item))
            else:
                _each_payload(item, change)
