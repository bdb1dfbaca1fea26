"""The `switching` command: one entry point for engineers, operators and auditors.

Each command is a thin shell over a function in its layer; errors from bad input or an
unreachable service are printed as one line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="switching",
    help="Change-of-supplier switching engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr and return the exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
