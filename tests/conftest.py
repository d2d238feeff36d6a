from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers/, for every test folder

from storyfilm.localark.embedded import LocalServer  # noqa: E402


@pytest.fixture(scope="session")
def ark_server():
    """One local Ark server over real sockets for the session; tests read `server.ark.stats` deltas."""
    with LocalServer() as server:
        yield server
