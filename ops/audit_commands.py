"""The bodies of the `switching audit` commands: each works on the engine the locator finds,
prints what it found, and returns 0 or raises (`CheckFailed` when the check itself failed).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from audit.checkpointer import CheckpointRefused
from audit.replay import ReplayReport
from audit.store_audit import StoreAudit
from eventstore.audit import AuditReport
from ops import audit, db
from ops.engine import locate
from ops.errors import CheckFailed


def _alarm(text: str) -> None:
    typer.secho(text, err=True, fg=typer.colors.RED)


def show(switch_id: str, as_json: bool) -> int:
    report = audit.show(locate(), switch_id)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        for line in report.lines():
            typer.echo(line)
    if not report.clean:
        raise CheckFailed(f"switch {switch_id!r} does not audit clean")
    return 0


def verify(stream: str | None, options: audit.VerifyOptions) -> int:
    settings = locate()

    def progress(report: AuditReport) -> None:
        typer.echo(f"... {report.streams_checked} streams checked", err=True)

    report = db.audit_verify(settings, stream, progress)
    if stream is not None and report.streams_checked == 0:
        raise CheckFailed(f"no stream {stream!r} in the event store")
    for broken in report.broken:
        _alarm(f"broken link: {broken.describe()}")
    summary = f"{report.streams_checked} streams, {report.events_checked} events checked"
    broken_chains = CheckFailed(f"{len(report.broken)} broken chain(s); {summary}")
    if stream is not None:
        if not report.intact:
            raise broken_chains
        typer.echo(f"all chains intact: {summary}")
        return 0
    store = audit.verify_store(settings, options)
    rebuilt = audit.rebuild_read_model(settings)
    for problem in rebuilt.problems:
        _alarm(f"read model: {problem}")
    against = "compared with the live read model" if rebuilt.compared else "no live read model"
    typer.echo(f"read model rebuilt from zero: {rebuilt.switches} switches ({against})")
    if report.intact:
        typer.echo(f"all chains intact: {summary}")
    anchored = _print_store_audit(store)
    if not report.intact:
        raise broken_chains
    if not anchored:
        raise CheckFailed("the store is not as its checkpoints and signatures certify")
    if not rebuilt.ok:
        raise CheckFailed("the switch read model does not rebuild to the same states")
    return 0


def _print_store_audit(store: StoreAudit) -> bool:
    """Print what the checkpoint and signature checks found; True when nothing."""
    anchor = store.anchor
    if anchor is None:
        typer.echo("checkpoints: not checked (no audit public key pinned)")
    elif anchor.checkpoint is None:
        typer.echo("checkpoints: none yet (`switching audit checkpoint` makes one)")
    else:
        typer.echo(
            f"checkpoints: {anchor.checkpoints} verified against the pinned key "
            f"(reference: {anchor.reference}); {anchor.covered} events compared with "
            f"{anchor.checkpoint.describe()}"
        )
    for finding in [] if anchor is None else anchor.findings:
        _alarm(f"changed since certified: {finding.describe()}")
    typer.echo(f"CSS signatures: {store.bodies_checked} stored bodies re-verified")
    for problem in store.signature_problems:
        _alarm(f"CSS signature: {problem}")
    return store.intact


def keygen(directory: Path | None) -> int:
    folder, public, created = audit.keygen(locate(), directory)
    typer.echo(f"{'created' if created else 'kept'} the audit key in {folder}")
    typer.echo(f"fingerprint: {public.fingerprint}")
    return 0


def checkpoint(options: audit.CheckpointOptions) -> int:
    try:
        audit.checkpoint(locate(), options, typer.echo)
    except CheckpointRefused as refused:
        for problem in refused.problems:
            _alarm(f"not certified: {problem}")
        raise CheckFailed(str(refused)) from None
    except KeyboardInterrupt:
        typer.echo("checkpointer stopped")
    return 0


def replay(query: str | None, folder: Path | None) -> int:
    def progress(report: ReplayReport) -> None:
        typer.echo(f"... {report.replayed} histories replayed", err=True)

    report = audit.replay_histories(locate(), query, folder, progress)
    for failure in report.failures:
        _alarm(f"replay failed: {failure.describe()}")
    if not report.ok:
        raise CheckFailed(report.summary())
    typer.echo(report.summary())
    return 0


def export(switch_id: str, out: Path, key: Path | None) -> int:
    count = audit.export(locate(), switch_id, out, key)
    typer.echo(f"wrote {out}: {count} events and the workflow history of {switch_id}")
    return 0


def verify_bundle(bundle: Path, public_key: Path | None, fingerprint: str | None) -> int:
    check = audit.check_bundle(locate(), bundle, public_key, fingerprint)
    for problem in check.problems:
        _alarm(f"bundle: {problem}")
    if not check.ok:
        raise CheckFailed(f"bundle of {check.switch_id} does not verify")
    typer.echo(f"bundle of {check.switch_id} verifies: {check.events} events")
    return 0
