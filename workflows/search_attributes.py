"""Search attributes that let operations find switches in the Temporal UI.

Only lifecycle facts: status, fuel, dates and flags. Never personal data, and not the
meter point number either (it identifies a home).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from temporalio import workflow
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate
from temporalio.service import RPCError, RPCStatusCode

from domain.switch import SwitchState

SWITCH_STATUS = SearchAttributeKey.for_keyword("SwitchStatus")
FUEL = SearchAttributeKey.for_keyword("Fuel")
SUPPLY_START_DATE = SearchAttributeKey.for_datetime("SupplyStartDate")
DEADLINE_MISSED = SearchAttributeKey.for_bool("DeadlineMissed")
COMPENSATION_DUE = SearchAttributeKey.for_bool("CompensationDue")
SWITCH_STUCK = SearchAttributeKey.for_bool("SwitchStuck")

ALL: tuple[SearchAttributeKey[Any], ...] = (
    SWITCH_STATUS,
    FUEL,
    SUPPLY_START_DATE,
    DEADLINE_MISSED,
    COMPENSATION_DUE,
    SWITCH_STUCK,
)


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` flags that define every attribute."""
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags


async def register(client: Client) -> None:
    """Define the attributes on a server that lacks them (idempotent).

    A workflow that upserts an undefined attribute has its task retried forever, so every
    environment registers them before a worker starts.
    """
    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        defined = set(listed.custom_attributes)
    except RPCError as error:
        # The time-skipping test server cannot list them, but it can add them.
        if error.status is not RPCStatusCode.UNIMPLEMENTED:
            raise
        defined = set()
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in ALL
        if key.name not in defined
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )


def upsert(before: SwitchState | None, after: SwitchState) -> None:
    """From workflow code: set the attributes that changed between two states."""
    updates: list[SearchAttributeUpdate[Any]] = []
    if before is None or before.status is not after.status:
        updates.append(SWITCH_STATUS.value_set(after.status.value))
    if before is None:
        updates.append(FUEL.value_set(after.details.fuel.value))
    if after.supply_start_date is not None and (
        before is None or before.supply_start_date != after.supply_start_date
    ):
        midnight = datetime.combine(after.supply_start_date, time(0), tzinfo=UTC)
        updates.append(SUPPLY_START_DATE.value_set(midnight))
    for key, attr in (
        (DEADLINE_MISSED, "deadline_missed"),
        (COMPENSATION_DUE, "compensation_due"),
        (SWITCH_STUCK, "stuck"),
    ):
        if before is None or getattr(before, attr) != getattr(after, attr):
            updates.append(key.value_set(getattr(after, attr)))
    if updates:
        workflow.upsert_search_attributes(updates)
