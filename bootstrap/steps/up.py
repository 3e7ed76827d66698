"""up: every service running its current image and config; health:<name>: it answers.

`Up.check` asks what compose itself would ask (its config-hash and image labels on
each container, and that the container runs), so a second run reports ok without
touching anything. `Up.apply` runs `compose up -d` and reports which containers were
created, recreated or (re)started, by comparing IDs and State.StartedAt before/after.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..compose import HASH_LABEL, IMAGE_LABEL
from ..compose_commands import up_argv
from ..engine import NO_RETRY, BaseStep, Check
from ..errors import StepError
from ..health import HealthChecker

if TYPE_CHECKING:
    from ..config import HealthConfig
    from ..context import Context


def _snapshot(ctx: Context) -> dict[str, tuple[str, str]]:
    return {svc: (c.id, (c.attrs.get("State") or {}).get("StartedAt", ""))
            for svc, c in ctx.compose.containers().items()}


class Up(BaseStep):
    name = "up"
    retry = NO_RETRY

    def check(self, ctx: Context) -> Check:
        compose = ctx.compose
        hashes = compose.config_hashes
        containers = compose.containers()
        stale: list[str] = []
        for svc in compose.services:
            c = containers.get(svc)
            if c is None:
                stale.append(f"{svc}: no container")
                continue
            if hashes.get(svc) and c.labels.get(HASH_LABEL) != hashes[svc]:
                stale.append(f"{svc}: configuration changed")
            elif IMAGE_LABEL in c.labels and c.labels[IMAGE_LABEL] != compose.image_id(svc):
                stale.append(f"{svc}: image changed")
            elif c.status != "running":
                stale.append(f"{svc}: {c.status}")
        if stale:
            return Check(False, "; ".join(stale))
        return Check(True, f"{len(compose.services)} containers up to date")

    def apply(self, ctx: Context) -> str:
        before = _snapshot(ctx)
        ctx.compose.up()
        after = _snapshot(ctx)
        changes: dict[str, list[str]] = {"created": [], "recreated": [], "started": []}
        for svc, (cid, started) in sorted(after.items()):
            if svc not in before:
                changes["created"].append(svc)
            elif before[svc][0] != cid:
                changes["recreated"].append(svc)
            elif before[svc][1] != started:
                changes["started"].append(svc)
        ctx.facts["up"] = changes
        said = "; ".join(f"{k} {', '.join(v)}" for k, v in changes.items() if v)
        return said or "compose up -d: nothing to do"

    def verify(self, ctx: Context) -> None:
        """Every service has a container. Whether it stays up is for health:<name>, with its logs."""
        containers = ctx.compose.containers()
        missing = [s for s in ctx.compose.services if s not in containers]
        if missing:
            raise StepError(f"up: no container for {', '.join(missing)} after compose up -d")

    def plan(self, ctx: Context) -> list[str]:
        compose = ctx.compose
        return [compose.command(up_argv(compose.base)).shown()]


class Health(BaseStep):
    """Read-only: `check` polls until healthy (ok) or raises with the container's state and logs."""

    retry = NO_RETRY
    verify_by_check = False

    def __init__(self, health: HealthConfig, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.health = health
        self.name = f"health:{health.name}"
        self.sleep, self.clock = sleep, clock

    def check(self, ctx: Context) -> Check:
        checker = HealthChecker(ctx.compose, sleep=self.sleep, clock=self.clock)
        return Check(True, checker.wait(self.health))

    def apply(self, ctx: Context) -> str:  # pragma: no cover - check either passes or raises
        return self.check(ctx).detail

    def plan(self, ctx: Context) -> list[str]:
        h = self.health
        what = f"GET {h.url} (no redirects)" if h.url else f"service {h.service} running/healthy"
        return [f"poll {what} for up to {h.timeout_s:g}s"]
