"""What a step sees: configuration, the runner, options, and shared facts.

Heavy clients (Docker SDK, the compose model) are created on first use, so the
CLI starts fast and a step that needs none of them never pays for them.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .runner import Result, Runner

if TYPE_CHECKING:
    import docker

    from .compose import ComposeProject
    from .config import Config


@dataclass(frozen=True)
class Options:
    yes: bool = False
    dry_run: bool = False
    no_backup: bool = False
    rebuild: bool = False  # build every image with no cache, whatever its fingerprint
    destructive: bool = False  # first-time / ci: backup + reset-schema run
    reseed: tuple[str, ...] = ()
    verify_idempotent: bool = False
    isolated: bool = False  # ci: no published host ports, so parallel projects never collide


class ServiceRunner(Protocol):
    """Runs a command in a compose service's image (migrations, seeds)."""

    def run(self, service: str, argv: Sequence[str], *, workdir: str | None = None,
            timeout_s: float = 600.0, log_name: str | None = None,
            env: Mapping[str, str] | None = None) -> Result: ...


@dataclass
class Context:
    config: Config
    runner: Runner
    options: Options = field(default_factory=Options)
    info: Callable[[str], None] = lambda msg: None  # progress lines for the display
    facts: dict[str, Any] = field(default_factory=dict)  # what one step learns for later ones
    service_runner_override: ServiceRunner | None = None

    @property
    def prod(self) -> bool:
        return self.config.prod

    @property
    def dry_run(self) -> bool:
        return self.options.dry_run

    @property
    def state_dir(self) -> Path:
        return self.config.root / ".bootstrap"

    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _docker: docker.DockerClient | None = field(default=None, init=False, repr=False)
    _compose: ComposeProject | None = field(default=None, init=False, repr=False)

    @property
    def docker(self) -> docker.DockerClient:
        with self._lock:  # lanes run steps in threads: one client, made once, on first use
            if self._docker is None:
                from .compose import docker_client

                self._docker = docker_client(self.config.env)
            return self._docker

    @property
    def docker_created(self) -> bool:
        return self._docker is not None

    def close(self) -> None:
        """Close the clients this context created (their sockets)."""
        with self._lock:
            if self._docker is not None:
                self._docker.close()
                self._docker = None

    @property
    def compose(self) -> ComposeProject:
        with self._lock:
            if self._compose is None:
                from .compose import ComposeProject

                self._compose = ComposeProject.load(self)
            return self._compose

    @property
    def service_runner(self) -> ServiceRunner:
        if self.service_runner_override is not None:
            return self.service_runner_override
        return self.compose
