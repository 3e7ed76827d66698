"""build:<service>: an image is current iff its fingerprint label matches its inputs.

Builds go through `compose build --no-cache` (BuildKit, the compose model's build
args, NEXT_PUBLIC_* included) with the generated override that stamps the
fingerprint label; never through the SDK's build API, which only speaks the
classic builder (docker/docker-py#2230). A failure names the failing instruction
and shows the end of `.bootstrap/logs/build-<service>.log`.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..dockerfile import preflight
from ..engine import NO_RETRY, BaseStep, Check
from ..errors import StepError
from ..fingerprint import LABEL

if TYPE_CHECKING:
    from ..context import Context

TAIL = 30
_STEP_HEADER = re.compile(r"^#(\d+) (\[[^\]]+\] .+?)\s*$")
_STEP_ERROR = re.compile(r"^#(\d+) ERROR: (.+)$")
_TTY_ERROR = re.compile(r"^\s*(?:=> )?ERROR (\[[^\]]+\] .+?)\s*$")
_SUMMARY = re.compile(r"^ > (\[[^\]]+\] .+?):\s*$")
_SOLVE = re.compile(r"^(?:failed to solve|ERROR: failed to solve|error):? ?(.+)$", re.IGNORECASE)


def preflight_problems(ctx: Context) -> list[str]:
    """One line per COPY/ADD that would fail, for every service the compose model builds."""
    problems: list[str] = []
    for name, svc in ctx.compose.services.items():
        b = svc.build
        if b is None or b.remote:
            continue
        problems += [str(p) for p in preflight(name, b.context, b.dockerfile, build_args=b.args,
                                               target=b.target, root=ctx.config.root)]
    return problems


def failing_instruction(output: str) -> tuple[str | None, str | None]:
    """(`[stage n/m] INSTRUCTION`, the error) from BuildKit output, plain or tty style."""
    lines = output.splitlines()
    headers: dict[str, str] = {}
    instruction = reason = None
    for line in lines:
        if m := _STEP_HEADER.match(line):
            headers.setdefault(m.group(1), m.group(2))
        elif (m := _STEP_ERROR.match(line)) and instruction is None:
            instruction, reason = headers.get(m.group(1)), m.group(2).strip()
        elif (m := _TTY_ERROR.match(line) or _SUMMARY.match(line)) and instruction is None:
            instruction = m.group(1)
    if reason is None:
        reason = next((m.group(1).strip() for line in reversed(lines) if (m := _SOLVE.match(line.strip()))), None)
    return instruction, reason


class Build(BaseStep):
    retry = NO_RETRY

    def __init__(self, service: str) -> None:
        self.service = service
        self.name = f"build:{service}"

    def check(self, ctx: Context) -> Check:
        if ctx.options.rebuild or ctx.options.destructive:
            return Check(False, "rebuild requested: building without cache")
        return self._current(ctx)

    def _current(self, ctx: Context) -> Check:
        compose = ctx.compose
        svc = compose.services[self.service]
        fp = compose.fingerprint(self.service)
        if fp is None:
            return Check(True, f"{svc.image}: nothing local to fingerprint")
        labels = compose.image_labels(self.service)
        if labels is None:
            return Check(False, f"image {svc.image} not built yet")
        if labels.get(LABEL) != fp:
            was = (labels.get(LABEL) or "none")[:12]
            return Check(False, f"image {svc.image} is stale (fingerprint {was}, inputs {fp[:12]})")
        return Check(True, f"image {svc.image} is current ({fp[:12]})")

    def apply(self, ctx: Context) -> str:
        compose = ctx.compose
        result = compose.build([self.service], log_name=f"build-{self.service}")
        if result.returncode != 0:
            instruction, reason = failing_instruction(result.output)
            where = f" at {instruction}" if instruction else ""
            raise StepError(f"build {self.service} failed{where}: {(reason or 'see the log')[:300]}",
                            hint=f"full output in {result.log_path}" if result.log_path else None,
                            output_tail=result.tail(TAIL), log_path=result.log_path)
        ctx.facts.setdefault("built", []).append(self.service)
        fp = compose.fingerprint(self.service) or ""
        return f"built {compose.services[self.service].image} ({fp[:12]}) in {result.duration_s:.1f}s"

    def verify(self, ctx: Context) -> None:
        after = self._current(ctx)
        if not after.done:
            raise StepError(f"{self.name}: the build finished but {after.detail}",
                            hint=f"the label comes from {ctx.compose.override_path}; was it passed with -f?")

    def plan(self, ctx: Context) -> list[str]:
        return [ctx.compose.build_command([self.service], log_name=f"build-{self.service}").shown()]
