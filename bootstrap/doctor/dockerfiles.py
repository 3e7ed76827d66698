"""Check dockerfile-sources (seed 004 issue 2): COPY/ADD sources missing from the build context,
and `COPY --from=stage` paths that stage visibly never creates (the missing `public/`).

The analysis is the Docker side's `dockerfile.preflight`; this adapts its problems
into findings. Preflight runs the same analysis through `steps.build`, so this
check is not part of `static_problems`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .finding import Verdict, fail, ok
from .locate import shown

if TYPE_CHECKING:
    from ..context import Context


def check_dockerfiles(ctx: Context) -> Iterable[Verdict]:
    from ..dockerfile import preflight

    out: list[Verdict] = []
    built = 0
    for name, svc in sorted(ctx.compose.services.items()):
        build = svc.build
        if build is None or build.remote:
            continue
        built += 1
        for problem in preflight(name, build.context, build.dockerfile, build_args=build.args,
                                 target=build.target, root=ctx.config.root):
            df = shown(build.dockerfile, ctx.config.root)
            where = f"{df}:{problem.line}" if problem.line else df
            what = f"{where}: {problem.instruction}: " if problem.instruction else f"{where}: "
            out.append(fail(f"service {name}: {what}{problem.reason.split(' (')[0]}",
                            _fix(problem.reason)))
    if not out:
        out.append(ok(f"{built} Dockerfile(s): every COPY/ADD source is in its build context"))
    return out


def _fix(reason: str) -> str:
    """The hint the Docker side put in parentheses, else a generic one."""
    if "(" in reason and reason.endswith(")"):
        return reason[reason.index("(") + 1:-1]
    return "create the missing path in the build context or fix the instruction"
