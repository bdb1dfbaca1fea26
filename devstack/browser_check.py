"""`make browser-check`: a demo switch's pages in the Temporal UI, decoded through the codec
server, as headless Chromium renders them.

    python -m devstack.browser_check --out docs/images

It starts `switching dev --demo 4` in a throwaway data folder on free ports, waits for the
demo to finish, and opens the first happy-path switch in the UI (whose codec endpoint the
dev stack set): its history must show the meter point number (from the encrypted input)
and its memo the customer's supply address (sealed, opened by the codec server's vault),
which only the codec server can show. It writes a screenshot of each page
(`switch-history-in-the-ui.png`, `switch-memo-in-the-ui.png`), then writes the service
report of the demo's days as HTML (`switching report --html`), checks that it renders its
sections with no network, screenshots it (`service-report.png`) and stops the stack. Not
part of `make test`: it needs Debian's `chromium`, which the Makefile installs when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.client import Client

from config import default_key_file
from devstack.demo import customers, manifest
from devstack.demo.scenarios import DemoSwitch, plan_batch
from domain.calendar import LONDON
from ops.lockfile import running_stack
from privacy.codec import engine_codec
from workflows.converter import data_converter

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1440,1100",
    # The UI is a single-page app: give its fetches (and the codec server's) time to land.
    "--virtual-time-budget=20000",
)
_READY = "the stack keeps running"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (`--metrics-port` takes three)."""
    while True:
        first = _free_port()
        probes = [socket.socket() for _ in range(1, count)]
        try:
            for offset, probe in enumerate(probes, start=1):
                probe.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chromium is not installed (apt-get install -y chromium)")


async def _chromium_run(url: str, profile: Path, *mode: str) -> str:
    process = await asyncio.create_subprocess_exec(
        _chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        *mode,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    if process.returncode != 0:
        raise SystemExit(f"chromium exited with {process.returncode} on {url}")
    return out.decode(errors="replace")


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


async def _wait_for_demo(log: Path, process: asyncio.subprocess.Process) -> None:
    for _ in range(3000):
        if _READY in await asyncio.to_thread(_text, log):
            return
        if process.returncode is not None:
            break
        await asyncio.sleep(0.2)
    tail = (await asyncio.to_thread(_text, log))[-3000:]
    raise SystemExit(f"the demo did not finish:\n{tail}")


async def _page_url(data: Path, switch: DemoSwitch) -> str:
    info = running_stack(data)
    assert info is not None, "the stack published its addresses"
    codec = engine_codec(default_key_file(data))
    client = await Client.connect(info.temporal_address, data_converter=data_converter(codec))
    run_id = (await client.get_workflow_handle(switch.switch_id).describe()).run_id
    return f"{info.ui_url}/namespaces/default/workflows/{switch.switch_id}/{run_id}"


async def _page(url: str, profile: Path, shows: str, screenshot: Path, *size: str) -> None:
    """Render `url`; it must show `shows` (decoded), then its screenshot is written."""
    if shows not in await _chromium_run(url, profile, "--dump-dom"):
        raise SystemExit(f"{url} does not show {shows!r}: not decoded by the codec server")
    await _chromium_run(url, profile, *size, f"--screenshot={screenshot}")
    print(f"{url} shows it decoded; screenshot: {screenshot}")


async def _report(data: Path, page: Path, profile: Path, screenshot: Path) -> None:
    """The service report of the demo's days, written as HTML and rendered offline."""
    today = datetime.now(LONDON).date()
    argv = [sys.executable, "-m", "cli", "report", "--html", str(page)]
    argv += ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    process = await asyncio.create_subprocess_exec(
        *argv,
        env={**os.environ, "SWITCHING_DATA_DIR": str(data)},
        stdout=asyncio.subprocess.DEVNULL,
    )
    if await asyncio.wait_for(process.wait(), timeout=120) != 0:
        raise SystemExit("switching report failed")
    url = (await asyncio.to_thread(page.resolve)).as_uri()
    await _page(url, profile, "Switches per day by outcome", screenshot, "--window-size=1200,2600")


async def check(out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="switching-browser-check-"))
    data, log = folder / "data", folder / "dev.log"
    ports = {name: _free_port() for name in ("temporal", "ui", "simulator", "receiver", "codec")}
    ports["metrics"] = _free_port_run(3)
    argv = [sys.executable, "-m", "cli", "dev", "--demo", "10", "--data-dir", str(data)]
    argv += [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with log.open("wb") as output:
        stack = await asyncio.create_subprocess_exec(
            *argv, stdout=output, stderr=asyncio.subprocess.STDOUT
        )
    try:
        await _wait_for_demo(log, stack)
        batch = manifest.load(data)
        assert batch is not None, "the demo wrote its manifest"
        switch = plan_batch(batch.batch_id, batch.size)[0]
        url = await _page_url(data, switch)
        profile = folder / "chromium"
        target = await asyncio.to_thread(_folder, out)
        history = target / "switch-history-in-the-ui.png"
        await _page(f"{url}/history", profile, switch.mpxn, history)
        # Timer summaries travel encrypted like every payload; the UI decodes them too.
        await _page(f"{url}/history", profile, "withdrawal window", history)
        memo = target / "switch-memo-in-the-ui.png"
        await _page(f"{url}/memo", profile, customers.supply_address(switch), memo)
        await _report(data, folder / "report.html", profile, target / "service-report.png")
    finally:
        with contextlib.suppress(ProcessLookupError):
            stack.send_signal(signal.SIGTERM)
        await asyncio.wait_for(stack.wait(), timeout=90)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"), help="folder")
    asyncio.run(check(parser.parse_args().out))


if __name__ == "__main__":
    main()
