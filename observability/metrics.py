"""A process's Prometheus endpoint and the meter everything in it records into.

One mechanism for every long-running process: the Temporal SDK's runtime serves
`/metrics` in Prometheus format (`PrometheusConfig`), carrying the SDK's own metrics
(workflow and activity task latencies, polls, sticky cache...) beside ours, which are
recorded through the same runtime's meter. The worker's and receiver's Temporal clients
connect on this runtime; the codec server, which has no Temporal client, uses it for its
own counters alone.

A process without `start` records into a meter that discards everything, so tests and
one-shot commands need no endpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from observability.names import HISTOGRAM_BUCKETS

log = logging.getLogger("switching.metrics")


class MetricsUnavailable(OSError):
    """The endpoint could not start (most often: its port is taken)."""


@dataclass(frozen=True)
class MetricsEndpoint:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/metrics"


_meter: MetricMeter = MetricMeter.noop


def start(process: str, endpoint: MetricsEndpoint) -> Runtime:
    """Serve `/metrics` at `endpoint` and make its runtime the process's default (Temporal
    clients connected afterwards report through it). `process` labels every series."""
    config = PrometheusConfig(
        bind_address=endpoint.address,
        counters_total_suffix=True,
        durations_as_seconds=True,
        histogram_bucket_overrides={name: list(b) for name, b in HISTOGRAM_BUCKETS.items()},
    )
    try:
        runtime = Runtime(
            telemetry=TelemetryConfig(
                metrics=config, global_tags={"process": process}, attach_service_name=False
            )
        )
    except ValueError as error:
        raise MetricsUnavailable(
            f"cannot serve metrics on {endpoint.address} (METRICS_PORT): {error}"
        ) from None
    Runtime.set_default(runtime, error_if_already_set=False)
    use(runtime.metric_meter)
    log.info("metrics at %s", endpoint.url)
    return runtime


def use(meter: MetricMeter) -> None:
    """Record the process's metrics into `meter` from now on (`start` does; tests hand in a
    runtime's whose metrics go to a buffer)."""
    global _meter
    _meter = meter


def meter() -> MetricMeter:
    """The process's meter (a no-op one until `start`)."""
    return _meter


def start_if_configured(process: str, host: str, port: int | None) -> Runtime | None:
    """`start` when the process was given a metrics port (METRICS_PORT), else nothing."""
    return None if port is None else start(process, MetricsEndpoint(host, port))
