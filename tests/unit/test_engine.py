"""Engine semantics: ok / changed / failed / skipped, retries only for transient errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.config import ComposeConfig, Config
from bootstrap.context import Context, Options
from bootstrap.engine import BaseStep, Check, Engine, RetryPolicy, Status
from bootstrap.errors import StepError, TransientError
from bootstrap.runner import Runner

pytestmark = pytest.mark.unit


def make_ctx(tmp_path: Path, **options: object) -> Context:
    cfg = Config(source=tmp_path / "bootstrap.yaml", root=tmp_path, project="t",
                 compose=ComposeConfig(files=(tmp_path / "c.yml",)))
    return Context(config=cfg, runner=Runner(tmp_path / "logs", {}), options=Options(**options))


class Counter(BaseStep):
    """Converged once applied; counts calls."""

    def __init__(self, name: str = "counter", done: bool = False) -> None:
        self.name = name
        self.done = done
        self.applied = 0

    def check(self, ctx: Context) -> Check:
        return Check(self.done, "at target" if self.done else "behind")

    def apply(self, ctx: Context) -> str:
        self.applied += 1
        self.done = True
        return "moved to target"

    def plan(self, ctx: Context) -> list[str]:
        return ["ALTER THING"]


class Flaky(BaseStep):
    def __init__(self, failures: int, exc: type[StepError]) -> None:
        self.name = "flaky"
        self.failures = failures
        self.exc = exc
        self.retry = RetryPolicy(deadline_s=3600, max_attempts=5)
        self.calls = 0

    def apply(self, ctx: Context) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc("connection refused")
        return "done"

    def verify(self, ctx: Context) -> None:
        pass


def test_converged_step_is_ok_and_not_applied(tmp_path: Path) -> None:
    step = Counter(done=True)
    [result] = Engine(make_ctx(tmp_path)).run([step])
    assert result.status is Status.OK and step.applied == 0 and result.detail == "at target"


def test_pending_step_is_applied_verified_and_changed(tmp_path: Path) -> None:
    step = Counter()
    [result] = Engine(make_ctx(tmp_path)).run([step])
    assert result.status is Status.CHANGED and step.applied == 1
    assert result.detail == "moved to target" and result.attempts == 1


def test_apply_that_does_not_converge_fails_verification(tmp_path: Path) -> None:
    class Liar(Counter):
        def apply(self, ctx: Context) -> str:
            return "claimed"

    [result] = Engine(make_ctx(tmp_path)).run([Liar()])
    assert result.status is Status.FAILED and "did not converge" in result.detail


def test_transient_errors_are_retried_without_wall_time(tmp_path: Path) -> None:
    slept: list[float] = []
    step = Flaky(failures=3, exc=TransientError)
    [result] = Engine(make_ctx(tmp_path), sleep=slept.append).run([step])
    assert result.status is Status.CHANGED and result.attempts == 4 and len(slept) == 3


def test_permanent_errors_fail_at_once(tmp_path: Path) -> None:
    slept: list[float] = []
    step = Flaky(failures=3, exc=StepError)
    [result] = Engine(make_ctx(tmp_path), sleep=slept.append).run([step])
    assert result.status is Status.FAILED and step.calls == 1 and slept == []


def test_retries_stop_at_the_attempt_limit(tmp_path: Path) -> None:
    step = Flaky(failures=99, exc=TransientError)
    [result] = Engine(make_ctx(tmp_path), sleep=lambda s: None).run([step])
    assert result.status is Status.FAILED and result.attempts == 5


def test_steps_after_a_failure_are_skipped(tmp_path: Path) -> None:
    later = Counter("later")
    results = Engine(make_ctx(tmp_path), sleep=lambda s: None).run([Flaky(9, StepError), later])
    assert [r.status for r in results] == [Status.FAILED, Status.SKIPPED]
    assert later.applied == 0 and "earlier step failed" in results[1].detail


def test_dry_run_plans_and_changes_nothing(tmp_path: Path) -> None:
    step = Counter()
    [result] = Engine(make_ctx(tmp_path, dry_run=True)).run([step])
    assert result.status is Status.SKIPPED and step.applied == 0 and result.detail == "ALTER THING"


def test_unexpected_exception_is_a_failed_step_not_a_crash(tmp_path: Path) -> None:
    class Broken(BaseStep):
        name = "broken"

        def apply(self, ctx: Context) -> str:
            raise KeyError("x")

    [result] = Engine(make_ctx(tmp_path)).run([Broken()])
    assert result.status is Status.FAILED and "KeyError" in result.detail


def test_lanes_run_side_by_side_and_report_in_lane_order(tmp_path: Path) -> None:
    import threading

    from bootstrap.engine import Lanes

    barrier = threading.Barrier(2, timeout=5)  # both lanes must be inside apply at once

    class Meet(Counter):
        def apply(self, ctx: Context) -> str:
            barrier.wait()
            return super().apply(ctx)

    a, b, after = Meet("a"), Meet("b"), Counter("after")
    results = Engine(make_ctx(tmp_path)).run([Lanes(((a, Counter("a2")), (b,))), after])
    assert [r.name for r in results] == ["a", "a2", "b", "after"]
    assert all(r.status is Status.CHANGED for r in results)


def test_a_failing_lane_stops_the_others_before_their_next_step(tmp_path: Path) -> None:
    import threading

    from bootstrap.engine import Lanes

    failed = threading.Event()

    class Fails(BaseStep):
        name = "fails"

        def apply(self, ctx: Context) -> str:
            failed.set()
            raise StepError("broken build")

    class Slow(Counter):
        def apply(self, ctx: Context) -> str:
            failed.wait(5)
            return super().apply(ctx)

    slow, never, after = Slow("slow"), Counter("never"), Counter("after")
    results = Engine(make_ctx(tmp_path)).run([Lanes(((slow, never), (Fails(),))), after])
    status = {r.name: r.status for r in results}
    assert status == {"slow": Status.CHANGED, "never": Status.SKIPPED, "fails": Status.FAILED,
                      "after": Status.SKIPPED}
    assert never.applied == 0 and after.applied == 0
