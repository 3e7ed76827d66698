"""The step engine: check -> apply -> verify, retries, timing, results.

A step says how to tell that it has converged (`check`) and how to converge
(`apply`). The engine decides what runs, retries only `TransientError`s under the
step's policy, and records one `StepResult` per step. Steps never call each other;
facts one step learns for later ones go through `ctx.facts`.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity import wait_exponential_jitter

from .errors import BootstrapError, CommandFailed, StepError, TransientError

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

    def run(self, steps: Iterable[Step]) -> list[StepResult]:
        results: list[StepResult] = []
        failed = False
        for step in steps:
            if failed:
                result = StepResult(step.name, Status.SKIPPED, detail="not run: an earlier step failed")
            else:
                if self.observer:
                    self.observer.step_started(step.name)
                result = self.run_one(step)
                failed = result.status is Status.FAILED
            results.append(result)
            if self.observer:
                self.observer.step_finished(result)
        return results

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


__all__ = ["BaseStep", "Check", "CommandFailed", "Engine", "NO_RETRY", "RetryPolicy",
           "Status", "Step", "StepResult", "recap"]
