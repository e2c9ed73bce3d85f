"""Tests on the shared real logs (``../shared/data`` next to the repository, or the folder
named by ``TIERLINE_SHARED_DATA``). They skip, saying so, where the folder is missing; CI has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "examples" / "mappings"
POLICIES = REPO / "examples" / "replay"


def _data_dir() -> Path:
    named = os.environ.get("TIERLINE_SHARED_DATA")
    return Path(named) if named else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    folder = _data_dir()
    if not folder.is_dir():
        pytest.skip(
            f"the shared real logs are not at {folder} (set TIERLINE_SHARED_DATA to their "
            "folder to run these tests)"
        )
    return folder


@pytest.fixture(scope="session")
def uci_log(shared_data: Path) -> Path:
    path = shared_data / "uci_incident_event_log" / "incident_event_log.csv.zip"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture(scope="session")
def bpic_dir(shared_data: Path) -> Path:
    path = shared_data / "bpic2013_volvo_incidents"
    if not path.is_dir():
        pytest.skip(f"{path} is missing")
    return path
