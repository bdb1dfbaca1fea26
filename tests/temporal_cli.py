"""Running the real `temporal` CLI from tests, and reading the JSON it prints."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TEMPORAL = Path(sys.executable).parent / "temporal"


async def temporal(*args: str) -> str:
    """The CLI's output; it must exit 0."""
    process = await asyncio.create_subprocess_exec(
        str(TEMPORAL), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


def texts(value: Any) -> Iterator[str]:
    """Every string in a JSON document, and what each decodes to when it is base64 (payload
    data and metadata values are)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)
    elif isinstance(value, str):
        yield value
        with contextlib.suppress(binascii.Error, ValueError):
            yield base64.b64decode(value, validate=True).decode(errors="replace")
