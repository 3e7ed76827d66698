"""The run lock, between two real processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bootstrap.errors import LockHeld
from bootstrap.lock import run_lock

pytestmark = pytest.mark.unit

HOLD = """
import sys, time
from pathlib import Path
from bootstrap.lock import run_lock
with run_lock(Path(sys.argv[1]), "demo", "first-time"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(state: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(state), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_second_run_waits_then_names_the_holder(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(LockHeld) as err:
            with run_lock(tmp_path, "demo", "restart", wait_s=0.5):
                pass
        assert time.monotonic() - started >= 0.5
        assert f"pid {holder.pid}" in str(err.value) and "first-time" in str(err.value)
        assert err.value.exit_code == 3
    finally:
        stop(holder)


def test_other_projects_are_not_blocked(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    try:
        with run_lock(tmp_path, "other", "ci", wait_s=0.5):
            pass
    finally:
        stop(holder)


def test_a_dead_holder_is_taken_over_with_a_warning(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    os.kill(holder.pid, signal.SIGKILL)  # no cleanup at all: the holder file stays behind
    stop(holder)
    assert json.loads((tmp_path / "locks" / "demo.holder.json").read_text())["pid"] == holder.pid
    warnings: list[str] = []
    with run_lock(tmp_path, "demo", "restart", wait_s=2, warn=warnings.append):
        pass
    assert warnings and f"pid {holder.pid}" in warnings[0] and "gone" in warnings[0]


def test_ctrl_c_releases_the_lock(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    holder.send_signal(signal.SIGINT)
    stop(holder)
    with run_lock(tmp_path, "demo", "restart", wait_s=2):
        pass
