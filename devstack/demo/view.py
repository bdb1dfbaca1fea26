"""What the demo shows: a live table in a terminal, one line per change anywhere else (CI
logs, a test's captured output)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from devstack.demo.runner import DemoOutcome, Observer, Progress


def progress_table(progress: list[Progress], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    # Ids stay whole (they are what one types into the Temporal UI); the note gives way.
    for column in ("switch", "scenario", "status", "expected"):
        table.add_column(column, no_wrap=True)
    table.add_column("note", no_wrap=True, overflow="ellipsis")
    for item in progress:
        table.add_row(
            item.switch.switch_id,
            item.switch.scenario.title,
            f"[{_colour(item)}]{item.status or 'starting'}[/]",
            str(item.switch.scenario.expected),
            item.note,
        )
    finished = sum(1 for p in progress if p.finished)
    table.caption = f"{finished}/{len(progress)} finished"
    table.caption_justify = "left"
    return table


def _colour(item: Progress) -> str:
    if not item.finished:
        return "yellow"
    return "green" if item.as_expected else "red"


@contextmanager
def watching(console: Console, title: str) -> Iterator[Observer]:
    """An observer for `runner.play`, live when the console is a terminal."""
    if console.is_terminal:
        with Live(console=console, refresh_per_second=4, transient=False) as live:

            def update(progress: list[Progress]) -> None:
                live.update(progress_table(progress, title))

            yield update
        return
    seen: dict[str, str] = {}

    def print_changes(progress: list[Progress]) -> None:
        for item in progress:
            shown = f"{item.status or 'starting'}{f' ({item.note})' if item.note else ''}"
            if seen.get(item.switch.switch_id) != shown:
                seen[item.switch.switch_id] = shown
                console.print(f"  {item.switch.switch_id}: {shown}", highlight=False)

    yield print_changes


def summary(outcome: DemoOutcome) -> list[str]:
    lines: list[str] = []
    wrong = [p for p in outcome.progress if not p.as_expected]
    for item in wrong:
        lines.append(
            f"[red]{item.switch.switch_id}: {item.status or 'not started'}, "
            f"expected {item.switch.scenario.expected}[/]"
        )
    lines.extend(f"[red]{problem}[/]" for problem in outcome.problems)
    if outcome.timed_out:
        lines.append("[red]the demo ran out of time before every switch finished[/]")
    lines.append(
        f"CSS delivered {outcome.duplicates_delivered} notification(s) twice; the event store "
        "holds each notification once"
    )
    if outcome.ok:
        lines.append(f"[green]all {len(outcome.progress)} demo switches ended as expected[/]")
    return lines
