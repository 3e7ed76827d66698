"""The three ways of bringing the demo up that the figures compare, each run on a `Stack`.

- bootstrap: the `bootstrap` CLI in a fresh process (`bench.probe`, which adds the
  process's own rusage), with `--report` so steps and statuses can be checked.
- setup.sh: `bench/baselines/setup.sh --first-time | --restart`.
- compose-native: `bench/baselines/compose-native/run.sh` (build --no-cache, up --wait).
"""
from __future__ import annotations

import json
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import proc
from .proc import BenchError, Timed
from .stack import BASELINES, REPO, Stack

SETUP_SH = BASELINES / "setup.sh"
_STAMP = re.compile(r"\d\d:\d\d:\d\d")
_END = re.compile(r"(\S+): (?:ok|changed|skipped|failed)\b")
NATIVE_SH = BASELINES / "compose-native" / "run.sh"


@dataclass(frozen=True)
class BootRun:
    timed: Timed
    report: dict[str, Any]
    rusage: dict[str, Any]

    @property
    def wall_s(self) -> float:
        return self.timed.wall_s

    def statuses(self) -> dict[str, str]:
        return {s["name"]: s["status"] for s in self.report.get("steps", [])}

    def step_s(self, name: str) -> float:
        return float(next(s["duration_s"] for s in self.report["steps"] if s["name"] == name))

    def step_events(self) -> list[tuple[float, str, bool]]:
        """(arrival, step, is_end) from bootstrap's plain display lines: `HH:MM:SS name ...` when a
        step starts, `HH:MM:SS name: status ...` when it ends. Steps in lanes overlap, so spans
        come from these arrival times, not from summing the report's durations."""
        events: list[tuple[float, str, bool]] = []
        for at, line in self.timed.lines:
            stamp, _, body = line.partition(" ")
            if not _STAMP.fullmatch(stamp) or not body or body.startswith(" "):
                continue
            if body.endswith(" ..."):
                events.append((at, body[:-4], False))
            elif (m := _END.match(body)) is not None:
                events.append((at, m.group(1), True))
        return events

    def span_s(self, selected: Callable[[str], bool] = lambda name: True) -> float:
        """From the first selected step's start to the last one's end (0 when none ran)."""
        events = [(at, end) for at, name, end in self.step_events() if selected(name)]
        starts = [at for at, end in events if not end]
        ends = [at for at, end in events if end]
        return max(ends) - min(starts) if starts and ends else 0.0

    @property
    def peak_mb(self) -> float:
        """Peak RSS of the bootstrap process itself, in MB (10^6 bytes)."""
        return float(self.rusage["self"]["maxrss_mib"]) * 1024 * 1024 / 1e6

    @property
    def own_cpu_s(self) -> float:
        return float(self.rusage["self"]["cpu_s"])


def bootstrap(stack: Stack, task: str, *args: str, env: Mapping[str, str] | None = None,
              check: bool = True) -> BootRun:
    state = stack.root / ".bench"
    state.mkdir(exist_ok=True)
    tag = secrets.token_hex(4)
    report, rusage = state / f"report-{tag}.json", state / f"rusage-{tag}.json"
    argv = [sys.executable, "-m", "bench.probe", str(rusage), "--", task, "--config", str(stack.config),
            "--report", str(report), *args]
    timed = proc.run(argv, cwd=REPO, env=env, check=False)
    data = json.loads(report.read_text()) if report.exists() else {}
    usage = json.loads(rusage.read_text()) if rusage.exists() else {}
    if check and (timed.rc != 0 or not data.get("ok")):
        raise BenchError(f"bootstrap {task} failed on {stack.project} (exit {timed.rc}):\n{timed.tail(40)}")
    return BootRun(timed, data, usage)


def _baseline_env(stack: Stack, env: Mapping[str, str] | None) -> dict[str, str]:
    return {"COMPOSE_PROJECT_NAME": stack.project, **(env or {})}


def setup_sh(stack: Stack, mode: str, env: Mapping[str, str] | None = None) -> Timed:
    """mode: 'first-time' or 'restart'."""
    return proc.run(["bash", str(SETUP_SH), f"--{mode}"], cwd=stack.root, env=_baseline_env(stack, env))


def compose_native(stack: Stack, *, cached: bool = False, env: Mapping[str, str] | None = None) -> Timed:
    return proc.run(["bash", str(NATIVE_SH), *(["--cached"] if cached else [])], cwd=stack.root,
                    env=_baseline_env(stack, env))


def compose_build_up(stack: Stack) -> Timed:
    """compose-native on a generated variant (no overlay): build --no-cache, then up --wait."""
    build = proc.run(stack.compose_argv("build", "--no-cache"), cwd=stack.root)
    up = proc.run(stack.compose_argv("up", "--wait"), cwd=stack.root)
    return Timed(build.argv + up.argv, up.rc, build.wall_s + up.wall_s, build.started, build.lines + up.lines)


def api_health(stack: Stack) -> None:
    """After a baseline run: the API really answers 200 (or the run does not count)."""
    import urllib.request

    port = stack.env()["API_PORT"]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
            status = resp.status
    except OSError as exc:
        raise BenchError(f"{stack.project}: /health does not answer after the run: {exc}") from exc
    if status != 200:
        raise BenchError(f"{stack.project}: /health answered {status} after the run")


def touch_source(stack: Stack, rel: str = "api/app/main.py") -> None:
    """Change one API source file (a comment line), as an edit would."""
    path = stack.root / rel
    path.write_text(path.read_text() + f"# bench edit {secrets.token_hex(4)}\n")
