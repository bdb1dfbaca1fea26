"""The `switching` command: one entry point for engineers, operators and auditors.

Each command is a thin shell over a function in its layer; errors from bad input or an
unreachable service are printed as one line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from domain.identifiers import IdentifierKind, InvalidIdentifier, parse_identifier

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


validate_app = typer.Typer(
    help="Check an identifier and print it normalised (exit 2 with the reason if refused).",
    no_args_is_help=True,
)
app.add_typer(validate_app, name="validate")

IdentifierText = Annotated[
    list[str],
    typer.Argument(
        metavar="VALUE", help="Printed groupings such as '13 1234 5678 907' are accepted."
    ),
]


def _print_normalised(kind: IdentifierKind, value: list[str]) -> None:
    # Joined with a space so an unquoted, grouped identifier reads as one value.
    try:
        parsed = parse_identifier(kind, " ".join(value))
    except InvalidIdentifier as refused:
        raise fail(str(refused), 2) from None
    typer.echo(str(parsed))


@validate_app.command("mpan")
def validate_mpan(value: IdentifierText) -> None:
    """An MPAN: the 13-digit core or the full 21 digits."""
    _print_normalised(IdentifierKind.MPAN, value)


@validate_app.command("mprn")
def validate_mprn(value: IdentifierText) -> None:
    """A gas MPRN (6 to 10 digits, the last two a check)."""
    _print_normalised(IdentifierKind.MPRN, value)


@validate_app.command("mpid")
def validate_mpid(value: IdentifierText) -> None:
    """A 4-character market participant id."""
    _print_normalised(IdentifierKind.MPID, value)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
