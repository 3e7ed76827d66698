"""The step engine: check -> apply -> verify, retries, timing, results.

A step says how to tell that it has converged (`check`) and how to converge
(`apply`). The engine decides what runs, retries only `TransientError`s under the
step's policy, and records one `StepResult` per step. Steps never call each other;
facts one step learns for later ones go through `ctx.facts`.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity import wait_exponential_jitter

from .errors import BootstrapError, StepError, TransientError

if TYPE_CHECKING:
    from .context import Context


class Status(str, Enum):
    OK = "ok"
    CHANGED = "changed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Check:
    """The answer to "has this step converged?". `detail` says what was seen."""

    done: bool
    detail: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How long a step keeps retrying transient failures."""

    deadline_s: float = 60.0
    max_attempts: int = 30
    initial_s: float = 0.2
    max_wait_s: float = 5.0

    def stop(self) -> Any:
        return stop_after_delay(self.deadline_s) | stop_after_attempt(self.max_attempts)

    def wait(self) -> Any:
        return wait_exponential_jitter(initial=self.initial_s, max=self.max_wait_s)


NO_RETRY = RetryPolicy(max_attempts=1)


class Step(Protocol):
    name: str
    retry: RetryPolicy

    def check(self, ctx: Context) -> Check: ...
    def apply(self, ctx: Context) -> str: ...
    def verify(self, ctx: Context) -> None: ...
    def plan(self, ctx: Context) -> list[str]: ...


class BaseStep:
    """Defaults: never converged without applying, verify by checking again."""

    name = "step"
    retry = NO_RETRY
    verify_by_check = True

    def check(self, ctx: Context) -> Check:
        return Check(False)

    def apply(self, ctx: Context) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def verify(self, ctx: Context) -> None:
        if not self.verify_by_check:
            return
        after = self.check(ctx)
        if not after.done:
            raise StepError(f"{self.name} did not converge: {after.detail}")

    def plan(self, ctx: Context) -> list[str]:
        return []


@dataclass
class StepResult:
    name: str
    status: Status
    duration_s: float = 0.0
    attempts: int = 0
    detail: str = ""
    hint: str | None = None
    output_tail: list[str] = field(default_factory=list)
    log_path: str | None = None
    exit_code: int = 1

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status.value,
                "duration_s": round(self.duration_s, 3), "attempts": self.attempts,
                "detail": self.detail}


class Observer(Protocol):
    def step_started(self, name: str) -> None: ...
    def step_finished(self, result: StepResult) -> None: ...


@dataclass(frozen=True)
class Lanes:
    """Sequences of steps that run side by side, e.g. the database chain beside the image builds.

    Within a lane steps run in order; a failure in any lane stops every lane before its
    next step. Results are reported in lane order, whatever order they finished in.
    """

    lanes: tuple[tuple[Step, ...], ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for lane in self.lanes for step in lane)


Item = Step | Lanes


def flatten(items: Iterable[Item]) -> list[Step]:
    return [s for item in items for s in (item.steps if isinstance(item, Lanes) else (item,))]


class Engine:
    def __init__(
        self,
        ctx: Context,
        observer: Observer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ctx = ctx
        self.observer = observer
        self.sleep = sleep
        self.clock = clock

    def run(self, items: Iterable[Item]) -> list[StepResult]:
        results: list[StepResult] = []
        failed = False
        for item in items:
            if isinstance(item, Lanes) and not failed:
                group = self._run_lanes(item)
                failed = any(r.status is Status.FAILED for r in group)
                results += group
                continue
            for step in flatten([item]):
                result = self._skip(step) if failed else self._run_observed(step)
                failed = failed or result.status is Status.FAILED
                results.append(result)
        return results

    def _skip(self, step: Step) -> StepResult:
        result = StepResult(step.name, Status.SKIPPED, detail="not run: an earlier step failed")
        if self.observer:
            self.observer.step_finished(result)
        return result

    def _run_observed(self, step: Step) -> StepResult:
        if self.observer:
            self.observer.step_started(step.name)
        result = self.run_one(step)
        if self.observer:
            self.observer.step_finished(result)
        return result

    def _run_lanes(self, group: Lanes) -> list[StepResult]:
        stop = threading.Event()
        out: list[list[StepResult]] = [[] for _ in group.lanes]

        def lane_worker(index: int, lane: tuple[Step, ...]) -> None:
            for step in lane:
                result = self._skip(step) if stop.is_set() else self._run_observed(step)
                out[index].append(result)
                if result.status is Status.FAILED:
                    stop.set()

        threads = [threading.Thread(target=lane_worker, args=(i, lane), name=f"lane-{i}", daemon=True)
                   for i, lane in enumerate(group.lanes)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:  # only the main thread sees Ctrl-C: stop what the lanes started
            stop.set()
            self.ctx.runner.stop_all()
            for t in threads:
                t.join(30)
            raise
        return [r for lane in out for r in lane]

    def run_one(self, step: Step) -> StepResult:
        started = self.clock()
        if self.ctx.dry_run:
            return StepResult(step.name, Status.SKIPPED, detail="\n".join(step.plan(self.ctx)) or "dry run")
        attempts = 0
        retrying = Retrying(
            stop=step.retry.stop(), wait=step.retry.wait(),
            retry=retry_if_exception_type(TransientError),
            sleep=self.sleep, reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    status, detail = self._converge(step)
        except KeyboardInterrupt:
            raise
        except BootstrapError as exc:
            return StepResult(
                step.name, Status.FAILED, self.clock() - started, attempts, exc.message,
                hint=exc.hint,
                output_tail=getattr(exc, "output_tail", []),
                log_path=str(exc.log_path) if getattr(exc, "log_path", None) else None,
                exit_code=exc.exit_code,
            )
        except Exception as exc:  # a bug or an unclassified library error: report, don't crash
            return StepResult(step.name, Status.FAILED, self.clock() - started, attempts,
                              f"{type(exc).__name__}: {exc}")
        return StepResult(step.name, status, self.clock() - started, attempts, detail)

    def _converge(self, step: Step) -> tuple[Status, str]:
        before = step.check(self.ctx)
        if before.done:
            return Status.OK, before.detail
        detail = step.apply(self.ctx)
        step.verify(self.ctx)
        return Status.CHANGED, detail or before.detail


def recap(results: Sequence[StepResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts


__all__ = ["BaseStep", "Check", "Engine", "Lanes", "NO_RETRY", "RetryPolicy",
           "Status", "Step", "StepResult", "recap"]
