"""OpenTelemetry traces: one trace from signup through the workflow and its activities to
CSS, and from CSS's push through the receiver and the signal into the workflow.

Temporal carries the context itself (`TracingInterceptor` on every client, and through the
client on the worker: workflow starts, signals, workflow tasks and activities). Our own
spans cover what Temporal does not see: the receiver's handling of a push and its delivery,
and each request to CSS. A push is delivered by the receiver's delivery loop, perhaps
after a restart or by another receiver, so its trace context travels with the stored
notification (its event's metadata: `traceparent`, random identifiers, nothing else).

Spans are exported over OTLP (HTTP) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
exporter's other `OTEL_*` variables apply); otherwise nothing is recorded. Span attributes
are identifiers and codes only: switch, registration and message ids, event types,
routes and statuses; never a name, an address or a meter point's customer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import opentelemetry.context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind
from temporalio import worker
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor

ENDPOINT_VARIABLE: Final = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACER_NAME: Final = "switching"
#: The W3C header (and metadata key) a context travels in.
TRACEPARENT: Final = "traceparent"

_provider: TracerProvider | None = None

Attributes = Mapping[str, str | int]


def configure(process: str, env: Mapping[str, str] | None = None) -> bool:
    """Export this process's spans over OTLP when the endpoint is set; True when it is."""
    if not (env if env is not None else os.environ).get(ENDPOINT_VARIABLE):
        return False
    # Imported here: a process that exports nothing need not load the exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    use_exporter(process, OTLPSpanExporter())
    return True


def use_exporter(process: str, exporter: SpanExporter) -> TracerProvider:
    """Record spans and hand them to `exporter` too (tests give an in-memory one)."""
    global _provider
    if _provider is None:
        # OpenTelemetry takes one provider per process; later exporters join it.
        resource = Resource.create({"service.name": f"switching-{process}"})
        _provider = TracerProvider(resource=resource)
        trace.set_tracer_provider(_provider)
    _provider.add_span_processor(BatchSpanProcessor(exporter))
    return _provider


class _SignalInWorkflow(TracingWorkflowInboundInterceptor):
    """A signal's handler continues its sender's trace.

    The SDK's interceptor runs every handler in the workflow's own trace and only links the
    sender's; a notification's trace would then stop at the signal. Here what the handler
    does (its activities) joins the trace of the push that caused it, and the workflow's
    own trace is the link."""

    async def handle_signal(self, input: worker.HandleSignalInput) -> None:
        header = input.headers.get(self.header_key)
        if header is None:
            await super().handle_signal(input)
            return
        sender = self.payload_converter.from_payloads([header])[0]
        context = self._set_on_context(self.text_map_propagator.extract(sender))
        token = opentelemetry.context.attach(context)
        try:
            self._completed_span(
                f"HandleSignal:{input.signal}",
                link_context_carrier=self._load_workflow_context_carrier(),
                kind=SpanKind.SERVER,
            )
            await worker.WorkflowInboundInterceptor.handle_signal(self, input)
        finally:
            opentelemetry.context.detach(token)


class _Tracing(TracingInterceptor):
    def workflow_interceptor_class(
        self, input: worker.WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)  # registers what the workflow side calls
        return _SignalInWorkflow


def interceptors() -> list[TracingInterceptor]:
    """What a Temporal client (and through it a worker) carries traces with; none when
    nothing is exported, so an untraced engine pays nothing."""
    return [_Tracing(tracer())] if _provider is not None else []


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


@contextmanager
def span(
    name: str,
    attributes: Attributes,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Mapping[str, str] | None = None,
) -> Iterator[Span]:
    """A span around a block; `parent` is a carrier (`{"traceparent": ...}`) to continue a
    trace that began elsewhere, such as a push stored before this delivery."""
    context = propagate.extract(dict(parent)) if parent else None
    with tracer().start_as_current_span(
        name, context=context, kind=kind, attributes=dict(attributes)
    ) as current:
        yield current


def annotate(attributes: Attributes) -> None:
    """Add attributes to the current span (once a handler knows what it is handling)."""
    trace.get_current_span().set_attributes(dict(attributes))


def carrier() -> dict[str, str]:
    """The current trace context as headers (empty when nothing is traced)."""
    found: dict[str, str] = {}
    propagate.inject(found)
    return {key: value for key, value in found.items() if key == TRACEPARENT}
