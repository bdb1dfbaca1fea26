"""pyinstrument reports that name the top costs: the call tree, then self time per function.

The flat list is the one to read first: the event loop's own frames hide where an async
program spends its CPU, and self time adds up every place a function is called from.
"""

from __future__ import annotations

from pathlib import Path

from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

FLAT_LINES = 40


def render(session: Session) -> str:
    tree = ConsoleRenderer(unicode=False, color=False).render(session)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True).render(session)
    top = "\n".join(flat.splitlines()[: FLAT_LINES + 6])
    return f"{tree}\n\nSelf time per function (top {FLAT_LINES}):\n{top}\n"


def write_report(session: Session, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(session), "utf-8")
    return path


def render_saved(session_file: Path, path: Path) -> Path | None:
    """The report of a session another process saved; None if it saved none."""
    if not session_file.is_file():
        return None
    report = write_report(Session.load(str(session_file)), path)
    session_file.unlink()
    return report
