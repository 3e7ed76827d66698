"""The invoke task surface. Wire it into your own tasks.py in two lines:

    from bootstrap.tasks import ns
    ns.configure({"bootstrap": {"config": "bootstrap.yaml"}})

Every task is a thin adapter over `bootstrap.app`; typed errors become a
one-line message and an exit code in `_call`.
"""
from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke import Collection, Exit, task

HELP = {
    "prod": "overlay the production compose files and turn on the production checks",
    "yes": "do not ask for the project name before the destructive reset",
    "dry_run": "print every step with the commands and SQL it would run; change nothing",
    "report": "write a JSON report of the run to this file",
    "no_backup": "skip the database dump before the schema reset",
    "config": "path to bootstrap.yaml (default: $BOOTSTRAP_CONFIG or ./bootstrap.yaml)",
    "rebuild": "build every image with no cache, whatever its fingerprint says",
    "verify_idempotent": "after the run, converge once more and fail if anything changes",
    "project": "compose project name (ci: defaults to one unique to this job)",
    "reseed": "run this seed again even if the ledger says it is applied (repeatable)",
    "only": "just this service, seed or health target",
    "volumes": "also remove the project's volumes (the database data)",
    "json": "also write every check (status, evidence, fix) to this JSON file",
    "lock_wait": "seconds to wait for another run holding the project lock (default 30)",
}


def _task(fn: Any = None, **kwargs: Any) -> Any:
    """@task with help text taken from HELP for exactly the task's own parameters."""
    def wrap(f: Any) -> Any:
        params = inspect.signature(f).parameters
        return task(f, help={k: v for k, v in HELP.items() if k in params}, **kwargs)

    return wrap(fn) if fn is not None else wrap


def _config_path(c: Any, config: str | None) -> Path | None:
    if config:
        return Path(config)
    configured = c.config.get("bootstrap", {}).get("config") if hasattr(c, "config") else None
    if configured and "BOOTSTRAP_CONFIG" not in os.environ:
        return Path(configured)
    return None


def _exit_with(run: Callable[[], int]) -> None:
    """The one place a verb's exit code, or a typed error, becomes invoke's Exit."""
    from . import app

    try:
        code = run()
    except Exception as exc:
        code, message = app.exit_code_for(exc)
        raise Exit(message, code) from None
    if code:
        raise Exit(code=code)


def _call(c: Any, task_name: str, *, config: str | None, prod: bool = False,
          report: str | None = None, project: str | None = None, step: str | None = None,
          only: str | None = None, lock_wait: float = 30.0, **options: Any) -> None:
    from . import app
    from .context import Options

    req = app.Request(task=task_name, config=_config_path(c, config), prod=prod, project=project,
                      report=Path(report) if report else None, options=Options(**options),
                      step=step, only=only, lock_wait_s=float(lock_wait))
    _exit_with(lambda: app.execute(req, dict(os.environ)))


@_task
def first_time(c, prod=False, yes=False, dry_run=False, report=None, no_backup=False,
               config=None, verify_idempotent=False, lock_wait=30):
    """Full bootstrap from nothing: reset the schema (after a backup), roles, builds, migrate, seed, up, health."""
    _call(c, "first-time", config=config, prod=prod, report=report, lock_wait=lock_wait, yes=yes,
          dry_run=dry_run, no_backup=no_backup, destructive=True, rebuild=True,
          verify_idempotent=verify_idempotent)


@_task(iterable=["reseed"])
def restart(c, prod=False, rebuild=False, dry_run=False, report=None, config=None,
            verify_idempotent=False, reseed=None, lock_wait=30):
    """Redeploy without touching data: rebuild what changed, migrate, seed what is new, up, health."""
    _call(c, "restart", config=config, prod=prod, report=report, lock_wait=lock_wait,
          dry_run=dry_run, rebuild=rebuild, verify_idempotent=verify_idempotent,
          reseed=tuple(reseed or ()))


@_task
def ci(c, report=None, project=None, config=None, verify_idempotent=False, prod=False):
    """first-time for CI: non-interactive, with a compose project name unique to the job."""
    if not project:
        job = os.environ.get("CI_JOB_ID") or os.environ.get("GITHUB_RUN_ID")
        project = (f"ci-{job}-{os.getpid()}" if job else f"ci-{os.getpid()}").lower()
    _call(c, "ci", config=config, prod=prod, report=report, project=project, yes=True,
          isolated=True, destructive=True, rebuild=True, verify_idempotent=verify_idempotent)


@_task
def down(c, volumes=False, prod=False, config=None, project=None):
    """Stop and remove the project's containers and networks (and volumes with --volumes)."""
    from . import app

    req = app.Request(task="down", config=_config_path(c, config), prod=prod, project=project)
    _exit_with(lambda: app.down(req, dict(os.environ), volumes))


def _single(name: str, doc: str, **extra: Any) -> Any:
    def body(c, prod=False, dry_run=False, report=None, config=None, only=None, yes=False):
        _call(c, name, config=config, prod=prod, report=report, step=name, only=only,
              dry_run=dry_run, yes=yes, **extra)

    body.__doc__ = doc
    body.__name__ = name.replace("-", "_")
    return _task(body, name=name)


build = _single("build", "Build images whose inputs changed (all with --rebuild semantics off).")
verify = _single("verify", "Import each configured module inside each image; check forbidden strings with --prod.")
roles = _single("roles", "Create or update the application roles and their grants.")
migrate = _single("migrate", "Run the migrations in the application's image, under an advisory lock.")
seed = _single("seed", "Run the seeds the ledger has not recorded (or whose definition changed).")
health = _single("health", "Poll every health target.")
reset_schema = _single("reset-schema", "Back up, then drop and recreate the schema (destructive).",
                       destructive=True)


@_task
def doctor(c, prod=False, json=None, config=None):
    """Check the project without changing anything: pass / warn / fail per check, with the fix."""
    from .doctor.task import run_doctor

    _exit_with(lambda: run_doctor(_config_path(c, config), dict(os.environ), prod=prod,
                                  json_path=Path(json) if json else None))


ns = Collection(first_time, restart, ci, down, build, verify, roles, migrate, seed, health, reset_schema,
                doctor)
namespace = ns
