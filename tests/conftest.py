"""Shared test fixtures. Domain tests need none; integration tests get a fresh database per test
on SQLite *and* PostgreSQL (the PostgreSQL run fails, never skips, when the server is down)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # for ``import builders``
