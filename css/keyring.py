"""JWS keys that follow their folder without a restart, and the rotation of a signing key.

A verifier trusts the public keys in the signer's folder plus the retired ones whose
retirement still lies ahead: `rotate_signing_key` retires the old key at the end of an
overlap (`css.pki.retire_jws_key` with a future instant), so messages signed with it just
before the rotation, or resent afterwards, still verify until then, and the audit later
re-verifies every stored body against exactly the keys trusted when it arrived.

The live objects reread their folder when a file in it changes; `refresh()` is called by
the process's reloader (`css.reload`), on a timer and on SIGHUP, and a verifier asked for a
key id it does not know looks at the folder once before refusing, so a signer may sign with
a key as soon as it is in the folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from css.jws import SigningKey, TrustedKeys, VerificationKey
from css.pki import (
    RETIRED_FOLDER,
    KeyHistory,
    PkiMissing,
    PkiPaths,
    create_jws_key,
    load_key_history,
    load_signing_key,
    retire_jws_key,
)

log = logging.getLogger("switching.pki")

FileState = tuple[tuple[str, int, int, int], ...]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def file_state(*paths: Path) -> FileState:
    """What changes when any of these files, or any file in these folders, is replaced."""
    found: list[tuple[str, int, int, int]] = []
    for path in paths:
        entries = sorted(path.iterdir()) if path.is_dir() else [path]
        for entry in entries:
            try:
                info = entry.stat()
            except FileNotFoundError:
                continue
            found.append((str(entry), info.st_ino, info.st_mtime_ns, info.st_size))
    return tuple(found)


class FileWatch:
    """Some files (or every file of some folders), and whether they changed since asked."""

    def __init__(self, *paths: Path) -> None:
        self._paths = paths
        self._state = file_state(*paths)

    def changed(self) -> bool:
        state = file_state(*self._paths)
        if state == self._state:
            return False
        # Recorded before the caller loads: a change that fails to load is reported once,
        # not on every tick, and what was loaded before stays in use.
        self._state = state
        return True


def _key_folder(folder: Path) -> FileWatch:
    return FileWatch(folder, folder / RETIRED_FOLDER)


class LiveTrustedKeys(Mapping[str, VerificationKey]):
    """The keys a verifier trusts now: the folder's, and retired keys until they retire."""

    def __init__(self, folder: Path, clock: Callable[[], datetime] = _utc_now) -> None:
        self.name = f"JWS keys in {folder}"
        self._folder = folder
        self._clock = clock
        self._files = _key_folder(folder)
        self._history = load_key_history(folder)

    @property
    def history(self) -> KeyHistory:
        return self._history

    def refresh(self) -> bool:
        """Reread the folder if a file in it changed; True when the keys were reloaded."""
        if not self._files.changed():
            return False
        try:
            history = load_key_history(self._folder)
        except (OSError, ValueError) as error:
            log.error("kept the JWS keys trusted so far: %s unreadable: %s", self.name, error)
            return False
        self._history = history
        return True

    def _now(self) -> TrustedKeys:
        if not self._history.retired:
            return self._history.current
        return self._history.trusted_at(self._clock())

    def __getitem__(self, kid: str) -> VerificationKey:
        try:
            return self._now()[kid]
        except KeyError:
            # A signer may use a key the moment it is published: look at the folder once
            # before calling the kid unknown (a stat of the folder; a reload only on change).
            if not self.refresh():
                raise
        return self._now()[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def __repr__(self) -> str:
        return f"LiveTrustedKeys({sorted(self)})"


def signing_kid(folder: Path) -> str:
    """The key a signer uses: the newest of its folder that has its private half."""
    kids = [kid for kid in PkiPaths.kids(folder) if PkiPaths.jws_private(folder, kid).is_file()]
    if not kids:
        raise PkiMissing(f"no JWS signing key in {folder}; run `switching pki init`")
    return kids[-1]


class LiveSigningKey:
    """Our signing key, moving to the newest key of the folder when a rotation adds one."""

    def __init__(self, folder: Path) -> None:
        self.name = f"JWS signing key in {folder}"
        self._folder = folder
        self._files = _key_folder(folder)
        self._key = load_signing_key(folder, signing_kid(folder))

    @property
    def current(self) -> SigningKey:
        return self._key

    def refresh(self) -> bool:
        if not self._files.changed():
            return False
        try:
            key = load_signing_key(self._folder, signing_kid(self._folder))
        except (OSError, ValueError) as error:
            log.error("kept signing with %s: %s unreadable: %s", self._key.kid, self.name, error)
            return False
        changed = key.kid != self._key.kid
        self._key = key
        if changed:
            log.info("now signing with JWS key %s", key.kid)
        return changed


def next_kid(kid: str) -> str:
    """`supplier-1` -> `supplier-2`; a key id without a trailing number gains `-2`."""
    prefix, _, number = kid.rpartition("-")
    return f"{prefix}-{int(number) + 1}" if prefix and number.isdigit() else f"{kid}-2"


@dataclass(frozen=True)
class Rotation:
    new_kid: str
    #: The keys that stay trusted until `trusted_until`, then retire.
    retiring: tuple[str, ...]
    trusted_until: datetime


def rotate_signing_key(
    folder: Path, *, overlap: timedelta, now: datetime | None = None
) -> Rotation:
    """Add the next signing key; every older key stays trusted for `overlap`, then retires.

    Signers pick the new key up at their next refresh; verifiers trust both meanwhile."""
    if overlap < timedelta(0):
        raise ValueError("the overlap must not be negative")
    moment = now or _utc_now()
    old = PkiPaths.kids(folder)
    if not old:
        raise PkiMissing(f"no JWS key to rotate in {folder}; run `switching pki init`")
    current = load_signing_key(folder, signing_kid(folder))
    kid = next_kid(old[-1])
    while PkiPaths.jws_public(folder, kid).exists() or (
        PkiPaths.jws_public(folder / RETIRED_FOLDER, kid).exists()
    ):
        kid = next_kid(kid)
    create_jws_key(folder, kid, current.alg)
    until = moment + overlap
    for retiring in old:
        retire_jws_key(folder, retiring, until)
    return Rotation(kid, tuple(old), until)
