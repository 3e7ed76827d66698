"""Progress output: a live line per step on a terminal, plain timestamped lines otherwise.

Implements the engine's Observer; it only renders results, it never decides anything.
"""
from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from typing import IO, Any

from .engine import Status, StepResult

_STYLE = {Status.OK: "green", Status.CHANGED: "yellow", Status.SKIPPED: "dim", Status.FAILED: "bold red"}


class PlainDisplay:
    """For CI and pipes: one timestamped line per event."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._started: dict[str, float] = {}

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self.stream, flush=True)

    def info(self, text: str) -> None:
        self._line(f"  {text}")

    def step_started(self, name: str) -> None:
        self._started[name] = time.monotonic()
        self._line(f"{name} ...")

    def step_finished(self, result: StepResult) -> None:
        detail = result.detail.splitlines()
        first = detail[0] if detail else ""
        timing = f" ({result.duration_s:.1f}s)" if result.status is not Status.SKIPPED else ""
        self._line(f"{result.name}: {result.status.value}{timing}{' - ' + first if first else ''}")
        for extra in detail[1:]:
            self._line(f"    {extra}")
        if result.status is Status.FAILED:
            self.failure(result)

    def failure(self, result: StepResult) -> None:
        for line in result.output_tail:
            print(f"    | {line}", file=self.stream)
        if result.log_path:
            print(f"    full output: {result.log_path}", file=self.stream)
        if result.hint:
            print(f"    hint: {result.hint}", file=self.stream)

    def close(self) -> None:
        pass


class LiveDisplay(PlainDisplay):
    """For terminals: rich status spinner for the running step, a line per finished step."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        from rich.console import Console

        self.console = Console()
        self._status: Any = self.console.status("")
        self._running: list[str] = []  # lanes: several steps may run at once
        self._lock = threading.RLock()

    def info(self, text: str) -> None:
        self.console.print(f"  [dim]{text}[/dim]", highlight=False)

    def _refresh(self) -> None:
        if self._running:
            self._status.update(", ".join(self._running) + " ...")
            self._status.start()
        else:
            self._status.stop()

    def step_started(self, name: str) -> None:
        with self._lock:
            self._started[name] = time.monotonic()
            self._running.append(name)
            self._refresh()

    def step_finished(self, result: StepResult) -> None:
        with self._lock:
            if result.name in self._running:
                self._running.remove(result.name)
            self._refresh()
            self._print_result(result)

    def _print_result(self, result: StepResult) -> None:
        style = _STYLE[result.status]
        first = result.detail.splitlines()[0] if result.detail else ""
        timing = f"{result.duration_s:6.1f}s" if result.status is not Status.SKIPPED else "       "
        self.console.print(f"[{style}]{result.status.value:>7}[/{style}] {timing}  {result.name}"
                           f"  [dim]{first}[/dim]", highlight=False)
        for extra in result.detail.splitlines()[1:]:
            self.console.print(f"                   [dim]{extra}[/dim]", highlight=False)
        if result.status is Status.FAILED:
            self.console.file.flush()
            self.failure(result)

    def close(self) -> None:
        self._status.stop()


def make_display(stream: IO[str] | None = None) -> PlainDisplay:
    out = stream or sys.stdout
    return LiveDisplay() if out.isatty() else PlainDisplay(out)
