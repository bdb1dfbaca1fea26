"""The body of `switching report`."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from ops.engine import event_store, locate
from ops.errors import InvalidInput, OperationError
from ops.report import render
from ops.report.model import Period, Section, Source
from ops.report.switches import switch_sections

#: Every process's sections, in the order printed. Orders and losses add theirs here.
SOURCES: tuple[Source, ...] = (switch_sections,)

#: A longer period is a query over years of events: refused rather than left to run.
MAX_DAYS = 366


def period(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInput(f"--to {last} is before --from {first}")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
    return Period(first, last)


async def collect(chosen: Period) -> list[Section]:
    async with event_store(locate()) as store:
        found: list[Section] = []
        for source in SOURCES:
            found += await source(store, chosen)
        return found


def report(first: date, last: date, html_file: Path | None, as_json: bool) -> int:
    chosen = period(first, last)
    sections = asyncio.run(collect(chosen))
    if as_json:
        print(render.as_json(chosen, sections))
    else:
        Console().print(render.text(chosen, sections), highlight=False)
    if html_file is not None:
        try:
            html_file.write_text(render.page(chosen, sections), encoding="utf-8")
        except OSError as error:
            raise OperationError(f"cannot write {html_file}: {error}") from None
        typer.echo(f"wrote {html_file}", err=as_json)
    return 0
