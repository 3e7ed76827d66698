"""The verbs: a flat module the CLI and tasks.py are thin adapters over.

`execute()` is the one place that loads configuration, takes the run lock, runs
the pipeline through the engine, writes the report and turns the outcome into an
exit code.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from .context import Context, Options
from .engine import Engine, Status, Step, StepResult
from .errors import EXIT_OK, EXIT_STEP_FAILED, BootstrapError, ConfigError
from .report import RunRecord, recap_line, write_report

DESTRUCTIVE = {"first-time", "ci", "reset-schema"}


@dataclass(frozen=True)
class Request:
    task: str
    config: Path | None = None
    prod: bool = False
    project: str | None = None
    report: Path | None = None
    options: Options = Options()
    step: str | None = None  # for single-step tasks: build, verify, roles, ...
    only: str | None = None  # one service / seed / health target
    lock_wait_s: float = 30.0


def load_context(req: Request, environ: Mapping[str, str], info: Callable[[str], None]) -> Context:
    from .config import load_config
    from .runner import DryRunner, Runner

    cfg = load_config(req.config, dict(environ), prod=req.prod, project=req.project)
    log_dir = cfg.root / ".bootstrap" / "logs"
    if req.options.isolated:  # parallel ci projects on one tree keep their own logs
        log_dir = log_dir / cfg.project
    runner_cls = DryRunner if req.options.dry_run else Runner
    runner = runner_cls(log_dir, environ, cfg.secrets())
    return Context(config=cfg, runner=runner, options=req.options, info=info)


def confirm(project: str, stdin: IO[str], stdout: IO[str]) -> None:
    """A destructive task asks for the project name unless --yes; no terminal means no."""
    if not stdin.isatty():
        raise ConfigError(f"refusing to reset project {project!r} without a terminal to confirm; "
                          "pass --yes to run non-interactively")
    stdout.write(f"This resets the schema of project {project!r} (a backup is taken first).\n"
                 f"Type the project name to continue: ")
    stdout.flush()
    if stdin.readline().strip() != project:
        raise ConfigError("confirmation did not match the project name; nothing was changed")


def run_steps(ctx: Context, steps: Sequence[Step], display: object) -> list[StepResult]:
    return Engine(ctx, observer=display).run(steps)  # type: ignore[arg-type]


def execute(req: Request, environ: Mapping[str, str], *, stdin: IO[str] | None = None,
            stdout: IO[str] | None = None) -> int:
    from .display import make_display
    from .lock import run_lock
    from .pipeline import converge_steps, single_steps

    out = stdout or sys.stdout
    display = make_display(out)
    started = time.monotonic()
    ctx = load_context(req, environ, display.info)
    cfg = ctx.config
    if req.task in DESTRUCTIVE and not req.options.yes and not req.options.dry_run:
        confirm(cfg.project, stdin or sys.stdin, out)
    record = RunRecord(task=req.task, project=cfg.project, prod=cfg.prod)
    try:
        with run_lock(ctx.state_dir, cfg.project, req.task, wait_s=req.lock_wait_s, warn=display.info):
            steps = single_steps(ctx, req.step, req.only) if req.step else converge_steps(ctx)
            record.steps = run_steps(ctx, steps, display)
            if req.options.verify_idempotent and record.ok and not req.options.dry_run:
                record.steps += idempotence_pass(ctx, req, display)
    except KeyboardInterrupt:
        display.close()
        print("interrupted: stopped cleanly, lock released; rerun the same command to converge",
              file=out)
        return 130
    finally:
        record.duration_s = time.monotonic() - started
        display.close()
        if req.report:
            write_report(record, req.report)
    print(recap_line(record), file=out, flush=True)
    if req.options.dry_run:
        print_plan(record.steps, ctx, out)
    failed = [r for r in record.steps if r.status is Status.FAILED]
    if failed:
        return failed[0].exit_code
    return EXIT_OK


def idempotence_pass(ctx: Context, req: Request, display: object) -> list[StepResult]:
    """Converge once more without destruction; anything but ok means the run was not idempotent."""
    from .pipeline import converge_steps

    again = Context(config=ctx.config, runner=ctx.runner, info=ctx.info,
                    options=replace(ctx.options, destructive=False, rebuild=False, reseed=()))
    results = run_steps(again, converge_steps(again), display)
    moved = [r.name for r in results if r.status is not Status.OK]
    verdict = StepResult("verify-idempotent", Status.OK, detail="second pass: every step ok")
    if moved:
        verdict = StepResult("verify-idempotent", Status.FAILED,
                             detail="second pass was not ok for: " + ", ".join(moved),
                             hint="these steps change something on every run; see their details")
    display.step_finished(verdict)  # type: ignore[attr-defined]
    return [verdict]


def print_plan(steps: Sequence[StepResult], ctx: Context, out: IO[str]) -> None:
    print("\nplan (dry run, nothing was changed):", file=out)
    for r in steps:
        print(f"- {r.name}", file=out)
        for line in r.detail.splitlines():
            print(f"    {line}", file=out)
    planned = getattr(ctx.runner, "planned", [])
    if planned:
        print("commands that were asked for while planning:", file=out)
        for cmd in planned:
            print(f"    $ {cmd}", file=out)


def down(req: Request, environ: Mapping[str, str], volumes: bool, stdout: IO[str] | None = None) -> int:
    from .lock import run_lock

    out = stdout or sys.stdout
    ctx = load_context(req, environ, lambda m: print(m, file=out))
    with run_lock(ctx.state_dir, ctx.config.project, "down", wait_s=req.lock_wait_s):
        left = ctx.compose.down(volumes=volumes)
    if left:
        print(f"down: still present after compose down: {', '.join(left)}", file=out)
        return EXIT_STEP_FAILED
    print(f"down {ctx.config.project}: nothing labelled with the project remains"
          + (" (volumes removed)" if volumes else ""), file=out)
    return EXIT_OK


def exit_code_for(exc: BaseException) -> tuple[int, str]:
    """The one place typed errors become a message and an exit code."""
    if isinstance(exc, BootstrapError):
        return exc.exit_code, f"error: {exc}"
    return EXIT_STEP_FAILED, f"error: {type(exc).__name__}: {exc}"
