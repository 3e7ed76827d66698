"""What is running, for the checks that look at the live stack.

Every function raises `Unavailable` (the check becomes `skip`) when the engine
cannot be reached: doctor must still answer in seconds on a machine without one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .finding import Unavailable

if TYPE_CHECKING:
    from ..context import Context

LOG_LINES = 15


def engine(ctx: Context) -> Any:
    """The Docker SDK client, or Unavailable."""
    try:
        return ctx.docker
    except Exception as exc:  # noqa: BLE001 - any failure to reach the engine means "skip"
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise Unavailable(f"Docker engine not reachable: {reason}",
                          "start the engine (bash scripts/provision.sh), then rerun doctor") from None


def running_containers(ctx: Context) -> dict[str, Any]:
    """service -> its running container (stopped and one-off containers left out)."""
    engine(ctx)
    return {name: c for name, c in ctx.compose.containers().items() if c.status == "running"}


def log_tail(ctx: Context, service: str, n: int = LOG_LINES) -> list[str]:
    """The service's last log lines (redacted by the compose layer); [] when there is no container."""
    try:
        return ctx.compose.logs_tail(service, n)
    except Exception:  # noqa: BLE001 - logs are evidence, never a reason to fail the check itself
        return []
