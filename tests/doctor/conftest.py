"""Fixtures for the doctor tests (helpers live in doctorkit.py).

Fixture projects under fixtures/ are copied to a tmp dir before use. Env files
are stored as `dot-env` (the repository ignores `.env`) and renamed on copy.

PostgreSQL tests use the db side's kit (tests/db/dbkit.py): a real server started
from the host's binaries. Docker tests use the real engine. A missing server or
engine fails the tests; nothing here skips.
"""
from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "db")]

from bootstrap.config import Config  # noqa: E402
from doctorkit import ConfigWithDoctor, copy_project  # noqa: E402


@pytest.fixture(autouse=True)
def doctor_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the loader accept `doctor:` until `Config` has the field (then this does nothing)."""
    if "doctor" in Config.model_fields:
        return
    from bootstrap import config_loader

    monkeypatch.setattr(config_loader, "Config", ConfigWithDoctor)


@pytest.fixture
def fixture_project(tmp_path: Path) -> Any:
    return lambda name: copy_project(name, tmp_path)


@pytest.fixture(scope="session")
def pg() -> Iterator[Any]:
    """A real PostgreSQL 15 for the session (tests/db/dbkit.py); missing binaries fail."""
    from dbkit import ServerMissing, start_server, stop_server

    try:
        server = start_server()
    except ServerMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def dbenv(pg: Any, tmp_path: Path) -> Iterator[Any]:
    """A database of its own on the shared server; its roles are dropped afterwards."""
    from dbkit import DbEnv

    suffix = secrets.token_hex(4)
    name = f"doc_{suffix}"
    with pg.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield DbEnv(pg, name, suffix, tmp_path)
    finally:
        with pg.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                        (f"%\\_{suffix}",)).fetchall():
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
