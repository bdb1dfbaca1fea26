"""The business and gateway metrics as the exporter receives them: names, values, labels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from temporalio.common import MetricMeter
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig

from domain.events import CompensationDue, DeadlineMissed, SwitchRequested
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import Status
from domain.request import SwitchDetails
from domain.switch import fold
from observability import business, gateway, metrics

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def buffer() -> Iterator[MetricBuffer]:
    buffered = MetricBuffer(10_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffered))
    metrics.use(runtime.metric_meter)
    yield buffered
    metrics.use(MetricMeter.noop)


def totals(buffered: MetricBuffer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Counters summed, gauges and histograms at their last value, by name and labels."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for update in buffered.retrieve_updates():
        labels = frozenset((k, str(v)) for k, v in update.attributes.items() if k != "service_name")
        key = (update.metric.name, labels)
        if update.metric.kind == 0:  # a counter's updates are deltas
            found[key] = found.get(key, 0) + update.value
        else:
            found[key] = update.value
    return found


def _labels(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def test_a_switch_is_counted_started_flagged_owed_and_ended(buffer: MetricBuffer) -> None:
    details = SwitchDetails(Fuel.GAS, "3938424403", MarketSector.DOMESTIC)
    requested = [SwitchRequested("sw-1", details, AT)]
    started = fold(requested)
    assert started is not None
    business.switch_recorded(None, started, requested)
    flags = [DeadlineMissed(AT, AT), CompensationDue(AT, 3000, AT)]
    business.switch_recorded(started, started, flags)
    ended = replace(started, status=Status.ACTIVE)
    business.switch_recorded(started, ended, [])
    business.switch_recorded(ended, ended, [])  # a later batch of an ended switch

    found = totals(buffer)
    gas = {"fuel": "GAS"}
    assert found[("switching_switches_started", _labels(sector="D", **gas))] == 1
    assert found[("switching_deadline_flags", _labels(flag="target_missed", **gas))] == 1
    assert found[("switching_deadline_flags", _labels(flag="backstop_missed", **gas))] == 1
    assert found[("switching_compensation_owed", _labels(**gas))] == 1
    assert found[("switching_compensation_owed_pence", _labels(**gas))] == 3000
    assert found[("switching_switches_ended", _labels(outcome="ACTIVE", **gas))] == 1


def test_calls_are_counted_by_outcome_and_timed(buffer: MetricBuffer) -> None:
    with gateway.css_call("POST /v1/registrations"):
        pass
    with pytest.raises(TimeoutError), gateway.css_call("POST /v1/registrations"):
        raise TimeoutError
    gateway.notification_answered(202, "ACCEPTED")
    gateway.notification_answered(401, "UNKNOWN_KID")
    gateway.delivery_backlog(3, 12.5)

    found = totals(buffer)
    endpoint = {"endpoint": "POST /v1/registrations"}
    assert found[("switching_css_requests", _labels(outcome="ok", **endpoint))] == 1
    assert found[("switching_css_requests", _labels(outcome="TimeoutError", **endpoint))] == 1
    assert ("switching_css_request_seconds", _labels(**endpoint)) in found
    assert found[("switching_receiver_notifications", _labels(answer="accepted"))] == 1
    assert found[("switching_receiver_notifications", _labels(answer="refused"))] == 1
    refusal = _labels(status="401", reason="UNKNOWN_KID")
    assert found[("switching_receiver_refusals", refusal)] == 1
    assert found[("switching_delivery_backlog", frozenset())] == 3
    assert found[("switching_delivery_oldest_age_seconds", frozenset())] == 12.5
