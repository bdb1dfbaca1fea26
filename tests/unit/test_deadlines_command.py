"""`switching deadlines`: the workflow's own dates for any submission instant, or exit 2."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from cli import app
from domain.calendar import LONDON, england_and_wales
from domain.identifiers import MarketSector
from ops.deadlines import parse_instant, report
from ops.errors import InvalidInput

runner = CliRunner()
CAL = england_and_wales()


def deadlines(*args: str) -> str:
    result = runner.invoke(app, ["deadlines", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_friday_1701_domestic_submission() -> None:
    printed = deadlines("--at", "2026-03-13T17:01", "--sector", "D")
    assert printed == (
        "submitted to CSS  Fri 2026-03-13 17:01 GMT  (2026-03-13T17:01:00+00:00)\n"
        "market sector     D (domestic)\n"
        "request day       Mon 2026-03-16\n"
        "objection window  ends Mon 2026-03-16 17:01 GMT\n"
        "earliest SSD      Wed 2026-03-18  (gate closure Tue 2026-03-17 17:00 GMT)\n"
        "target SSD        Wed 2026-03-18  (gate closure Tue 2026-03-17 17:00 GMT)\n"
        "backstop SSD      Mon 2026-03-23  (gate closure Fri 2026-03-20 17:00 GMT; "
        "later owes £30)\n"
        f"calendar          {CAL.version}\n"
    )


def test_the_sunday_the_clocks_go_back() -> None:
    printed = deadlines("--at", "2026-10-25T01:30:00+01:00")
    assert "submitted to CSS  Sun 2026-10-25 01:30 BST  (2026-10-25T00:30:00+00:00)" in printed
    assert "request day       Mon 2026-10-26\n" in printed
    assert "objection window  ends Mon 2026-10-26 01:30 GMT\n" in printed
    assert "earliest SSD      Tue 2026-10-27  (gate closure Mon 2026-10-26 17:00 GMT)" in printed
    assert "target SSD        Wed 2026-10-28" in printed
    assert "backstop SSD      Mon 2026-11-02" in printed


def test_json_holds_the_workflows_dates() -> None:
    at = datetime(2026, 3, 9, 10, 0, tzinfo=LONDON)
    printed = json.loads(deadlines("--at", at.isoformat(), "--sector", "n", "--json"))
    found = CAL.supply_deadlines(at, MarketSector.NON_DOMESTIC)
    assert printed["request_day"] == found.request_day.isoformat() == "2026-03-09"
    assert printed["target_supply_start_date"] == "2026-03-12"
    assert printed["backstop_supply_start_date"] == "2026-03-16"
    assert printed["earliest_gate_closure"] == found.earliest_gate_closure.isoformat()
    assert printed["market_sector"] == "N"
    assert printed["calendar_version"] == CAL.version


def test_a_chosen_later_ssd_is_the_target_and_backstop() -> None:
    printed = deadlines("--at", "2026-03-13T17:01", "--ssd", "2026-03-28")
    assert "requested SSD     Sat 2026-03-28\n" in printed
    assert "target SSD        Sat 2026-03-28  (gate closure Fri 2026-03-27 17:00 GMT)" in printed


def test_defaults_to_now() -> None:
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert "request day       Mon 2026-06-01" in report(None, "D", None, now=now)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "tomorrow"], "--at 'tomorrow' is not an ISO-8601 instant"),
        (["--sector", "X"], "--sector 'X' is not one of D, N"),
        (["--ssd", "28/03/2026"], "--ssd '28/03/2026' is not a date YYYY-MM-DD"),
        (
            ["--at", "2026-03-13T17:01", "--ssd", "2026-03-17"],
            "supply start date 2026-03-17 is before the earliest possible, 2026-03-18",
        ),
        (
            ["--at", "2026-03-13T17:01", "--ssd", "2026-04-11"],
            "supply start date 2026-04-11 is more than 28 days ahead",
        ),
        (
            ["--at", "2026-10-25T01:30"],
            "London clocks show that time twice (they go back that night); give its offset, "
            "+01:00 or +00:00",
        ),
        (["--at", "2026-03-29T01:30"], "London clocks skip that time"),
        (["--at", "2050-06-01T10:00Z"], "outside the holiday table"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["deadlines", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_naive_instants_are_london_time() -> None:
    assert parse_instant("2026-07-01T17:00") == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert parse_instant("2026-10-25T01:30+00:00").utcoffset() is not None
    with pytest.raises(InvalidInput):
        parse_instant("2026-13-01T10:00")
    assert date(2026, 7, 1) == parse_instant("2026-07-01T00:00").astimezone(LONDON).date()
