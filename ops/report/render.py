"""A report as text (rich tables), as JSON, and as one self-contained HTML file whose charts
are drawn by plotly with its JavaScript inlined, so the file reads offline anywhere."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

import plotly.graph_objects as go
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from ops.report.model import Chart, Period, Section, Table


def _rich(table: Table) -> RichTable:
    shown = RichTable()
    for column in table.columns:
        shown.add_column(column)
    for row in table.rows:
        shown.add_row(*row)
    return shown


def text(period: Period, sections: Sequence[Section]) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"Service report {period.first} to {period.last}\n", "bold")
    ]
    for section in sections:
        parts.append(Text(section.title, "bold underline"))
        parts += [Text(line) for line in section.summary]
        if section.table is not None and section.table.rows:
            parts.append(_rich(section.table))
        parts.append(Text(""))
    return Group(*parts)


def as_json(period: Period, sections: Sequence[Section]) -> str:
    document = {
        "from": str(period.first),
        "to": str(period.last),
        "sections": [asdict(section) for section in sections],
    }
    return json.dumps(document, indent=2)


def _figure(chart: Chart) -> go.Figure:
    figure = go.Figure(
        [go.Bar(name=name, x=chart.categories, y=values) for name, values in chart.series.items()]
    )
    figure.update_layout(
        barmode="stack" if chart.stacked else "group",
        yaxis_title=chart.y_title,
        height=360,
        margin={"l": 60, "r": 20, "t": 20, "b": 60},
        legend={"orientation": "h"},
    )
    return figure


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.summary { color: #444; } footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
"""


def page(period: Period, sections: Sequence[Section], now: datetime | None = None) -> str:
    """The whole report as one HTML document; plotly's script is inlined once, first."""
    made = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Switching service report {period.first} to {period.last}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Switching service report, {period.first} to {period.last}</h1>",
    ]
    script_included = False
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [f"<p class='summary'>{html.escape(line)}</p>" for line in section.summary]
        if section.chart is not None:
            parts.append(
                _figure(section.chart).to_html(
                    full_html=False,
                    include_plotlyjs=not script_included,
                    config={"displaylogo": False, "responsive": True},
                )
            )
            script_included = True
        if section.table is not None and section.table.rows:
            parts.append(_table_html(section.table))
    parts.append(f"<footer>Made {made} from the event store.</footer></body></html>")
    return "\n".join(parts)
