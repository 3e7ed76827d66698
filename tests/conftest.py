"""Shared fixtures: a real PostgreSQL 15 server for the whole session, a fresh database per test.

The server runs from /usr/lib/postgresql/15/bin as the postgres user, with
scram-sha-256 authentication and log_statement=all into a file the tests grep
(tests/db/dbkit.py). Missing binaries fail the tests: a test that cannot talk
to PostgreSQL must never pass by skipping. One server serves tests/db and tests/doctor.
"""
from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "db"))

from dbkit import DbEnv, PgServer, ServerMissing, start_server, stop_server  # noqa: E402


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    try:
        server = start_server()
    except ServerMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def dbenv(pg: PgServer, tmp_path: Path) -> Iterator[DbEnv]:
    """A database of its own (created here, dropped after), role names with a unique suffix."""
    suffix = secrets.token_hex(4)
    name = f"t_{suffix}"
    with pg.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = DbEnv(pg, name, suffix, tmp_path)
    try:
        yield env
    finally:
        with pg.admin() as conn:
            prepared = conn.execute("SELECT gid FROM pg_prepared_xacts WHERE database = %s", (name,)).fetchall()
        if prepared:
            with pg.admin(name) as conn:  # prepared transactions end in their own database
                for (gid,) in prepared:
                    conn.execute(f"ROLLBACK PREPARED '{gid}'")
        with pg.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for db in ("created", "restored"):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}_{db}" WITH (FORCE)')
            roles = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                 (f"%\\_{suffix}",)).fetchall()
            for (role,) in roles:
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
