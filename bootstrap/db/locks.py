"""PostgreSQL advisory locks: one migrator (or seeder) at a time across runs and replicas.

The lock is session-level and held on its own superuser connection; closing that
connection (or the process dying) releases it, so a crashed run never leaves it
behind. Acquiring polls `pg_try_advisory_lock` under a deadline and names the
holder when it gives up.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import StepError
from ..secrets import Secret
from . import sql_text
from .connect import connect

if TYPE_CHECKING:
    import psycopg


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key derived from `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLock:
    """`pg_advisory_lock(key(name))` on a dedicated session, acquired with a bounded wait."""

    def __init__(self, conninfo: Secret, database: str, name: str, *, timeout_s: float,
                 what: str = "lock", setting: str = "lock timeout",
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 on_wait: Callable[[str], None] | None = None, poll_s: float = 0.25) -> None:
        self.conninfo = conninfo
        self.database = database
        self.name = name
        self.key = lock_key(name)
        self.timeout_s = timeout_s
        self.what = what  # e.g. "the migration lock"
        self.setting = setting  # the configuration key bounding the wait, named in the error
        self.sleep, self.clock, self.on_wait, self.poll_s = sleep, clock, on_wait, poll_s
        self.conn: psycopg.Connection[Any] | None = None

    def acquire(self) -> psycopg.Connection[Any]:
        """Take the lock; the returned session (autocommit, superuser) holds it until `release`."""
        conn = connect(self.conninfo, dbname=self.database, application_name="bootstrap-lock")
        deadline = self.clock() + self.timeout_s
        told = False
        try:
            while True:
                got = conn.execute(sql_text("advisory_try_lock.sql"), {"key": self.key}).fetchone()
                if got and got[0]:
                    self.conn = conn
                    return conn
                holder = self.holder(conn)
                if self.clock() >= deadline:
                    raise StepError(
                        f"{self.what} is held by {holder}; gave up after {self.setting}={self.timeout_s:g}s",
                        "wait for that run to finish, or end its session if it is stuck, then rerun")
                if not told and self.on_wait:
                    self.on_wait(f"waiting for {self.what} held by {holder}")
                    told = True
                self.sleep(self.poll_s)
        except BaseException:
            conn.close()
            raise

    def holder(self, conn: psycopg.Connection[Any]) -> str:
        row = conn.execute(sql_text("advisory_lock_holder.sql"), {"key": self.key}).fetchone()
        return f"pid {row[0]} ({row[1] or 'no application_name'})" if row else "a session that just ended"

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            if not conn.closed:
                conn.execute(sql_text("advisory_unlock.sql"), {"key": self.key})
        except Exception:
            pass  # closing the session releases the lock anyway
        finally:
            conn.close()

    @property
    def held(self) -> bool:
        return self.conn is not None

    def __enter__(self) -> psycopg.Connection[Any]:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


__all__ = ["AdvisoryLock", "lock_key"]
