"""Docker tests: the real engine and compose, a copy of a tiny fixture project per test.

No engine (or no local base image) is a failed run, never a skipped test. Each test
gets its own compose project name, and teardown removes everything labelled with it
(`down -v`, then a sweep of containers, networks, volumes and its images).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from bootstrap.compose import docker_client
from bootstrap.config import ComposeConfig, Config, HealthConfig, ImageConfig
from bootstrap.context import Context, Options
from bootstrap.engine import Engine, Status, Step, StepResult
from bootstrap.errors import StepError
from bootstrap.runner import Runner
from bootstrap.steps.build import Build

FIXTURES = Path(__file__).parent / "fixtures"
PYTHON_IMAGE = os.environ.get("PYTHON_IMAGE", "bootstrap-local/python:3-bookworm")


@pytest.fixture(scope="session", autouse=True)
def engine() -> docker.DockerClient:
    try:
        client = docker_client(dict(os.environ))
    except StepError as exc:
        pytest.fail(f"Docker engine unreachable: {exc}", pytrace=False)
    try:
        client.images.get(PYTHON_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"base image {PYTHON_IMAGE} missing: run `bash scripts/provision.sh`", pytrace=False)
    return client


@dataclass
class Project:
    root: Path
    name: str
    client: docker.DockerClient

    def ctx(self, *, prod: bool = False, images: dict[str, ImageConfig] | None = None,
            health: Sequence[HealthConfig] = (), env: dict[str, str] | None = None,
            options: Options | None = None, runner: Runner | None = None) -> Context:
        """A fresh context (a new run): nothing cached from an earlier one."""
        config = Config(source=self.root / "bootstrap.yaml", root=self.root, project=self.name,
                        compose=ComposeConfig(files=(Path("compose.yml"),)), images=images or {},
                        health=tuple(health), env={"PYTHON_IMAGE": PYTHON_IMAGE, **(env or {})}, prod=prod)
        runner = runner or Runner(self.root / ".bootstrap" / "logs", dict(os.environ), [])
        return Context(config=config, runner=runner, options=options or Options())

    def step(self, step: Step, ctx: Context | None = None) -> StepResult:
        return Engine(ctx or self.ctx()).run_one(step)

    def containers(self, **labels: str) -> list[Any]:
        wanted = [f"com.docker.compose.project={self.name}", *(f"{k}={v}" for k, v in labels.items())]
        return list(self.client.containers.list(all=True, filters={"label": wanted}))


def sweep(client: docker.DockerClient, name: str) -> None:
    labelled = {"label": f"com.docker.compose.project={name}"}
    for c in client.containers.list(all=True, filters=labelled):
        c.remove(force=True, v=True)
    for c in client.containers.list(all=True, filters={"name": name}):
        c.remove(force=True, v=True)
    for n in client.networks.list(filters=labelled):
        n.remove()
    for v in client.volumes.list(filters=labelled):
        v.remove(force=True)
    for image in client.images.list(name=f"{name}-*"):
        client.images.remove(image.id, force=True)


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest, engine: docker.DockerClient) -> Iterator[Project]:
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().replace("test_", "")).strip("-")[:28]
    name = f"bt-{slug}-{secrets.token_hex(3)}"
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "app", root)
    p = Project(root, name, engine)
    yield p
    try:
        p.ctx().compose.down(volumes=True)
    finally:
        sweep(engine, name)


@pytest.fixture
def built(project: Project) -> Project:
    """The fixture project with its api image built."""
    assert project.step(Build("api")).status is Status.CHANGED
    return project
