"""What is running, for the checks that look at the live stack.

Every function raises `Unavailable` (the check becomes `skip`) when the engine
cannot be reached: doctor must still answer in seconds on a machine without one.
"""
from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .finding import Unavailable

if TYPE_CHECKING:
    from ..context import Context

LOG_LINES = 15


def engine_address_problem(env: Mapping[str, str]) -> str | None:
    """Why the engine's address cannot answer, found without the SDK (fast, and no leaked socket)."""
    host = env.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    parts = urlsplit(host)
    if parts.scheme == "unix":
        return None if Path(parts.path).exists() else f"no socket at {parts.path}"
    if parts.scheme == "tcp" and parts.hostname:
        try:
            socket.create_connection((parts.hostname, parts.port or 2375), timeout=2).close()
        except OSError as exc:
            return f"{host}: {exc.strerror or exc}"
    return None


def engine(ctx: Context) -> Any:
    """The Docker SDK client, or Unavailable."""
    if not ctx.docker_created:
        problem = engine_address_problem(ctx.config.env)
        if problem:
            raise Unavailable(f"Docker engine not reachable: {problem}",
                              "start the engine (bash scripts/provision.sh), then rerun doctor")
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


def close(ctx: Context) -> None:
    """Close the SDK client if a check opened one."""
    ctx.close()
