"""Traces across the gateway, kept by an in-memory exporter: one trace follows a push from
the receiver's span to the activity the workflow runs for it, and one follows signup
through the workflow and its activity to CSS. No span attribute carries personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import Status
from eventstore.postgres import PostgresEventStore
from observability import tracing
from tests.integration.gateway.conftest import MPAN, Gateway, open_gateway


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = tracing.use_exporter("test", exporter)
    yield provider, exporter
    exporter.shutdown()


@pytest.fixture
async def traced_gateway(
    gateway_env: WorkflowEnvironment,
    event_store: PostgresEventStore,
    tmp_path: Path,
    traced: tuple[TracerProvider, InMemorySpanExporter],
) -> AsyncIterator[Gateway]:
    interceptors = tracing.interceptors()
    assert interceptors, "tracing is on once an exporter is in use"
    rig = await open_gateway(gateway_env, event_store, tmp_path / "pki", interceptors=interceptors)
    async with rig as gateway:
        yield gateway


def _chain(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    """The names from `span` up to its trace's root."""
    names = [span.name]
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def _one(spans: Sequence[ReadableSpan], name: str, **attributes: str) -> ReadableSpan:
    found = [
        s
        for s in spans
        if s.name == name and all((s.attributes or {}).get(k) == v for k, v in attributes.items())
    ]
    assert len(found) == 1, f"{name} {attributes}: {[s.name for s in spans]}"
    return found[0]


async def test_one_trace_follows_a_push_from_the_receiver_to_the_workflow_s_activity(
    traced_gateway: Gateway, traced: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = traced
    gateway = traced_gateway
    with tracing.span("signup", {"switch.count": 1}):
        [handle] = await gateway.start(1)
    await gateway.submit([handle])
    gateway.simulator.sim.advance(timedelta(minutes=5))  # CSS validates: one push
    [state] = await gateway.wait([handle], lambda s: s.status is Status.PENDING)
    assert provider.force_flush()
    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans}

    received = _one(spans, "receive CSS notification", **{"css.event_type": "VALIDATED"})
    pushed = [s for s in spans if s.context.trace_id == received.context.trace_id]
    stored = _one(pushed, "RunActivity:append_switch_events")
    assert _chain(stored, by_id) == [
        "RunActivity:append_switch_events",
        "StartActivity:append_switch_events",
        "SignalWorkflow:notification",
        "deliver CSS notification",
        "receive CSS notification",
    ]
    handled = _one(pushed, "HandleSignal:notification")
    assert _chain(handled, by_id)[1] == "SignalWorkflow:notification"
    deliver = _one(pushed, "deliver CSS notification")
    assert (deliver.attributes or {})["switch.id"] == handle.id
    assert (deliver.attributes or {})["css.registration_id"] == state.registration_id

    signup = _one(spans, "signup")
    started = [s for s in spans if s.context.trace_id == signup.context.trace_id]
    css = _one(started, "CSS POST /v1/registrations")
    assert _chain(css, by_id) == [
        "CSS POST /v1/registrations",
        "RunActivity:submit_registration",
        "StartActivity:submit_registration",
        "StartWorkflow:SwitchWorkflow",
        "signup",
    ]
    assert (css.attributes or {})["http.response.status_code"] == 202

    # Identifiers and codes only: the meter point never appears in a span.
    for span in spans:
        for value in (span.attributes or {}).values():
            assert MPAN not in str(value), span.name
