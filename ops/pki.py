"""`switching pki status` and `switching pki rotate`: what is about to expire, and the
rotation of our JWS signing key with an overlap during which the old key stays trusted."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from css.inventory import Credential, inventory
from css.keyring import rotate_signing_key
from css.pki import PkiPaths
from ops.engine import locate
from ops.errors import CheckFailed, InvalidInput

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m` or `90s`."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"a duration is a number and d, h, m or s (e.g. 7d), got {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})


def _row(credential: Credential, now: datetime) -> dict[str, object]:
    return {
        "name": credential.name,
        "kind": credential.kind,
        "subject": credential.subject,
        "issuer": credential.issuer,
        "not_after": None if credential.not_after is None else credential.not_after.isoformat(),
        "days_left": credential.days_left(now),
        "role": credential.role,
        "scheduled": credential.scheduled,
    }


def _table(credentials: list[Credential], now: datetime, warn_days: float) -> Table:
    table = Table(show_lines=False)
    for column in ("name", "subject", "issuer", "not after", "days left", "role"):
        table.add_column(column, justify="right" if column == "days left" else "left")
    for credential in credentials:
        days = credential.days_left(now)
        soon = credential.expires_within(now, warn_days) and not credential.scheduled
        style = "red" if soon else None
        table.add_row(
            credential.name,
            credential.subject,
            credential.issuer,
            "-" if credential.not_after is None else f"{credential.not_after:%Y-%m-%d %H:%M}Z",
            "-" if days is None else str(days),
            credential.role,
            style=style,
        )
    return table


def status(directory: Path | None, as_json: bool, warn_days: float) -> int:
    root = directory or locate().pki_dir
    now = datetime.now(UTC)
    credentials = inventory(root, now)
    expiring = [c for c in credentials if c.expires_within(now, warn_days) and not c.scheduled]
    if as_json:
        document = {
            "pki": str(root),
            "warn_days": warn_days,
            "credentials": [_row(c, now) for c in credentials],
            "expiring": [c.name for c in expiring],
        }
        print(json.dumps(document, indent=2))
    else:
        Console().print(_table(credentials, now, warn_days))
    if expiring:
        named = "; ".join(f"{c.name} ({c.role}, {c.days_left(now)} days left)" for c in expiring)
        raise CheckFailed(f"{len(expiring)} expire within {warn_days:g} days: {named}")
    return 0


def rotate(directory: Path | None, jws: bool, overlap: str) -> int:
    if not jws:
        raise InvalidInput(
            "say what to rotate: --jws (a TLS certificate is renewed by replacing its files, "
            "which every process reloads)"
        )
    span = parse_duration(overlap)
    root = directory or locate().pki_dir
    folder = PkiPaths(root).supplier_jws_dir
    done = rotate_signing_key(folder, overlap=span)
    typer.echo(
        f"added JWS key {done.new_kid}: the CSS client signs with it within seconds "
        "(at once on SIGHUP)"
    )
    verb = "stays" if len(done.retiring) == 1 else "stay"
    typer.echo(
        f"{', '.join(done.retiring)} {verb} trusted until "
        f"{done.trusted_until.isoformat(timespec='seconds')} (overlap {overlap}), then retire"
    )
    typer.echo(f"give CSS the new public key: {PkiPaths.jws_public(folder, done.new_kid)}")
    return 0
