"""build:<service>: changed, then ok for the same fingerprint, changed again after an edit; preflight; plans."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bootstrap.context import Options
from bootstrap.engine import Status
from bootstrap.fingerprint import LABEL
from bootstrap.runner import DryRunner
from bootstrap.steps.build import Build, preflight_problems

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.docker


def test_build_changed_then_ok_then_changed_after_an_edit(project: Project) -> None:
    first = project.step(Build("api"))
    assert first.status is Status.CHANGED, first
    image = project.client.images.get(f"{project.name}-api")
    fingerprint = image.labels[LABEL]
    assert (project.root / ".bootstrap" / "logs" / "build-api.log").exists()
    assert (project.root / ".bootstrap" / "projects" / project.name / "compose.override.yml").read_text().count(fingerprint) == 1

    again = project.step(Build("api"))
    assert again.status is Status.OK, again
    assert fingerprint[:12] in again.detail

    (project.root / "api" / "debug.log").write_text("ignored by .dockerignore")
    assert project.step(Build("api")).status is Status.OK

    server = project.root / "api" / "server.py"
    server.write_text(server.read_text() + "\n# an edit\n")
    edited = project.step(Build("api"))
    assert edited.status is Status.CHANGED, edited
    assert project.client.images.get(f"{project.name}-api").labels[LABEL] != fingerprint


def test_rebuild_option_always_builds(project: Project) -> None:
    assert project.step(Build("api")).status is Status.CHANGED
    forced = project.step(Build("api"), project.ctx(options=Options(rebuild=True)))
    assert forced.status is Status.CHANGED, forced


def test_a_missing_copy_source_is_a_preflight_problem_and_a_named_build_failure(project: Project) -> None:
    dockerfile = project.root / "api" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "COPY public ./public\n")
    problems = preflight_problems(project.ctx())
    assert problems == ["api: Dockerfile:6: COPY public ./public: 'public' does not exist in the build "
                        "context api (create it, e.g. public/.gitkeep)"]

    failed = project.step(Build("api"))
    assert failed.status is Status.FAILED
    assert "COPY public ./public" in failed.detail and "not found" in failed.detail, failed.detail
    assert failed.log_path and failed.log_path.endswith("build-api.log")
    assert 0 < len(failed.output_tail) <= 30

    (project.root / "api" / "public").mkdir()
    (project.root / "api" / "public" / ".gitkeep").write_text("")
    assert preflight_problems(project.ctx()) == []


def test_dry_run_plans_the_exact_build_command(project: Project) -> None:
    ctx = project.ctx(runner=DryRunner(project.root / ".bootstrap" / "logs", {}), options=Options(dry_run=True))
    result = project.step(Build("api"), ctx)
    assert result.status is Status.SKIPPED
    override = project.root / ".bootstrap" / "projects" / project.name / "compose.override.yml"
    assert result.detail == (
        f"docker compose -p {project.name} --project-directory {project.root} --env-file /dev/null "
        f"-f {project.root / 'compose.yml'} -f {override} build --no-cache api")
    assert not override.exists() and not project.client.images.list(name=f"{project.name}-api")
