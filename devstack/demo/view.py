"""What the demo shows: a live table in a terminal, one line per change anywhere else (CI
logs, a test's captured output)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.live import Live
from rich.table import Table

from devstack.demo.runner import DemoOutcome


class Row(Protocol):
    """One story of the demo as the view shows it: a switch, or a loss."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def shown(self) -> str: ...
    @property
    def expected(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    @property
    def as_expected(self) -> bool: ...

    note: str


Observer = Callable[[Sequence[Row]], None]


def progress_table(progress: Sequence[Row], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    # Ids stay whole (they are what one types into the Temporal UI); the note gives way.
    for column in ("workflow", "scenario", "status", "expected"):
        table.add_column(column, no_wrap=True)
    table.add_column("note", no_wrap=True, overflow="ellipsis")
    for item in progress:
        table.add_row(
            item.name,
            item.title,
            f"[{_colour(item)}]{item.shown}[/]",
            item.expected,
            item.note,
        )
    finished = sum(1 for p in progress if p.finished)
    table.caption = f"{finished}/{len(progress)} finished"
    table.caption_justify = "left"
    return table


def _colour(item: Row) -> str:
    if not item.finished:
        return "yellow"
    return "green" if item.as_expected else "red"


@contextmanager
def watching(console: Console, title: str) -> Iterator[Observer]:
    """An observer for `runner.play`, live when the console is a terminal."""
    if console.is_terminal:
        with Live(console=console, refresh_per_second=4, transient=False) as live:

            def update(progress: Sequence[Row]) -> None:
                live.update(progress_table(progress, title))

            yield update
        return
    seen: dict[str, str] = {}

    def print_changes(progress: Sequence[Row]) -> None:
        for item in progress:
            shown = f"{item.shown}{f' ({item.note})' if item.note else ''}"
            if seen.get(item.name) != shown:
                seen[item.name] = shown
                console.print(f"  {item.name}: {shown}", highlight=False)

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
        lines.append("[red]the demo ran out of time before every story finished[/]")
    lines.append(
        f"CSS delivered {outcome.duplicates_delivered} notification(s) twice; the event store "
        "holds each notification once"
    )
    for loss in outcome.losses:
        if not loss.as_expected:
            lines.append(
                f"[red]{loss.name} ({loss.story.slug}): {loss.shown}, expected {loss.expected}[/]"
            )
    switches_ok = all(item.as_expected for item in outcome.progress)
    losses_ok = all(item.as_expected for item in outcome.losses)
    if not outcome.problems and switches_ok:
        lines.append(f"[green]all {len(outcome.progress)} demo switches ended as expected[/]")
    if outcome.losses and losses_ok:
        lines.append(f"[green]all {len(outcome.losses)} demo losses ended as expected[/]")
    return lines
