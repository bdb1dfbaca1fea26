"""The operator token of the codec server: a random secret in a 0600 file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from privacy.errors import KeyFileError


def ensure_token(path: Path) -> str:
    """The token in `path`, created (0600) first if the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
    return read_token(path)


def read_token(path: Path) -> str:
    try:
        token = path.read_text("ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(
            f"no codec server token at {path}: `switching dev` creates one, or pass --token-file"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"cannot read the codec server token {path}: {error}") from None
    if len(token) < 16:
        raise KeyFileError(f"the codec server token in {path} is shorter than 16 characters")
    return token
