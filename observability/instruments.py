"""Recording a metric through a meter, by its definition in `observability.names`.

The process's meter lives as long as the process, so its instruments are made once (the
SDK hands out a new handle per `create_*` call, which a hot path should not pay for). A
workflow's or an activity's meter lives for one task, so its instruments are made per use.
"""

from __future__ import annotations

from collections.abc import Mapping

from temporalio.common import MetricCounter, MetricGaugeFloat, MetricHistogramFloat, MetricMeter

from observability import metrics
from observability.names import Metric

Instrument = MetricCounter | MetricHistogramFloat | MetricGaugeFloat

_made: dict[str, tuple[MetricMeter, Instrument]] = {}


def _make(meter: MetricMeter, metric: Metric) -> Instrument:
    if metric.kind == "counter":
        return meter.create_counter(metric.name, metric.help, metric.unit)
    if metric.kind == "histogram":
        return meter.create_histogram_float(metric.name, metric.help, metric.unit)
    return meter.create_gauge_float(metric.name, metric.help, metric.unit)


def _instrument(meter: MetricMeter | None, metric: Metric) -> Instrument:
    if meter is not None:
        return _make(meter, metric)
    process = metrics.meter()
    made = _made.get(metric.name)
    # Made again when `metrics.start` replaced the process's meter.
    if made is None or made[0] is not process:
        made = _made[metric.name] = (process, _make(process, metric))
    return made[1]


Labels = Mapping[str, str]


def add(metric: Metric, labels: Labels, value: int = 1, meter: MetricMeter | None = None) -> None:
    """Add to a counter of `meter`, by default the process's."""
    counter = _instrument(meter, metric)
    assert isinstance(counter, MetricCounter), metric.name
    counter.add(value, labels)


def record(metric: Metric, labels: Labels, value: float) -> None:
    """Record into a histogram of the process's meter."""
    histogram = _instrument(None, metric)
    assert isinstance(histogram, MetricHistogramFloat), metric.name
    histogram.record(value, labels)


def set_gauge(metric: Metric, labels: Labels, value: float) -> None:
    """Set a gauge of the process's meter."""
    gauge = _instrument(None, metric)
    assert isinstance(gauge, MetricGaugeFloat), metric.name
    gauge.set(value, labels)
