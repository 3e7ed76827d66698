"""preflight: everything that can be found wrong before anything changes.

Reads only: the compose model, the Dockerfiles and their contexts, the static
doctor checks. Any problem fails the run with exit code 2 (invalid input).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import BaseStep, Check
from ..errors import EXIT_INVALID, StepError

if TYPE_CHECKING:
    from ..context import Context


class PreflightFailed(StepError):
    exit_code = EXIT_INVALID


class Preflight(BaseStep):
    name = "preflight"
    verify_by_check = False

    def check(self, ctx: Context) -> Check:
        from ..doctor import static_problems
        from .build import preflight_problems

        problems = [*preflight_problems(ctx), *static_problems(ctx)]
        if problems:
            raise PreflightFailed(
                f"{len(problems)} problem(s) found before any change: " + problems[0],
                "fix them and rerun; nothing was changed",
                output_tail=problems,
            )
        services = ctx.compose.services
        return Check(True, f"{len(services)} services, "
                           f"{sum(1 for s in services.values() if s.build)} Dockerfiles checked")

    def plan(self, ctx: Context) -> list[str]:
        return ["read the compose model, check Dockerfiles and build contexts (read-only)"]
