"""One harness run: the plan (how many repetitions), the stacks it made, and shared runs.

Stacks are made on first use and always torn down (`down -v`, their images) in
`close()`, whatever happened. Figures share the three demo stacks: first-time
leaves them up, so the restart figures start from a converged stack; a figure run
on its own brings its stack up first, untimed.
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import systems
from .proc import BenchError, Timed
from .stack import Stack, demo_copy
from .systems import BootRun

T = TypeVar("T")
BOOTSTRAP, SETUP_SH, NATIVE = "bootstrap", "setup.sh", "compose-native"
SYSTEMS = (BOOTSTRAP, SETUP_SH, NATIVE)


@dataclass(frozen=True)
class Plan:
    quick: bool
    pairs: int  # rounds of A B (C) for every comparison
    latency_runs: int
    cli_runs: int
    growth_reps: int
    image_counts: tuple[int, ...] = (1, 2, 4, 8)
    role_counts: tuple[int, ...] = (1, 10, 100)
    api_start_delay_s: float = 4.0

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(quick=True, pairs=2, latency_runs=5, cli_runs=5, growth_reps=1)
        return cls(quick=False, pairs=5, latency_runs=20, cli_runs=15, growth_reps=3)


@dataclass
class Session:
    plan: Plan
    log: Callable[[str], None] = print
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    stacks: dict[str, Stack] = field(default_factory=dict)
    extra_stacks: list[Stack] = field(default_factory=list)
    up: set[str] = field(default_factory=set)
    first_time_runs: list[BootRun] = field(default_factory=list)  # bootstrap's, for the memory figure
    failures: list[str] = field(default_factory=list)  # runs that failed once and were retried

    def attempt(self, what: str, fn: Callable[[], T]) -> T:
        """Run `fn`; if it fails, record why (figures report it) and run it once more.

        A failed run is never a sample: the retry starts from the same state (`fn` sets it up).
        """
        try:
            return fn()
        except BenchError as exc:
            self.record_failure(what, exc)
            return fn()

    def record_failure(self, what: str, exc: BenchError) -> None:
        lines = str(exc).splitlines()
        reason = next((ln.strip() for ln in lines if ": failed (" in ln), lines[0] if lines else "?")
        self.failures.append(f"{what}: {reason[:300]}")
        self.log(f"  {what} failed: {reason[:200]}")

    def stack(self, system: str) -> Stack:
        if system not in self.stacks:
            short = {BOOTSTRAP: "boot", SETUP_SH: "sh", NATIVE: "native"}[system]
            self.stacks[system] = demo_copy(self.workdir, f"bench-{short}-{self.tag}")
        return self.stacks[system]

    def track(self, stack: Stack) -> Stack:
        """A generated variant: torn down in close() unless the figure already did."""
        self.extra_stacks.append(stack)
        return stack

    # the three systems ----------------------------------------------------------------------

    def first_time(self, system: str) -> float:
        """From nothing (no containers, volume, project images or state): wall seconds."""
        stack = self.stack(system)
        self.up.discard(system)
        if system == BOOTSTRAP:
            def from_nothing() -> BootRun:
                stack.teardown(images=True)
                return systems.bootstrap(stack, "first-time", "--yes")

            run = self.attempt(f"{system} first-time", from_nothing)
            self.first_time_runs.append(run)
            wall = run.wall_s
        else:
            stack.teardown(images=True)
            timed = systems.setup_sh(stack, "first-time") if system == SETUP_SH else systems.compose_native(stack)
            systems.api_health(stack)
            wall = timed.wall_s
        self.up.add(system)
        return wall

    def restart(self, system: str, *, cached: bool = False) -> BootRun | Timed:
        stack = self.ensure_up(system)
        if system == BOOTSTRAP:
            return systems.bootstrap(stack, "restart")
        if system == SETUP_SH:
            timed = systems.setup_sh(stack, "restart")
        else:
            timed = systems.compose_native(stack, cached=cached)
        systems.api_health(stack)
        return timed

    def ensure_up(self, system: str) -> Stack:
        if system not in self.up:
            self.log(f"  (untimed) bringing {system} up first")
            self.first_time(system)
        return self.stack(system)

    def close(self) -> None:
        for stack in [*self.stacks.values(), *self.extra_stacks]:
            try:
                stack.teardown(images=True)
            except Exception as exc:  # keep tearing the others down
                self.log(f"teardown of {stack.project} failed: {exc}")
        shutil.rmtree(self.workdir, ignore_errors=True)


def alternate(round_index: int, order: tuple[str, ...]) -> tuple[str, ...]:
    """A B C, then C B A, ...: no system always runs first (or right after another's build)."""
    return order if round_index % 2 == 0 else tuple(reversed(order))


__all__ = ["BOOTSTRAP", "NATIVE", "SETUP_SH", "SYSTEMS", "BenchError", "Plan", "Session", "alternate"]
