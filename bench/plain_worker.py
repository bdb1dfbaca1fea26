"""The switch worker without the payload codec: the benchmark's baseline, never deployed.

    python -m bench.plain_worker

The same composition as `switching worker` (`worker.run`), with every payload left in
clear, so `bench switches` can show what encryption costs beside the engine as it runs.
"""

from __future__ import annotations

import asyncio
import logging

import worker
from config import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(worker.run(Settings.from_env(), codec=None))
