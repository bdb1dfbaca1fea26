"""The service report's figures from switches' events, and its self-contained HTML."""

from __future__ import annotations

from datetime import date, timedelta

from ops.report import render
from ops.report.model import Period
from ops.report.switches import IN_PROGRESS, percentile, sections, switch_facts
from tests.switch_events import MONDAY, active, objected, switch_events

PERIOD = Period(date(2026, 11, 23), date(2026, 11, 24))


def test_the_figures_come_from_each_switch_s_events() -> None:
    tuesday = MONDAY + timedelta(days=1)
    facts = [
        switch_facts(active("a", MONDAY, 32)),
        switch_facts(active("b", MONDAY, 40)),
        switch_facts(active("c", tuesday, 200, late=True)),
        switch_facts(objected("d", tuesday, "DEBT")),
        switch_facts(switch_events("e", tuesday)),
    ]
    assert [f.outcome for f in facts] == ["ACTIVE", "ACTIVE", "ACTIVE", "OBJECTED", IN_PROGRESS]
    assert [f.day for f in facts] == [MONDAY.date()] * 2 + [tuesday.date()] * 3
    per_day, deadlines, timing, owed, objections = sections(facts, PERIOD)

    assert per_day.table is not None
    assert per_day.table.columns == ("day", "ACTIVE", IN_PROGRESS, "OBJECTED", "total")
    assert list(per_day.table.rows) == [
        ("2026-11-23", "2", "0", "0", "2"),
        ("2026-11-24", "1", "1", "1", "3"),
    ]
    assert deadlines.table is not None
    assert list(deadlines.table.rows)[:2] == [
        ("within the target SSD", "2", "66.7%"),
        ("within the backstop SSD", "2", "66.7%"),
    ]
    assert timing.table is not None
    assert list(timing.table.rows) == [
        ("ALL", "3", "40.0", "184.0"),
        ("ELECTRICITY", "3", "40.0", "184.0"),
    ]
    assert owed.table is not None
    assert owed.table.rows[0] == ("owed", "1", "£30.00")
    assert objections.table is not None
    assert list(objections.table.rows) == [("DEBT", "1")]


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([0.0, 10.0], 0.95) == 9.5


def test_the_html_is_one_self_contained_page_with_every_section() -> None:
    facts = [switch_facts(active("a", MONDAY, 32)), switch_facts(objected("d", MONDAY, "DEBT"))]
    page = render.page(PERIOD, sections(facts, PERIOD), now=MONDAY)
    assert page.startswith("<!DOCTYPE html>")
    # plotly's library once, inlined: nothing is fetched when the file is opened.
    assert page.count("<script>/**\n* plotly.js v") == 1
    assert 'src="http' not in page
    for title in (
        "Switches per day by outcome",
        "Time from submission to SECURED",
        "Objections by reason",
    ):
        assert title in page
    assert "<td>DEBT</td>" in page
