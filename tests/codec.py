"""The payload codec every test's Temporal client and worker share, as the engine's would.

One key file per test session (a subprocess under test reads it through
SWITCHING_KEY_FILE), removed when the session ends.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Final

from privacy.codec import engine_codec
from privacy.keys import create_key_file
from workflows.converter import data_converter

_FOLDER: Final = Path(tempfile.mkdtemp(prefix="switching-test-keys-"))
atexit.register(shutil.rmtree, _FOLDER, True)

TEST_KEY_FILE: Final = _FOLDER / "master-keys.json"
create_key_file(TEST_KEY_FILE)
TEST_CODEC: Final = engine_codec(TEST_KEY_FILE)
TEST_CONVERTER: Final = data_converter(TEST_CODEC)
