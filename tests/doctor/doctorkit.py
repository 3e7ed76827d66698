"""Helpers for the doctor tests: fixture projects, contexts over them, the demo copy.

A uniquely named module (like tests/db/dbkit.py) so test modules never import
another directory's conftest by accident.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from bootstrap.config import Config, load_config
from bootstrap.context import Context
from bootstrap.doctor.finding import Finding, Status
from bootstrap.doctor.model import DoctorConfig
from bootstrap.doctor.registry import CheckSpec, all_checks, run_check
from bootstrap.doctor.task import ReadOnlyRunner

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO = REPO / "examples" / "demo"
PYTHON_IMAGE = os.environ.get("PYTHON_IMAGE", "bootstrap-local/python:3-bookworm")
POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "bootstrap-local/postgres:15")


def with_doctor(config: Config, doctor: DoctorConfig) -> Config:
    """`config` with this doctor section (for configs built directly from the models)."""
    return config.model_copy(update={"doctor": doctor})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_project(name: str, dest: Path) -> Path:
    """fixtures/<name> copied to dest/<name>, `dot-env` files renamed to `.env`."""
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    for path in root.rglob("dot-env"):
        path.rename(path.with_name(".env"))
    return root


def context(root: Path, *, prod: bool = False, project: str | None = None,
            environ: dict[str, str] | None = None) -> Context:
    """What `doctor` builds: the loaded config and a runner that keeps no logs."""
    cfg = load_config(root / "bootstrap.yaml", environ or {}, prod=prod, project=project)
    runner = ReadOnlyRunner(cfg.root / ".bootstrap" / "logs", dict(os.environ), cfg.secrets())
    return Context(config=cfg, runner=runner)


def spec(check_id: str) -> CheckSpec:
    return next(c for c in all_checks() if c.id == check_id)


def run(ctx: Context, check_id: str) -> list[Finding]:
    return run_check(spec(check_id), ctx)


def statuses(findings: list[Finding]) -> list[Status]:
    return [f.status for f in findings]


def failing(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status is Status.FAIL]


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root with its size and mtime: doctor must leave it exactly as it was."""
    out: dict[str, tuple[int, int]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[path.relative_to(root).as_posix()] = (st.st_size if path.is_file() else -1, st.st_mtime_ns)
    return out


def write_env(root: Path, **values: str) -> None:
    path = root / ".env"
    lines = [ln for ln in (path.read_text().splitlines() if path.exists() else [])
             if ln.split("=", 1)[0] not in values]
    path.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in values.items())]) + "\n")


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def demo_copy(dest: Path, project: str, *, public_url: str | None = "https://api.demo.example") -> Path:
    """examples/demo under dest, with a .env of strong generated secrets, local images, free ports.

    `public_url` is NEXT_PUBLIC_API_URL; None: the API's published port on localhost (a local run).
    """
    root = dest / project
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".env", ".bootstrap", "__pycache__", "dist"))
    edit_yaml(root / "bootstrap.yaml", lambda d: d.update(project=project))
    pg_pw = secrets.token_urlsafe(24)
    db_port, api_port = free_port(), free_port()
    text = (root / ".env.example").read_text()
    (root / ".env").write_text(text)
    write_env(root, PYTHON_IMAGE=PYTHON_IMAGE, POSTGRES_IMAGE=POSTGRES_IMAGE, POSTGRES_PASSWORD=pg_pw,
              POSTGRES_DB="demo", APP_OWNER_PASSWORD=secrets.token_urlsafe(24),
              APP_RW_PASSWORD=secrets.token_urlsafe(24), APP_RO_PASSWORD=secrets.token_urlsafe(24),
              DB_PORT=str(db_port), API_PORT=str(api_port), FRONTEND_PORT=str(free_port()),
              DATABASE_SUPERUSER_URL=f"postgresql://postgres:{pg_pw}@127.0.0.1:{db_port}/postgres",
              NEXT_PUBLIC_API_URL=public_url or f"http://localhost:{api_port}")
    return root


DEMO_DOCTOR = {
    "expect_env": {"local": {"api": {"RATE_LIMIT_ENABLED": "false"}},
                   "prod": {"api": {"RATE_LIMIT_ENABLED": "true"}}},
    "api_base": {"build_args": ["NEXT_PUBLIC_API_URL"], "probe": "/api/v1/items"},
}


def add_demo_doctor(root: Path, *, drift: bool = True) -> None:
    """The doctor section proposed for examples/demo/bootstrap.yaml (and the drift command)."""
    def change(data: dict[str, Any]) -> None:
        data["doctor"] = DEMO_DOCTOR
        if drift:
            data["migrate"]["drift_command"] = ["alembic", "check"]
    edit_yaml(root / "bootstrap.yaml", change)


def docker_ready() -> None:
    """Fail (never skip) when the engine or the local base images are missing."""
    import docker

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Docker engine not reachable ({exc}); run scripts/provision.sh", pytrace=False)
    for image in (PYTHON_IMAGE, "bootstrap-local/debian:bookworm"):
        try:
            client.images.get(image)
        except Exception:  # noqa: BLE001
            pytest.fail(f"base image {image} missing; run scripts/provision.sh", pytrace=False)
