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


@app.command("worker")
def worker_command() -> None:
    """Run a switch worker (Temporal, event store and CSS from the environment)."""
    import worker

    worker.main()


db_app = typer.Typer(help="Event store schema (alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the event store's database up to REVISION (default: head)."""
    from config import Settings
    from eventstore import commands
    from eventstore.errors import EventStoreError

    try:
        typer.echo(commands.db_upgrade(Settings.from_env(), revision).describe())
    except EventStoreError as error:
        raise fail(str(error)) from None


@db_app.command("downgrade")
def db_downgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Migrate the event store's database down to REVISION."""
    from config import Settings
    from eventstore import commands
    from eventstore.errors import EventStoreError

    try:
        typer.echo(commands.db_downgrade(Settings.from_env(), revision).describe())
    except EventStoreError as error:
        raise fail(str(error)) from None


@db_app.command("current")
def db_current_command() -> None:
    """Show the database's migration revision and the code's head."""
    from config import Settings
    from eventstore import commands
    from eventstore.errors import EventStoreError

    try:
        typer.echo(commands.db_current(Settings.from_env()).describe())
    except EventStoreError as error:
        raise fail(str(error)) from None


audit_app = typer.Typer(help="Prove what happened: chain verification.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify_command(
    stream: Annotated[
        str | None, typer.Option("--stream", help="Check only this stream (a switch id).")
    ] = None,
) -> None:
    """Check every link of the event store's hash chains; exit 1 naming each stream's
    first broken link (stream, version, expected vs found)."""
    from config import Settings
    from eventstore import commands
    from eventstore.audit import AuditReport
    from eventstore.errors import EventStoreError

    def progress(report: AuditReport) -> None:
        typer.echo(f"... {report.streams_checked} streams checked", err=True)

    try:
        report = commands.audit_verify(Settings.from_env(), stream, progress)
    except EventStoreError as error:
        raise fail(str(error)) from None
    if stream is not None and report.streams_checked == 0:
        raise fail(f"no stream {stream!r} in the event store")
    for broken in report.broken:
        typer.secho(f"broken link: {broken.describe()}", err=True, fg=typer.colors.RED)
    summary = f"{report.streams_checked} streams, {report.events_checked} events checked"
    if not report.intact:
        raise fail(f"{len(report.broken)} broken chain(s); {summary}")
    typer.echo(f"all chains intact: {summary}")


@app.command("receiver")
def receiver_command(
    host: Annotated[str | None, typer.Option(help="Interface (default: RECEIVER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: RECEIVER_PORT).")] = None,
    pki_dir: Annotated[
        Path | None, typer.Option(help="PKI folder (default: SWITCHING_DATA_DIR/pki).")
    ] = None,
) -> None:
    """Run the CSS notification receiver: mutual TLS, verify, store, answer 202, signal."""
    from config import Settings
    from css.inbound import service

    try:
        settings = Settings.from_env()
        options = service.ReceiverOptions(
            host=host or settings.receiver_host,
            port=settings.receiver_port if port is None else port,
            pki_dir=pki_dir or settings.pki_dir,
        )
        service.run(settings, options)
    except KeyboardInterrupt:
        typer.echo("receiver stopped")
    except service.START_FAILURES as error:
        raise fail(f"the receiver cannot run: {error}") from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
