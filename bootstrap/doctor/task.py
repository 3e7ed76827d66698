"""`doctor [--prod] [--json FILE]`: every check, one line each; changes nothing.

Exit 0 when nothing fails, 1 when a check fails, 2 when the configuration is
unusable. Read-only: no lock, no ledger, no log files (the runner it hands the
checks drops `log_name`), nothing started that outlives the check.

bootstrap/tasks.py registers `doctor` as a thin task that imports this module
only when it runs, so the CLI starts fast.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO


from ..errors import EXIT_INVALID, EXIT_OK, EXIT_STEP_FAILED, BootstrapError
from ..runner import Command, Result, Runner
from .finding import Finding, Status
from .render import as_json, is_ok, summary, write_json


class ReadOnlyRunner(Runner):
    """A Runner that keeps no log files: doctor leaves the project tree as it found it."""

    def run(self, cmd: Command, *, check: bool = True, hint: str | None = None) -> Result:
        return super().run(replace(cmd, log_name=None), check=check, hint=hint)


def run_doctor(config_path: Path | None, environ: Mapping[str, str], *, prod: bool = False,
               json_path: Path | None = None, stdout: IO[str] | None = None,
               project: str | None = None) -> int:
    from ..config import load_config
    from ..context import Context
    from .registry import run_checks
    from .running import close

    out = stdout or sys.stdout
    started = time.monotonic()
    try:
        cfg = load_config(config_path, dict(environ), prod=prod, project=project)
    except BootstrapError as exc:
        finding = Finding("config", "bootstrap.yaml and the env file load", Status.FAIL,
                          exc.message, exc.hint or "fix the configuration; nothing was checked", True)
        print(finding.line(), file=out, flush=True)
        if json_path:
            write_json({"ok": False, "project": None, "prod": prod, "duration_s": 0.0,
                        "checks": [finding.as_json()]}, json_path)
        return EXIT_INVALID
    runner = ReadOnlyRunner(cfg.root / ".bootstrap" / "logs", environ, cfg.secrets())
    ctx = Context(config=cfg, runner=runner)
    try:
        findings = run_checks(ctx)
    finally:
        close(ctx)
    duration = time.monotonic() - started
    for finding in findings:
        for line in finding.lines():
            print(line, file=out)
    print(summary(findings, duration), file=out, flush=True)
    if json_path:
        write_json(as_json(findings, project=cfg.project, prod=cfg.prod, duration_s=duration), json_path)
    return EXIT_OK if is_ok(findings) else EXIT_STEP_FAILED

