"""What a step sees: configuration, the runner, options, and shared facts.

Heavy clients (Docker SDK, the compose model) are created on first use, so the
CLI starts fast and a step that needs none of them never pays for them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
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

    @cached_property
    def docker(self) -> docker.DockerClient:
        from .compose import docker_client

        return docker_client(self.config.env)

    @cached_property
    def compose(self) -> ComposeProject:
        from .compose import ComposeProject

        return ComposeProject.load(self)

    @property
    def service_runner(self) -> ServiceRunner:
        if self.service_runner_override is not None:
            return self.service_runner_override
        return self.compose
