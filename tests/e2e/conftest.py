"""End-to-end: whole tasks on a copy of the demo application, real engine, real PostgreSQL.

Each test module gets its own copy of examples/demo under a tmp dir, its own
compose project name and its own host ports, so modules never collide.
"""
from __future__ import annotations

import secrets
import subprocess
from typing import Any

import pytest
from demo_kit import POSTGRES_IMAGE, PYTHON_IMAGE, make_demo, remove_images


@pytest.fixture(scope="session", autouse=True)
def _engine() -> None:
    """No engine means a failed run, never a skipped test."""
    proc = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    assert proc.returncode == 0, f"Docker engine unreachable (run bash scripts/provision.sh): {proc.stderr}"
    for image in (PYTHON_IMAGE, POSTGRES_IMAGE):
        assert subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0, \
            f"base image {image} missing (run bash scripts/provision.sh)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    name = "e2e-" + request.module.__name__.rsplit(".", 1)[-1].replace("test_", "").replace("_", "-")
    d = make_demo(tmp_path_factory.mktemp("demo"), f"{name}-{secrets.token_hex(3)}")
    yield d
    d.run("down", "--volumes")
    remove_images(d.project)

