"""The layers hold: top-level packages import each other without a cycle, the domain imports
only the standard library, `holidays` and `rapidfuzz`, and the workflow loads no
implementation."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Every top-level package or module of the engine (tests aside).
FIRST_PARTY = tuple(
    sorted(
        {path.parent.name for path in ROOT.glob("*/__init__.py")}
        | {path.stem for path in ROOT.glob("*.py")}
        | {"migrations"}
    )
)
#: What the workflow sandbox must never load: the activities' implementations' libraries.
IMPLEMENTATION_LIBRARIES = ("httpx", "cryptography", "jwcrypto", "asyncpg")


def _sources(top: str) -> Iterator[Path]:
    folder = ROOT / top
    if folder.is_dir():
        yield from (p for p in folder.rglob("*.py") if "versions" not in p.parts)
    else:
        yield ROOT / f"{top}.py"


def _imported_modules(path: Path) -> set[str]:
    """Every absolute module an import in `path` names, at any depth (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {top: set() for top in FIRST_PARTY}
    for top in FIRST_PARTY:
        for path in _sources(top):
            for module in _imported_modules(path):
                target = module.split(".")[0]
                if target in graph and target != top:
                    graph[top].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the path that closes it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_packages_form_layers_without_a_cycle() -> None:
    graph = _import_graph()
    assert {"domain", "workflows", "activities", "receiver", "readmodels"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_domain_imports_only_the_standard_library_holidays_and_rapidfuzz() -> None:
    # rapidfuzz is pure computation (string similarity, no I/O, no state), which address
    # matching needs and which keeps matching deterministic inside a workflow.
    allowed = set(sys.stdlib_module_names) | {"holidays", "rapidfuzz", "domain"}
    foreign = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in _sources("domain")
        for module in _imported_modules(path)
        if module.split(".")[0] not in allowed
    }
    assert foreign == set()


def test_importing_the_workflows_loads_no_implementation() -> None:
    # A fresh interpreter, so nothing this test session imported counts.
    modules = sorted(f"workflows.{path.stem}" for path in (ROOT / "workflows").glob("*.py"))
    script = (
        f"import sys\nfor name in {modules!r}:\n    __import__(name)\n"
        f"print(__import__('json').dumps([m for m in {IMPLEMENTATION_LIBRARIES!r} "
        "if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "workflows.switch" in modules
    assert json.loads(done.stdout) == []
