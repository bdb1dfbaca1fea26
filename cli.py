"""The `switching` command: one entry point for engineers, operators and auditors.

Every command is declared here with its options and nothing else: its body lives in its
layer (`ops` for operators and auditors, `devstack`, `simulator` and `bench` for the dev
tools) and runs through `_run`, the same for all. An expected failure is printed as one
line on stderr with the exit status `ops.errors` gives it, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from domain.identifiers import IdentifierKind

app = typer.Typer(
    name="switching",
    help="Change-of-supplier switching engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _run(body: Callable[[], int]) -> None:
    """Run a command's body and end with its exit status, or one line for its failure."""
    from ops.engine import finish
    from ops.errors import describe, exit_status

    try:
        code = body()
    except Exception as error:
        code_of_failure = exit_status(error)
        if code_of_failure is None:
            raise
        typer.secho(f"error: {describe(error)}", err=True, fg=typer.colors.RED)
        code = code_of_failure
    finish(code)


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


def _validate(kind: IdentifierKind, value: list[str]) -> None:
    from ops import commands

    _run(lambda: commands.validate(kind, value))


@validate_app.command("mpan")
def validate_mpan(value: IdentifierText) -> None:
    """An MPAN: the 13-digit core or the full 21 digits."""
    _validate(IdentifierKind.MPAN, value)


@validate_app.command("mprn")
def validate_mprn(value: IdentifierText) -> None:
    """A gas MPRN (6 to 10 digits, the last two a check)."""
    _validate(IdentifierKind.MPRN, value)


@validate_app.command("mpid")
def validate_mpid(value: IdentifierText) -> None:
    """A 4-character market participant id."""
    _validate(IdentifierKind.MPID, value)


@app.command("deadlines")
def deadlines_command(
    at: Annotated[
        str | None,
        typer.Option(
            help="When CSS receives the request, ISO-8601; without an offset, London time [now]."
        ),
    ] = None,
    sector: Annotated[str, typer.Option(help="Market sector, D or N.")] = "D",
    ssd: Annotated[
        str | None, typer.Option(help="A supply start date the customer chose, YYYY-MM-DD.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The request day, earliest SSD, objection window, target and backstop SSDs the engine
    would use for a switch submitted to CSS at that instant."""
    from ops import commands

    _run(lambda: commands.deadlines(at, sector, ssd, as_json))


@app.command("worker")
def worker_command() -> None:
    """Run a switch worker (Temporal, event store and CSS from the environment)."""
    from ops import commands

    _run(commands.run_worker)


db_app = typer.Typer(help="Event store schema (alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the event store's database up to REVISION (default: head)."""
    from ops import commands

    _run(lambda: commands.db_upgrade(revision))


@db_app.command("downgrade")
def db_downgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Migrate the event store's database down to REVISION."""
    from ops import commands

    _run(lambda: commands.db_downgrade(revision))


@db_app.command("roles")
def db_roles_command(
    admin_url: Annotated[
        str,
        typer.Option(
            envvar="DATABASE_ADMIN_URL", help="A database administrator's URL (CREATEROLE)."
        ),
    ],
    database: Annotated[str, typer.Option(help="The event store's database.")] = "switching",
) -> None:
    """Create the owner, application and auditor roles (passwords from
    SWITCHING_OWNER_PASSWORD, SWITCHING_APP_PASSWORD, SWITCHING_AUDITOR_PASSWORD) and the
    database, owned by the owner. Run once, as an administrator, before `db upgrade`."""
    from ops import commands

    _run(lambda: commands.db_roles(admin_url, database))


@db_app.command("current")
def db_current_command() -> None:
    """Show the database's migration revision and the code's head."""
    from ops import commands

    _run(commands.db_current)


audit_app = typer.Typer(
    help="Prove what happened: chains, timelines, replay, bundles.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


AuditPublicKey = Annotated[
    Path | None,
    typer.Option(
        "--audit-public-key",
        help="The audit public key to pin (default: SWITCHING_AUDIT_PUBLIC_KEY, or the data "
        "folder's audit/audit.pub.pem when present).",
    ),
]
AuditFingerprint = Annotated[
    str | None,
    typer.Option("--audit-fingerprint", help="Pin the audit key by its sha256 fingerprint."),
]


@audit_app.command("verify")
def audit_verify_command(
    stream: Annotated[
        str | None, typer.Option("--stream", help="Check only this stream (a switch id).")
    ] = None,
    public_key: AuditPublicKey = None,
    fingerprint: AuditFingerprint = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            help="Exported checkpoints to trust over the store's (default: "
            "SWITCHING_CHECKPOINT_DIR when set).",
        ),
    ] = None,
    css_keys: Annotated[
        Path | None,
        typer.Option("--css-keys", help="CSS's JWS public keys (default: the PKI's jws/css)."),
    ] = None,
) -> None:
    """Check every stream's hash chain, the whole store against its last signed checkpoint,
    and every stored CSS body against its signature; exit 1 naming each change found."""
    from ops import audit, audit_commands

    options = audit.VerifyOptions(public_key, fingerprint, checkpoints, css_keys)
    _run(lambda: audit_commands.verify(stream, options))


@audit_app.command("keygen")
def audit_keygen_command(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder (default: the data folder's audit/).")
    ] = None,
) -> None:
    """Create the audit key pair (Ed25519) unless it exists; print its fingerprint. Keep the
    private key with the auditor only; give verifiers the public key or the fingerprint."""
    from ops import audit_commands

    _run(lambda: audit_commands.keygen(directory))


@audit_app.command("checkpoint")
def audit_checkpoint_command(
    key: Annotated[
        Path | None,
        typer.Option(
            help="Audit private key (default: SWITCHING_AUDIT_KEY, or the data "
            "folder's audit/audit.key.pem)."
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Export each checkpoint here (default: SWITCHING_CHECKPOINT_DIR)."),
    ] = None,
    every: Annotated[
        float | None, typer.Option(min=1.0, help="Keep going: a checkpoint every N seconds.")
    ] = None,
) -> None:
    """Certify every event settled since the last checkpoint and sign the store-wide head
    with the audit key (run as the auditor: DATABASE_AUDITOR_URL). Refuses, naming the
    event, when new events do not follow what was certified before."""
    from ops import audit, audit_commands

    _run(lambda: audit_commands.checkpoint(audit.CheckpointOptions(key, export, every)))


@audit_app.command("show")
def audit_show_command(
    switch_id: Annotated[str, typer.Argument(help="The switch id (= workflow id).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """A switch's timeline, its chain check, and whether the store folds to the workflow's
    own state; exit 1 listing every disagreement."""
    from ops import audit_commands

    _run(lambda: audit_commands.show(switch_id, as_json))


@audit_app.command("replay")
def audit_replay_command(
    query: Annotated[
        str | None, typer.Option("--query", help="Temporal visibility query (default: all).")
    ] = None,
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Replay exported histories or bundles instead.")
    ] = None,
) -> None:
    """Replay workflow histories on the current code; exit 1 naming each failure."""
    from ops import audit_commands

    _run(lambda: audit_commands.replay(query, folder))


@audit_app.command("export")
def audit_export_command(
    switch_id: Annotated[str, typer.Argument(help="The switch id (= workflow id).")],
    out: Annotated[Path, typer.Option("--out", help="Bundle file to write.")],
    key: Annotated[
        Path | None, typer.Option(help="Audit private key (default: SWITCHING_AUDIT_KEY).")
    ] = None,
) -> None:
    """Write a bundle sealed with the audit key (run as the auditor): Temporal history, event
    stream with hashes, the switch's CSS messages, and the checkpoint that covers them."""
    from ops import audit_commands

    _run(lambda: audit_commands.export(switch_id, out, key))


@audit_app.command("verify-bundle")
def audit_verify_bundle_command(
    bundle: Annotated[Path, typer.Argument(help="A file written by `audit export`.")],
    public_key: AuditPublicKey = None,
    fingerprint: AuditFingerprint = None,
) -> None:
    """Check a bundle offline (no database, no Temporal) against the pinned audit key: its
    seal, chains, checkpoint, CSS signatures, replay and cross-check; exit 1 naming each
    problem."""
    from ops import audit_commands

    _run(lambda: audit_commands.verify_bundle(bundle, public_key, fingerprint))


@app.command("report")
def report_command(
    first: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (London).")
    ],
    last: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included.")
    ],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report with charts here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The service report: switches per day by outcome, supply start dates against the
    target and backstop, time to SECURED (p50/p95), compensation owed, objections."""
    from ops.report.command import report

    _run(lambda: report(first.date(), last.date(), html, as_json))


pki_app = typer.Typer(help="The dev PKI: CAs, TLS certificates, JWS keys.", no_args_is_help=True)
app.add_typer(pki_app, name="pki")


@pki_app.command("init")
def pki_init_command(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="PKI folder (default: SWITCHING_DATA_DIR/pki).")
    ] = None,
) -> None:
    """Create whatever of the dev PKI is missing (idempotent; private keys 0600)."""
    from ops import commands

    _run(lambda: commands.pki_init(directory))


PkiDir = Annotated[
    Path | None, typer.Option("--dir", help="PKI folder (default: SWITCHING_DATA_DIR/pki).")
]


@pki_app.command("status")
def pki_status_command(
    directory: PkiDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    warn_days: Annotated[
        float, typer.Option(min=0.0, help="Exit 1 naming whatever expires within this.")
    ] = 30.0,
) -> None:
    """List every TLS certificate and JWS key in use or trusted, with days left."""
    from ops import pki

    _run(lambda: pki.status(directory, as_json, warn_days))


@pki_app.command("rotate")
def pki_rotate_command(
    jws: Annotated[bool, typer.Option("--jws", help="Rotate our JWS signing key.")] = False,
    overlap: Annotated[
        str, typer.Option(help="How long the old key stays trusted: 7d, 12h, 30m...")
    ] = "7d",
    directory: PkiDir = None,
) -> None:
    """Add the next signing key; the old one stays trusted for the overlap, then retires."""
    from ops import pki

    _run(lambda: pki.rotate(directory, jws, overlap))


def _rate(help_text: str) -> Any:
    return typer.Option(min=0.0, max=1.0, help=help_text)


@app.command("simulator")
def simulator_command(
    port: Annotated[int | None, typer.Option(help="Port (default: SIMULATOR_PORT).")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    receiver_url: Annotated[
        str | None,
        typer.Option(help="Where to push notifications (default: the receiver's settings)."),
    ] = None,
    pki_dir: Annotated[Path | None, typer.Option(help="PKI folder (created if missing).")] = None,
    clock_speed: Annotated[
        float,
        typer.Option(min=0.0, help="Sim seconds per real second (20000 for demos, 0 frozen)."),
    ] = 1.0,
    clock_start: Annotated[
        datetime | None, typer.Option(help="Sim start time, ISO-8601 (default: now, UTC).")
    ] = None,
    validation_delay: Annotated[
        float, typer.Option(min=0.0, help="Sim seconds from request to validation.")
    ] = 60.0,
    error_rate: Annotated[float, _rate("Share of /v1 requests answered 503.")] = 0.0,
    stall_rate: Annotated[float, _rate("Share of registrations answered too late.")] = 0.0,
    stall_seconds: Annotated[float, typer.Option(min=0.0)] = 30.0,
    duplicate_rate: Annotated[float, _rate("Share of notifications sent twice.")] = 0.0,
    reorder_rate: Annotated[float, _rate("Share of notifications swapped with the next.")] = 0.0,
    delay_rate: Annotated[float, _rate("Share of notifications held back.")] = 0.0,
    delay_seconds: Annotated[float, typer.Option(min=0.0)] = 2.0,
    rotate_after: Annotated[
        float | None, typer.Option(min=0.0, help="Rotate the signing key after N real seconds.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault draws.")] = None,
    meter_points: Annotated[
        Path | None,
        typer.Option(help="JSON file of the meter points the simulated market holds."),
    ] = None,
    market: Annotated[
        Path | None, typer.Option(help="The market whose meter points we supply (for losses).")
    ] = None,
    losses_per_day: Annotated[
        float, typer.Option(min=0.0, help="Losses started by themselves per simulated day.")
    ] = 0.0,
) -> None:
    """Run the CSS simulator (mutual TLS, signed messages, real calendar, faults, and other
    suppliers gaining our customers)."""

    def body() -> int:
        from simulator.command import SimulatorOptions, run
        from simulator.faults import FaultSettings

        faults = FaultSettings(
            error_rate=error_rate,
            stall_rate=stall_rate,
            stall_seconds=stall_seconds,
            duplicate_rate=duplicate_rate,
            reorder_rate=reorder_rate,
            delay_rate=delay_rate,
            delay_seconds=delay_seconds,
            seed=seed,
        )
        return run(
            SimulatorOptions(
                port,
                host,
                receiver_url,
                pki_dir,
                clock_speed,
                clock_start,
                validation_delay,
                faults,
                rotate_after,
                meter_points,
                market,
                losses_per_day,
            )
        )

    _run(body)


market_app = typer.Typer(
    help="The simulated market (dev and tests only): generate it, serve its enquiry services.",
    no_args_is_help=True,
)
app.add_typer(market_app, name="market")


@market_app.command("generate")
def market_generate_command(
    premises: Annotated[int, typer.Option(min=1, help="How many premises.")],
    out: Annotated[Path, typer.Option(help="The JSON-lines file to write (replaced whole).")],
    seed: Annotated[int, typer.Option(help="The same seed gives the same market.")] = 1,
    our_supplier_id: Annotated[
        str | None, typer.Option(help="Our MPID (default: GAINING_SUPPLIER_ID).")
    ] = None,
) -> None:
    """Write a simulated market: premises, their meter points, each fuel's address style."""

    def body() -> int:
        from simulator.market.commands import generate_command

        return generate_command(premises, seed, out, our_supplier_id)

    _run(body)


@market_app.command("lose")
def market_lose_command(
    mpxn: Annotated[
        str | None, typer.Option(help="Our meter point to lose (default: any of ours).")
    ] = None,
    story: Annotated[str, typer.Option(help="complete, withdrawn or rejected.")] = "complete",
    change_of_occupancy: Annotated[bool, typer.Option()] = False,
    erroneous_transfer: Annotated[bool, typer.Option()] = False,
    gaining_supplier: Annotated[str | None, typer.Option(help="The gaining MPID.")] = None,
    css_url: Annotated[str | None, typer.Option(help="The simulator (default: CSS_URL).")] = None,
) -> None:
    """Have another supplier gain one of our customers in the running CSS simulator."""

    def body() -> int:
        from simulator.loss_command import LoseOptions, lose

        options = LoseOptions(
            mpxn, story, change_of_occupancy, erroneous_transfer, gaining_supplier, css_url
        )
        return lose(options)

    _run(body)


@market_app.command("loss-rate")
def market_loss_rate_command(
    per_day: Annotated[float, typer.Argument(min=0.0, help="Losses per simulated day (0: none).")],
    css_url: Annotated[str | None, typer.Option(help="The simulator (default: CSS_URL).")] = None,
) -> None:
    """Set how many losses the running CSS simulator starts by itself per simulated day."""
    from simulator.loss_command import loss_rate

    _run(lambda: loss_rate(per_day, css_url))


@market_app.command("accounts")
def market_accounts_command(
    market: Annotated[Path, typer.Option(help="A file written by `market generate`.")],
    out: Annotated[Path, typer.Option(help="The billing export to write (JSON lines).")],
    seed: Annotated[int, typer.Option(help="The same seed gives the same accounts.")] = 1,
    as_of: Annotated[
        datetime | None, typer.Option(help="The day billing speaks of (default: today).")
    ] = None,
) -> None:
    """Write billing's facts for the accounts the market says we supply (for accounts load)."""
    from simulator.loss_command import accounts

    _run(lambda: accounts(market, out, seed, as_of.date() if as_of else None))


@market_app.command("serve")
def market_serve_command(
    market: Annotated[Path, typer.Option(help="A file written by `market generate`.")],
    electricity_port: Annotated[
        int | None, typer.Option(help="Port (default: from ELECTRICITY_ENQUIRY_URL).")
    ] = None,
    gas_port: Annotated[
        int | None, typer.Option(help="Port (default: from GAS_ENQUIRY_URL).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    pki_dir: Annotated[Path | None, typer.Option(help="PKI folder (created if missing).")] = None,
    rate_limit: Annotated[
        float, typer.Option(min=0.0, help="Requests a second per service (0: no limit).")
    ] = 0.0,
    burst: Annotated[int, typer.Option(min=1, help="Requests allowed at once.")] = 10,
    error_rate: Annotated[float, _rate("Share of requests answered 503.")] = 0.0,
    delay_rate: Annotated[float, _rate("Share of requests answered late.")] = 0.0,
    delay_seconds: Annotated[float, typer.Option(min=0.0)] = 2.0,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault draws.")] = None,
) -> None:
    """Run the electricity (JSON) and gas (SOAP) enquiry services over the market."""

    def body() -> int:
        from simulator.enquiry.command import ServeOptions, serve
        from simulator.enquiry.gate import RateLimit
        from simulator.faults import FaultSettings

        faults = FaultSettings(
            error_rate=error_rate, delay_rate=delay_rate, delay_seconds=delay_seconds, seed=seed
        )
        limit = RateLimit(rate_limit, burst)
        return serve(ServeOptions(market, electricity_port, gas_port, host, pki_dir, limit, faults))

    _run(body)


address_app = typer.Typer(help="Addresses: which meter points are at one.", no_args_is_help=True)
app.add_typer(address_app, name="address")


@address_app.command("match")
def address_match_command(
    postcode: Annotated[str, typer.Option(help="The supply postcode.")],
    address: Annotated[str, typer.Option(help="The address as the customer typed it.")],
    fuel: Annotated[str, typer.Option(help="electricity, gas or both.")] = "both",
    uprn: Annotated[str | None, typer.Option(help="The UPRN, when signup knows it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Ask the enquiry services (ELECTRICITY_ENQUIRY_URL / GAS_ENQUIRY_URL, else the running
    dev stack's) for the postcode and match the address against their answers; exit 0 when
    every fuel asked for matched, 1 when one needs a person, 2 bad input, 3 unreachable."""

    def body() -> int:
        from ops import address as lookup

        return lookup.match(postcode, address_text=address, fuel=fuel, uprn=uprn, as_json=as_json)

    _run(body)


@app.command("dev")
def dev_command(
    demo: Annotated[
        int | None, typer.Option(min=1, help="Play a demo batch of N switches.", metavar="N")
    ] = None,
    exit_when_done: Annotated[
        bool, typer.Option(help="With --demo: stop and exit 0 when every switch ended as expected.")
    ] = False,
    data_dir: Annotated[Path | None, typer.Option(help="State folder (default: .data).")] = None,
    temporal_port: Annotated[int | None, typer.Option(help="Temporal port [7233].")] = None,
    ui_port: Annotated[int | None, typer.Option(help="Temporal Web UI port [8233].")] = None,
    simulator_port: Annotated[int | None, typer.Option(help="CSS simulator port.")] = None,
    receiver_port: Annotated[int | None, typer.Option(help="Receiver port.")] = None,
    codec_port: Annotated[int | None, typer.Option(help="Codec server port [8234].")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Worker's /metrics port [9464]; the receiver's and codec server's next."),
    ] = None,
    clock_speed: Annotated[
        float | None, typer.Option(min=0.001, help="Simulator clock speed [1; 6000 with --demo].")
    ] = None,
    css_url: Annotated[
        str | None, typer.Option(help="Use this CSS instead of starting the simulator.")
    ] = None,
    electricity_enquiry_port: Annotated[
        int | None, typer.Option(help="Electricity enquiry service port [8445].")
    ] = None,
    gas_enquiry_port: Annotated[
        int | None, typer.Option(help="Gas enquiry service port [8446].")
    ] = None,
    market: Annotated[
        Path | None,
        typer.Option(help="Serve this market file (default: DATA_DIR/market.jsonl, generated)."),
    ] = None,
) -> None:
    """Run the whole engine on embedded defaults until Ctrl-C (Temporal + UI, PostgreSQL,
    codec server, CSS simulator, enquiry services, receiver, worker)."""

    def body() -> int:
        from devstack import commands

        options = commands.StackOptions(
            data_dir=data_dir,
            temporal_port=temporal_port,
            ui_port=ui_port,
            simulator_port=simulator_port,
            receiver_port=receiver_port,
            codec_port=codec_port,
            metrics_port=metrics_port,
            clock_speed=clock_speed,
            css_url=css_url,
            electricity_enquiry_port=electricity_enquiry_port,
            gas_enquiry_port=gas_enquiry_port,
            market=market,
            demo=demo,
            exit_when_done=exit_when_done,
        )
        return commands.dev(options)

    _run(body)


@app.command("start")
def start_command(
    switch_id: Annotated[
        str | None, typer.Option(help="Your reference (no personal data).")
    ] = None,
    fuel: Annotated[str | None, typer.Option(help="ELECTRICITY or GAS.")] = None,
    mpxn: Annotated[str | None, typer.Option(help="MPAN core (13 digits) or MPRN.")] = None,
    sector: Annotated[str | None, typer.Option(help="D (domestic) or N [D].")] = None,
    ssd: Annotated[str | None, typer.Option(help="Requested supply start, YYYY-MM-DD.")] = None,
    shipper_id: Annotated[str | None, typer.Option(help="Gas shipper MPID.")] = None,
    change_of_occupancy: Annotated[bool, typer.Option()] = False,
    erroneous_transfer: Annotated[bool, typer.Option()] = False,
    file: Annotated[
        Path | None, typer.Option(help="JSON object with SwitchRequest's fields instead.")
    ] = None,
) -> None:
    """Start a switch (validated first; an existing switch id is reported, not restarted)."""
    from ops import commands

    def body() -> int:
        request = commands.request_from_flags(
            switch_id,
            fuel,
            mpxn,
            market_sector=sector,
            requested_supply_start_date=ssd,
            shipper_id=shipper_id,
            change_of_occupancy=change_of_occupancy or None,
            erroneous_transfer=erroneous_transfer or None,
        )
        return commands.start(request, file)

    _run(body)


@app.command("withdraw")
def withdraw_command(
    switch_id: Annotated[str, typer.Argument(help="The switch to withdraw.")],
    reason: Annotated[str, typer.Option(help="Why (recorded with the withdrawal).")],
) -> None:
    """Withdraw a switch; prints CSS's or the engine's reason when refused (exit 5)."""
    from ops import commands

    _run(lambda: commands.withdraw(switch_id, reason))


@app.command("waive")
def waive_command(
    switch_id: Annotated[str, typer.Argument(help="The switch that owes compensation.")],
    reason: Annotated[str, typer.Option(help="Why it is waived (recorded with the waiver).")],
) -> None:
    """Waive the £30 a switch owes for missing its backstop SSD (refused: exit 5)."""
    from ops import commands

    _run(lambda: commands.waive(switch_id, reason))


@app.command("status")
def status_command(
    switch_id: Annotated[str, typer.Argument(help="The switch to show.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """A switch's state, deadlines and timeline (from the event store)."""
    from ops import commands

    _run(lambda: commands.status(switch_id, as_json))


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="Only switches in this status.")] = None,
    deadline_missed: Annotated[
        bool, typer.Option("--deadline-missed", help="Only switches that missed their target SSD.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
) -> None:
    """Find switches through Temporal's search attributes."""
    from ops import commands

    _run(lambda: commands.list_switches(status, deadline_missed, limit))


accounts_app = typer.Typer(
    help="The engine's copy of billing's account facts (read when a customer leaves).",
    no_args_is_help=True,
)
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("load")
def accounts_load_command(
    export: Annotated[Path, typer.Argument(help="Billing's export: one JSON object a line.")],
) -> None:
    """Load billing's export into the accounts table, replacing those accounts (as the
    database owner: DATABASE_OWNER_URL)."""
    from ops import accounts_commands

    _run(lambda: accounts_commands.load_export(export))


@accounts_app.command("show")
def accounts_show_command(
    mpxn: Annotated[str, typer.Argument(help="The meter point (MPAN core or MPRN).")],
) -> None:
    """What the engine reads about the account on a meter point."""
    from ops import accounts_commands

    _run(lambda: accounts_commands.show(mpxn))


loss_app = typer.Typer(
    help="Customers leaving us: find losses, see one, decide on an objection, close the account.",
    no_args_is_help=True,
)
app.add_typer(loss_app, name="loss")

LossId = Annotated[
    str, typer.Argument(help="CSS's registration id (or the workflow id loss-<registration id>).")
]


@loss_app.command("list")
def loss_list_command(
    status: Annotated[str | None, typer.Option(help="Only losses in this status.")] = None,
    awaiting_decision: Annotated[
        bool,
        typer.Option("--awaiting-decision", help="Only losses waiting for an operator to decide."),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
) -> None:
    """Find losses through Temporal's search attributes."""
    from ops import loss_commands

    _run(lambda: loss_commands.list_losses(status, awaiting_decision, limit))


@loss_app.command("show")
def loss_show_command(
    loss: LossId,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """A loss's state, decision and evidence, and its timeline from the event store."""
    from ops import loss_commands

    _run(lambda: loss_commands.show(loss, as_json))


@loss_app.command("approve")
def loss_approve_command(
    loss: LossId, note: Annotated[str, typer.Option(help="Why (recorded).")] = ""
) -> None:
    """Approve the objection the policy proposes; it goes to CSS at once (exit 5 if refused)."""
    from ops import loss_commands

    _run(lambda: loss_commands.approve(loss, note))


@loss_app.command("decline")
def loss_decline_command(
    loss: LossId, note: Annotated[str, typer.Option(help="Why (recorded).")] = ""
) -> None:
    """Decline to object: nothing goes to CSS (exit 5 if refused)."""
    from ops import loss_commands

    _run(lambda: loss_commands.decline(loss, note))


@loss_app.command("lift")
def loss_lift_command(
    loss: LossId, reason: Annotated[str, typer.Option(help="Why, e.g. the customer paid.")]
) -> None:
    """Lift our objection before the window closes (exit 5 if refused)."""
    from ops import loss_commands

    _run(lambda: loss_commands.lift(loss, reason))


@loss_app.command("annul")
def loss_annul_command(
    loss: LossId,
    reason: Annotated[str, typer.Option(help="Why, e.g. the customer never agreed.")],
) -> None:
    """Annul a switch the customer never agreed to, until it is SECURED (exit 5 if refused)."""
    from ops import loss_commands

    _run(lambda: loss_commands.annul(loss, reason))


@loss_app.command("final-bill-sent")
def loss_final_bill_sent_command(loss: LossId) -> None:
    """Record that the final bill went out today (London date); late ones owe £30."""
    from ops import loss_commands

    _run(lambda: loss_commands.final_bill_sent(loss))


@app.command("forget")
def forget_command(
    customer_ref: Annotated[str, typer.Argument(help="The customer's opaque reference.")],
) -> None:
    """Crypto-shred a customer: destroy their data key, so every personal field sealed for
    them (in histories and events alike) opens as erased; record the erasure as an event."""
    from ops import customers

    _run(lambda: customers.forget(customer_ref))


keys_app = typer.Typer(
    help="Master keys: payload encryption and customer key wrapping.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

KeyFile = Annotated[
    Path | None,
    typer.Option("--file", help="Key file (default: SWITCHING_KEY_FILE or the data folder's)."),
]


@keys_app.command("init")
def keys_init_command(file: KeyFile = None) -> None:
    """Create the key file with one key, unless it exists (created 0600)."""
    from ops import customers

    _run(lambda: customers.keys_init(file))


@keys_app.command("rotate")
def keys_rotate_command(file: KeyFile = None) -> None:
    """Add a new key that encrypts from now on; older keys stay to decrypt. Restart the
    engine's processes to pick it up."""
    from ops import customers

    _run(lambda: customers.keys_rotate(file))


@keys_app.command("list")
def keys_list_command(file: KeyFile = None) -> None:
    """The key ids in the key file, oldest first (never the secrets)."""
    from ops import customers

    _run(lambda: customers.keys_list(file))


@app.command("codec-server")
def codec_server_command(
    host: Annotated[str, typer.Option(help="Interface (plain HTTP on loopback only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int | None, typer.Option(help="Port (default: CODEC_SERVER_PORT).")] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(help="A Temporal UI origin allowed to call it (repeatable)."),
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="Operator token file (default: the data folder's).")
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Serve HTTPS with this cert.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's private key.")] = None,
    client_ca: Annotated[
        Path | None, typer.Option(help="Require client certificates from this CA (mTLS).")
    ] = None,
) -> None:
    """Run the codec server the Temporal UI and CLI decode payloads through (operators
    only: a bearer token, optionally mutual TLS)."""
    from ops import commands

    tls = (tls_cert, tls_key, client_ca)
    _run(lambda: commands.run_codec_server(host, port, allow_origin or [], token_file, tls))


@app.command("receiver")
def receiver_command(
    host: Annotated[str | None, typer.Option(help="Interface (default: RECEIVER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: RECEIVER_PORT).")] = None,
    pki_dir: Annotated[
        Path | None, typer.Option(help="PKI folder (default: SWITCHING_DATA_DIR/pki).")
    ] = None,
) -> None:
    """Run the CSS notification receiver: mutual TLS, verify, store, answer 202, signal."""
    from ops import commands

    _run(lambda: commands.run_receiver(host, port, pki_dir))


bench_app = typer.Typer(
    help="Benchmarks, side by side with what users would pick instead (bench/results/).",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")

BenchDatabase = Annotated[
    str | None,
    typer.Option(envvar="DATABASE_URL", help="PostgreSQL server (default: embedded, throwaway)."),
]
BenchProfile = Annotated[
    bool, typer.Option(help="Profile with pyinstrument (bench/results/profile-*.txt).")
]


@bench_app.command("eventstore")
def bench_eventstore_command(
    events: Annotated[int, typer.Option(help="Events per append measurement.")] = 2000,
    writers: Annotated[str, typer.Option(help="Comma-separated writer counts.")] = "1,8,32,64",
    targets: Annotated[str, typer.Option(help="ours,eventsourcing,raw-insert")] = (
        "ours,eventsourcing,raw-insert"
    ),
    lag_events: Annotated[int, typer.Option(help="Events in the subscription-lag case.")] = 1000,
    database_url: BenchDatabase = None,
    profile: BenchProfile = False,
) -> None:
    """Event store: ours vs the eventsourcing library vs raw INSERT, on one PostgreSQL."""

    def body() -> int:
        from bench import commands
        from bench.eventstore import EventStoreOptions

        def go() -> None:
            counts = commands.counts(writers)
            options = EventStoreOptions(events, counts, tuple(targets.split(",")), lag_events)
            commands.bench_eventstore(
                options, commands.BenchRun(database_url, profile=profile), print
            )

        return commands.guarded(go)

    _run(body)


@bench_app.command("switches")
def bench_switches_command(
    switches: Annotated[int, typer.Option(help="Switches in the throughput phase.")] = 2000,
    clock_speed: Annotated[float, typer.Option(help="Simulator clock speed.")] = 1_000_000.0,
    latency_seconds: Annotated[float, typer.Option(help="Length of the paced phase.")] = 20.0,
    notification_rate: Annotated[float, typer.Option(help="Paced notifications/s.")] = 10.0,
    concurrency: Annotated[int, typer.Option(help="Starts in flight.")] = 50,
    database_url: BenchDatabase = None,
    profile: BenchProfile = False,
) -> None:
    """Switches end to end through Temporal, beside a bare workflow of the same shape, and
    with and without the payload codec (throughput side by side)."""

    def body() -> int:
        from bench import commands
        from bench.switches import SwitchesOptions

        def go() -> None:
            options = SwitchesOptions(
                switches, clock_speed, latency_seconds, notification_rate, concurrency
            )
            commands.bench_switches(
                options, commands.BenchRun(database_url, profile=profile), print
            )

        return commands.guarded(go)

    _run(body)


@bench_app.command("replay")
def bench_replay_command(
    histories: Annotated[int, typer.Option(help="Histories to replay (cycled).")] = 500,
    switches: Annotated[int, typer.Option(help="Switches in the rebuild case.")] = 1000,
    database_url: BenchDatabase = None,
    profile: BenchProfile = False,
) -> None:
    """Audit: histories replayed per second, projection rebuild events per second."""

    def body() -> int:
        from bench import commands
        from bench.replay import ReplayOptions

        def go() -> None:
            options = ReplayOptions(histories, switches)
            commands.bench_replay(options, commands.BenchRun(database_url, profile=profile), print)

        return commands.guarded(go)

    _run(body)


@bench_app.command("matching")
def bench_matching_command(
    premises: Annotated[
        int, typer.Option(min=1, help="Premises in the generated market.")
    ] = 20_000,
    addresses: Annotated[int, typer.Option(min=1, help="Labelled signup addresses.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the market and the typing.")] = 7,
    wire_addresses: Annotated[
        int, typer.Option(min=0, help="Addresses sent through both services over HTTPS.")
    ] = 300,
    wire_concurrency: Annotated[int, typer.Option(min=1, help="Of them, in flight.")] = 8,
    profile: BenchProfile = False,
) -> None:
    """Address matching: precision, automatic matches on undecidable text, coverage,
    review share, lookups a second (in process and through the enquiry services)."""

    def body() -> int:
        from bench import commands
        from bench.matching import MatchingOptions

        def go() -> None:
            options = MatchingOptions(premises, addresses, seed, wire_addresses, wire_concurrency)
            commands.bench_matching(options, commands.BenchRun(profile=profile), print)

        return commands.guarded(go)

    _run(body)


@bench_app.command("all")
def bench_all_command(
    switches: Annotated[int, typer.Option(help="Switches in the throughput phase.")] = 300,
    events: Annotated[int, typer.Option(help="Events per append measurement.")] = 2000,
    histories: Annotated[int, typer.Option(help="Histories to replay.")] = 500,
    database_url: BenchDatabase = None,
) -> None:
    """Every benchmark with modest defaults (what `make bench` runs, < 10 minutes)."""

    def body() -> int:
        from bench import commands
        from bench.eventstore import EventStoreOptions
        from bench.replay import ReplayOptions
        from bench.switches import SwitchesOptions

        def go() -> None:
            options = commands.AllOptions(
                EventStoreOptions(events=events),
                SwitchesOptions(switches=switches),
                ReplayOptions(histories=histories),
            )
            commands.bench_all(options, commands.BenchRun(database_url), print)

        return commands.guarded(go)

    _run(body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
