"""ComposeProject against the real CLI: the model, one-off runs (and their cleanup), down."""
from __future__ import annotations

from typing import TYPE_CHECKING

import time

import pytest

from bootstrap.errors import CommandFailed
from bootstrap.steps.build import Build

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.docker


def test_model_comes_from_compose_config(project: Project) -> None:
    compose = project.ctx(env={"CRASH_ON_START": "7"}).compose
    api = compose.services["api"]
    assert set(compose.services) == {"api", "worker"}
    assert api.image == f"{project.name}-api" and api.working_dir == "/app"
    assert api.build is not None and api.build.context == project.root / "api"
    assert api.build.args["PYTHON_IMAGE"].startswith("bootstrap-local/python")
    assert compose.service_env("api") == {"CRASH_ON_START": "7", "APP_GREETING": "hello"}
    assert compose.services["worker"].healthcheck == ("CMD", "true")
    assert api.networks == (f"{project.name}_default",)


def test_run_passes_env_by_name_and_removes_its_container(project: Project) -> None:
    ctx = project.ctx()
    assert project.step(Build("api"), ctx).status.value == "changed"
    result = ctx.compose.run("api", ["python", "-c", "import os; print('token=' + os.environ['RUN_TOKEN'])"],
                             env={"RUN_TOKEN": "s3cr3t-value"}, log_name="run-ok")
    assert "token=s3cr3t-value" in result.output
    assert "s3cr3t-value" not in " ".join(result.argv)
    assert project.containers() == []


def test_run_timeout_kills_and_removes_its_container(project: Project) -> None:
    ctx = project.ctx()
    project.step(Build("api"), ctx)
    started = time.monotonic()
    with pytest.raises(CommandFailed) as err:
        ctx.compose.run("api", ["sleep", "120"], timeout_s=4, log_name="run-timeout")
    assert err.value.timed_out
    assert time.monotonic() - started < 60
    assert project.containers() == [], [c.name for c in project.containers()]


def test_run_failure_carries_the_last_lines(project: Project) -> None:
    ctx = project.ctx()
    project.step(Build("api"), ctx)
    with pytest.raises(CommandFailed) as err:
        ctx.compose.run("api", ["python", "-c", "import sys; print('bad input'); sys.exit(4)"])
    assert err.value.returncode == 4 and "bad input" in err.value.output_tail
    assert project.containers() == []


def test_down_reports_nothing_left(project: Project) -> None:
    ctx = project.ctx()
    project.step(Build("api"), ctx)
    ctx.compose.up()
    assert len(project.containers()) == 2
    assert ctx.compose.down(volumes=True) == []
    assert project.containers() == []
