"""One run at a time per project.

An OS file lock (filelock/flock) on `.bootstrap/locks/<project>.lock`: the kernel
releases it when the holder dies, so there is never a manual unlock step. Beside
it, a small JSON file names the holder (pid, host, task, since) for the message a
waiting run prints, and lets a run notice it took over from a holder that is gone.
"""
from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import LockHeld


def _holder(path: Path) -> dict[str, object]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(holder: dict[str, object]) -> str:
    if not holder:
        return "an unknown process"
    return (f"pid {holder.get('pid')} on {holder.get('host')}, task {holder.get('task')}, "
            f"since {holder.get('since')}")


@contextmanager
def run_lock(state_dir: Path, project: str, task: str, *, wait_s: float = 30.0,
             warn: Callable[[str], None] = lambda m: None) -> Iterator[None]:
    locks = state_dir / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(locks / f"{project}.lock"))
    info = locks / f"{project}.holder.json"
    try:
        lock.acquire(timeout=wait_s, poll_interval=0.1)
    except Timeout:
        raise LockHeld(
            f"another bootstrap run holds the lock for project {project!r}: {describe(_holder(info))}",
            f"waited {wait_s:.0f}s; wait for it to finish, or stop it (a holder that exits releases the lock)",
        ) from None
    try:
        previous = _holder(info)
        if previous and previous.get("pid") != os.getpid() and not _alive(previous.get("pid")):
            warn(f"took over the lock from {describe(previous)}, which is gone")
        info.write_text(json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(), "task": task,
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "t": time.time(),
        }))
        yield
        info.unlink(missing_ok=True)
    finally:
        lock.release()
