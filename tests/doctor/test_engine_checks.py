"""The checks that look at the running stack (5, 9, 10-running), against the real engine.

Each test builds / starts its own tiny fixture project under a unique compose
project name and removes its containers and images afterwards.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap.config import load_config
from bootstrap.context import Context
from bootstrap.doctor.finding import Status
from bootstrap.doctor.running import close
from bootstrap.runner import Runner

from doctorkit import context, docker_ready, failing, free_port, run, statuses, write_env

pytestmark = pytest.mark.docker


class Stack:
    """A fixture project under its own compose project name: set-up commands, and doctor contexts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = f"doc{root.name}{secrets.token_hex(3)}"
        self.contexts: list[Context] = []

    def operator(self) -> Context:
        """A normal context (with logs) for setting the stack up, as the tasks would."""
        cfg = load_config(self.root / "bootstrap.yaml", {}, project=self.project)
        ctx = Context(config=cfg, runner=Runner(self.root / ".bootstrap" / "logs", dict(os.environ), cfg.secrets()))
        self.contexts.append(ctx)
        return ctx

    def doctor(self) -> Context:
        ctx = context(self.root, project=self.project)
        self.contexts.append(ctx)
        return ctx

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker", "compose", "-p", self.project, "--env-file", ".env",
                               "-f", "docker-compose.yml", *args], cwd=self.root, capture_output=True, text=True,
                              timeout=300, check=True)

    def teardown(self) -> None:
        subprocess.run(["docker", "compose", "-p", self.project, "--env-file", ".env", "-f", "docker-compose.yml",
                        "down", "-v", "--rmi", "local", "--remove-orphans"], cwd=self.root, capture_output=True,
                       timeout=300)
        for ctx in self.contexts:
            close(ctx)


@pytest.fixture
def stack(fixture_project: Any) -> Iterator[Any]:
    docker_ready()
    made: list[Stack] = []

    def make(name: str) -> Stack:
        made.append(Stack(fixture_project(name)))
        return made[-1]

    yield make
    for s in made:
        s.teardown()


# --- 5. stale images -----------------------------------------------------------------------------

def test_image_built_from_other_inputs_is_stale(stack: Any) -> None:
    s = stack("stale")
    built = s.operator().compose.build(["app"])
    assert built.returncode == 0, built.output
    assert statuses(run(s.doctor(), "stale-images")) == [Status.PASS]

    time.sleep(1.1)  # the change must be later than the image's creation time, at second resolution
    (s.root / "app" / "requirements.txt").write_text("fastapi==0.115.0\nalembic==1.14.0\n")
    [finding] = run(s.doctor(), "stale-images")
    assert finding.status is Status.FAIL
    assert finding.evidence.startswith(f"service app: image {s.project}-app (built ")
    assert "was built from inputs with fingerprint" in finding.evidence
    assert "dependency files changed since: requirements.txt (" in finding.evidence
    assert finding.fix == "rebuild it: invoke build --only app (or invoke restart)"


def test_image_without_a_label_older_than_its_dependency_files(stack: Any) -> None:
    s = stack("stale")
    s.compose("build", "app")  # by hand, as on the seed's server: no fingerprint label
    future = time.time() + 120
    os.utime(s.root / "app" / "requirements.txt", (future, future))
    [finding] = run(s.doctor(), "stale-images")
    assert finding.status is Status.FAIL
    assert f"service app: image {s.project}-app was built " in finding.evidence
    assert "before the last change to requirements.txt" in finding.evidence
    assert "it may lack a dependency" in finding.evidence


def test_container_running_an_older_image(stack: Any) -> None:
    s = stack("stale")
    op = s.operator()
    assert op.compose.build(["app"]).returncode == 0
    op.compose.up(["app"])
    (s.root / "app" / "requirements.txt").write_text("fastapi==0.115.0\ncelery==5.4.0\n")
    assert s.operator().compose.build(["app"]).returncode == 0  # rebuilt, container not recreated
    fails = failing(run(s.doctor(), "stale-images"))
    assert len(fails) == 1
    assert fails[0].evidence.startswith("container app runs image ")
    assert f"but {s.project}-app is now " in fails[0].evidence
    assert "invoke restart" in fails[0].fix


# --- 9. health and routing, 10. running environment ------------------------------------------------

def wait_http(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout_s}s")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The live fixture, started once for the module: api (redirects), worker (crashed)."""
    from doctorkit import copy_project

    docker_ready()
    s = Stack(copy_project("live", tmp_path_factory.mktemp("live")))
    port = free_port()
    write_env(s.root, API_PORT=str(port), RATE_LIMIT_ENABLED="true")
    try:
        s.compose("up", "-d", "api", "worker")
        wait_http(f"http://127.0.0.1:{port}/healthz")
        deadline = time.monotonic() + 30
        while "exited" not in s.compose("ps", "-a", "worker", "--format", "{{.State}}").stdout:
            assert time.monotonic() < deadline, "worker did not exit"
            time.sleep(0.2)
        s.port = port  # type: ignore[attr-defined]
        yield s
    finally:
        s.teardown()


def test_health_redirect_fails_naming_the_location(live: Stack) -> None:
    findings = run(live.doctor(), "health")
    api = next(f for f in findings if f.evidence.startswith("api: "))
    assert api.status is Status.FAIL
    assert api.evidence.startswith("api: http://api:8000/health")
    assert "307 redirect to /healthz" in api.evidence
    assert "/healthz" in api.fix


def test_health_of_a_crashed_service_shows_its_last_log_lines(live: Stack) -> None:
    findings = run(live.doctor(), "health")
    worker = next(f for f in findings if f.evidence.startswith("worker: "))
    assert worker.status is Status.FAIL
    assert "worker container exited (exit code 1)" in worker.evidence
    assert "worker's state and last log lines below" in worker.evidence
    assert worker.details[0].startswith("worker container: exited (exit code 1")
    assert "RuntimeError: boom: cannot reach redis:6379" in worker.details
    assert "worker starting" in worker.details


def test_api_base_that_redirects_fails(live: Stack) -> None:
    [finding] = run(live.doctor(), "api-base")
    assert finding.status is Status.FAIL
    url = f"http://localhost:{live.port}/api/items"  # type: ignore[attr-defined]
    assert finding.evidence.startswith(f"frontend was built with NEXT_PUBLIC_API_URL; GET {url} answers 307 "
                                       f"redirect to http://localhost:{live.port}/api/v1/items")  # type: ignore[attr-defined]
    assert "no CORS headers" in finding.evidence
    assert finding.fix.startswith("set NEXT_PUBLIC_API_URL so the frontend calls the final URL")


def test_running_container_environment_differs_from_the_expectation(live: Stack) -> None:
    ctx = live.doctor()
    assert failing(run(ctx, "expect-env"))  # the compose model says "true" too
    write_env(live.root, RATE_LIMIT_ENABLED="false")  # fixed in the file, container not recreated
    ctx = live.doctor()
    assert statuses(run(ctx, "expect-env")) == [Status.PASS]
    [finding] = run(ctx, "expect-env-running")
    assert finding.status is Status.FAIL
    assert finding.evidence == ("container api runs with RATE_LIMIT_ENABLED='true'; bootstrap.yaml expects "
                                "'false' for local runs")
    assert "invoke restart" in finding.fix
