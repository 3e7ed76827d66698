"""Starting processes for the harness: wall time, output lines with arrival times.

The harness measures from outside, with `time.monotonic()`, exactly what a user
waits for: from before the process is started to after it has exited.
"""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class BenchError(RuntimeError):
    """A measured command failed: the figure is not valid, so the run stops."""


@dataclass(frozen=True)
class Timed:
    argv: tuple[str, ...]
    rc: int
    wall_s: float
    started: float  # time.monotonic() just before the process was started
    lines: tuple[tuple[float, str], ...]  # (time.monotonic() when the line arrived, line)

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def tail(self, n: int = 25) -> str:
        return "\n".join(line for _, line in self.lines[-n:])

    def first_line_at(self, predicate: object) -> float | None:
        """Arrival time of the first output line for which `predicate(line)` is true."""
        for at, line in self.lines:
            if callable(predicate) and predicate(line):
                return at
        return None


def run(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None,
        timeout_s: float = 1800.0, check: bool = True) -> Timed:
    """Run to completion, stdout and stderr merged, each line stamped when it arrives."""
    full_env = {**os.environ, **(env or {})}
    started = time.monotonic()
    proc = subprocess.Popen(list(argv), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", bufsize=1)
    lines: list[tuple[float, str]] = []
    assert proc.stdout is not None
    deadline = started + timeout_s
    for line in proc.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))
        if time.monotonic() > deadline:
            proc.kill()
            break
    rc = proc.wait()
    wall = time.monotonic() - started
    timed = Timed(tuple(argv), rc, wall, started, tuple(lines))
    if check and rc != 0:
        raise BenchError(f"command failed (exit {rc}): {' '.join(argv)}\n{timed.tail()}")
    return timed


def quiet(argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
          timeout_s: float = 600.0, check: bool = True) -> subprocess.CompletedProcess[str]:
    """An untimed helper command (teardown, inspection)."""
    proc = subprocess.run(list(argv), cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout_s, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise BenchError(f"command failed (exit {proc.returncode}): {' '.join(argv)}\n"
                         f"{(proc.stdout + proc.stderr)[-3000:]}")
    return proc
