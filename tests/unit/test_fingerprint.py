"""The image fingerprint changes with every build input and with nothing else."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bootstrap.fingerprint import fingerprint

pytestmark = pytest.mark.unit


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('hi')\n")
    (tmp_path / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "Dockerfile").write_text("FROM x\nCOPY . /app\n")
    (tmp_path / ".dockerignore").write_text("*.log\nnode_modules\n")
    return tmp_path


def fp(ctx: Path, args: dict[str, str] | None = None, target: str | None = None) -> str:
    return fingerprint(ctx, ctx / "Dockerfile", args or {"A": "1"}, target)


def test_stable_for_the_same_inputs(ctx: Path) -> None:
    assert fp(ctx) == fp(ctx)
    assert len(fp(ctx)) == 64


def test_a_file_edit_changes_it(ctx: Path) -> None:
    before = fp(ctx)
    (ctx / "app" / "main.py").write_text("print('bye')\n")
    assert fp(ctx) != before


def test_a_new_or_renamed_file_or_empty_dir_changes_it(ctx: Path) -> None:
    before = fp(ctx)
    (ctx / "app" / "main.py").rename(ctx / "app" / "server.py")
    renamed = fp(ctx)
    assert renamed != before
    (ctx / "public").mkdir()
    assert fp(ctx) != renamed


def test_the_executable_bit_changes_it(ctx: Path) -> None:
    before = fp(ctx)
    os.chmod(ctx / "app" / "main.py", 0o755)
    assert fp(ctx) != before


def test_dockerfile_args_and_target_change_it(ctx: Path) -> None:
    before = fp(ctx)
    assert fp(ctx, {"A": "2"}) != before
    assert fp(ctx, {"A": "1", "NEXT_PUBLIC_API_URL": "https://api"}) != before
    assert fp(ctx, target="prod") != before
    (ctx / "Dockerfile").write_text("FROM x\nCOPY . /srv\n")
    assert fp(ctx) != before


def test_ignored_files_and_git_do_not_change_it(ctx: Path) -> None:
    before = fp(ctx)
    (ctx / "debug.log").write_text("noise")
    (ctx / "node_modules" / "x").mkdir(parents=True)
    (ctx / "node_modules" / "x" / "index.js").write_text("x")
    (ctx / ".git").mkdir()
    (ctx / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert fp(ctx) == before


def test_a_dockerfile_outside_the_context(ctx: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("docker") / "api.Dockerfile"
    other.write_text("FROM x\n")
    first = fingerprint(ctx, other, {}, None)
    other.write_text("FROM y\n")
    assert fingerprint(ctx, other, {}, None) != first


def test_skipped_paths_such_as_the_state_dir_do_not_change_it(ctx: Path) -> None:
    state = ctx / ".bootstrap"
    before = fingerprint(ctx, ctx / "Dockerfile", {}, None, skip=(state,))
    (state / "logs").mkdir(parents=True)
    (state / "logs" / "build-api.log").write_text("a log written during the run")
    assert fingerprint(ctx, ctx / "Dockerfile", {}, None, skip=(state,)) == before
