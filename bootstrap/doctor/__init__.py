"""doctor: read-only checks, each traced to an incident in the seed write-ups.

Public surface:
- `static_problems(ctx)`: one line per failing static check, for preflight.
- `run_checks(ctx)`: every check as `Finding`s (pass / warn / fail / skip).
- `run_doctor(...)` / `doctor_task`: the `doctor` verb and its invoke task.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .finding import Finding, Status
from .model import DoctorConfig, doctor_config

if TYPE_CHECKING:
    from ..context import Context


def static_problems(ctx: Context) -> list[str]:
    from .registry import static_problems as _static_problems

    return _static_problems(ctx)


def run_checks(ctx: Context) -> list[Finding]:
    from .registry import run_checks as _run_checks

    return _run_checks(ctx)


__all__ = ["DoctorConfig", "Finding", "Status", "doctor_config", "run_checks", "static_problems"]
