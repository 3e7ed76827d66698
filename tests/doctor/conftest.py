"""Fixtures for the doctor tests (helpers live in doctorkit.py).

Fixture projects under fixtures/ are copied to a tmp dir before use. Env files
are stored as `dot-env` (the repository ignores `.env`) and renamed on copy.

PostgreSQL tests use the db side's kit (tests/db/dbkit.py): a real server started
from the host's binaries. Docker tests use the real engine. A missing server or
engine fails the tests; nothing here skips.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "db")]

from doctorkit import copy_project  # noqa: E402


@pytest.fixture
def fixture_project(tmp_path: Path) -> Any:
    return lambda name: copy_project(name, tmp_path)
