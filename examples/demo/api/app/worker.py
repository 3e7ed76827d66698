"""A stand-in for a Celery worker (no broker): every WORKER_INTERVAL_S seconds it connects
as the serving role, counts the items, and touches a heartbeat file the compose
healthcheck reads. DB errors are logged and retried, never fatal.

    python -m app.worker             run forever
    python -m app.worker --check     exit 0 if the heartbeat is fresher than 3 intervals
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import text

from . import db

HEARTBEAT = Path(os.environ.get("WORKER_HEARTBEAT_FILE", "/tmp/worker-heartbeat"))
INTERVAL_S = float(os.environ.get("WORKER_INTERVAL_S", "5"))


def log(msg: str) -> None:
    print(f"[worker] {msg}", file=sys.stderr, flush=True)


def tick() -> str:
    with db.app_engine().connect() as conn:
        return f"{conn.execute(text('SELECT count(*) FROM items')).scalar_one()} items"


def run() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log(f"started, interval {INTERVAL_S:g}s")
    last = None
    while True:
        try:
            state = tick()
        except Exception as exc:
            orig = getattr(exc, "orig", None) or exc
            state = f"waiting for database: {type(orig).__name__}: {str(orig).strip().splitlines()[0] if str(orig).strip() else ''}"
        if state != last:
            log(state)
            last = state
        HEARTBEAT.touch()
        time.sleep(INTERVAL_S)


def check() -> int:
    try:
        age = time.time() - HEARTBEAT.stat().st_mtime
    except FileNotFoundError:
        return 1
    return 0 if age < 3 * INTERVAL_S else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    run()
