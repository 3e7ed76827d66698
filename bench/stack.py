"""Copies of the demo (or generated variants) with their own compose project, .env and ports.

Every stack the harness makes is named `bench-...`, lives under a temporary directory
and is removed with `down -v` plus its images (the images carry compose's project
label), so the project `demo` and the test suite's projects are never touched.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .proc import quiet

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo"
BASELINES = REPO / "bench" / "baselines"
PYTHON_IMAGE = os.environ.get("PYTHON_IMAGE", "bootstrap-local/python:3-bookworm")
POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "bootstrap-local/postgres:15")
PROJECT_LABEL = "com.docker.compose.project"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Stack:
    root: Path
    project: str
    files: tuple[str, ...] = ("docker-compose.yml",)

    @property
    def config(self) -> Path:
        return self.root / "bootstrap.yaml"

    @property
    def env_path(self) -> Path:
        return self.root / ".env"

    def env(self) -> dict[str, str]:
        pairs = (ln.split("=", 1) for ln in self.env_path.read_text().splitlines() if "=" in ln)
        return {k: v for k, v in pairs}

    def set_env(self, **values: str) -> None:
        kept = [ln for ln in self.env_path.read_text().splitlines() if ln.split("=", 1)[0] not in values]
        self.env_path.write_text("\n".join([*kept, *(f"{k}={v}" for k, v in values.items())]) + "\n")

    def yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.config.read_text())
        return data

    def write_yaml(self, data: Mapping[str, Any]) -> None:
        self.config.write_text(yaml.safe_dump(dict(data), sort_keys=False))

    def compose_argv(self, *args: str, extra_files: Sequence[Path] = ()) -> list[str]:
        argv = ["docker", "compose", "-p", self.project, "--project-directory", str(self.root),
                "--env-file", str(self.env_path)]
        for f in (*(self.root / f for f in self.files), *extra_files):
            argv += ["-f", str(f)]
        return [*argv, *args]

    def compose(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
        proc = quiet(self.compose_argv(*args), cwd=self.root, env=env, check=check)
        return proc.stdout

    def image_ids(self) -> list[str]:
        out = quiet(["docker", "images", "-q", "--no-trunc", "--filter",
                     f"label={PROJECT_LABEL}={self.project}"]).stdout
        return sorted(set(out.split()))

    def container_ip(self, service: str) -> str | None:
        cid = self.compose("ps", "-q", service).strip()
        if not cid:
            return None
        ips = quiet(["docker", "inspect", "-f",
                     "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", cid]).stdout.split()
        return ips[0] if ips else None

    def teardown(self, *, images: bool = True, state: bool = True) -> None:
        """Back to nothing: containers, networks, volumes, this project's images, bootstrap's state."""
        quiet(["docker", "compose", "-p", self.project, "down", "-v", "--remove-orphans", "-t", "3"],
              cwd=self.root, check=False)
        if images:
            ids = self.image_ids()
            if ids:
                quiet(["docker", "image", "rm", "-f", *ids], check=False)
        if state:
            shutil.rmtree(self.root / ".bootstrap", ignore_errors=True)


def _base_env(db_port: int, pg_pw: str) -> dict[str, str]:
    return {
        "PYTHON_IMAGE": PYTHON_IMAGE, "POSTGRES_IMAGE": POSTGRES_IMAGE,
        "POSTGRES_PASSWORD": pg_pw, "POSTGRES_DB": "demo", "DB_PORT": str(db_port),
        "DATABASE_SUPERUSER_URL": f"postgresql://postgres:{pg_pw}@127.0.0.1:{db_port}/postgres",
    }


def demo_copy(base: Path, project: str) -> Stack:
    """examples/demo under `base/project`, with its own project name, passwords and host ports."""
    root = base / project
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".env", ".bootstrap", "__pycache__"))
    stack = Stack(root, project)
    data = stack.yaml()
    data["project"] = project
    stack.write_yaml(data)
    stack.env_path.write_text("")
    stack.set_env(
        **_base_env(free_port(), token()),
        APP_OWNER_PASSWORD=token(), APP_RW_PASSWORD=token(), APP_RO_PASSWORD=token(),
        API_PORT=str(free_port()), FRONTEND_PORT=str(free_port()),
        NEXT_PUBLIC_API_URL="https://api.bench.example", API_START_DELAY_S="0",
    )
    return stack


def roles_variant(base: Path, project: str, n_roles: int) -> Stack:
    """Only the demo's db service, and a bootstrap.yaml with `n_roles` roles (one owner)."""
    root = base / project
    root.mkdir(parents=True)
    demo = yaml.safe_load((DEMO / "docker-compose.yml").read_text())
    (root / "docker-compose.yml").write_text(yaml.safe_dump({"services": {"db": demo["services"]["db"]},
                                                             "volumes": {"db-data": None}}, sort_keys=False))
    stack = Stack(root, project)
    stack.env_path.write_text("")
    stack.set_env(**_base_env(free_port(), token()), **{f"ROLE_{i}_PASSWORD": token() for i in range(n_roles)})
    stack.write_yaml(roles_config(project, n_roles, prefix="r"))
    return stack


def roles_config(project: str, n_roles: int, *, prefix: str) -> dict[str, Any]:
    access = ("readwrite", "readonly")
    roles = [{"name": f"{prefix}_{i:03d}", "password_env": f"ROLE_{i}_PASSWORD",
              "access": "owner" if i == 0 else access[i % 2]} for i in range(n_roles)]
    return {"project": project, "compose": {"files": ["docker-compose.yml"]}, "env_file": ".env",
            "database": {"service": "db", "superuser_url_env": "DATABASE_SUPERUSER_URL", "name": "demo",
                         "schema": "public", "roles": roles}}


TINY_DOCKERFILE = """\
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}
COPY hello.py /hello.py
CMD ["python", "/hello.py"]
"""
TINY_APP = "import time\nprint('service {n} up', flush=True)\nwhile True:\n    time.sleep(3600)\n"


def images_variant(base: Path, project: str, n_images: int) -> Stack:
    """`n_images` trivial built services (copies of one tiny Dockerfile), no database."""
    root = base / project
    services: dict[str, Any] = {}
    for i in range(n_images):
        name = f"svc{i:02d}"
        (root / name).mkdir(parents=True)
        (root / name / "Dockerfile").write_text(TINY_DOCKERFILE)
        (root / name / "hello.py").write_text(TINY_APP.format(n=i))
        services[name] = {"build": {"context": f"./{name}", "args": {"PYTHON_IMAGE": "${PYTHON_IMAGE}"}},
                          "init": True, "stop_signal": "SIGKILL"}
    (root / "docker-compose.yml").write_text(yaml.safe_dump({"services": services}, sort_keys=False))
    stack = Stack(root, project)
    stack.env_path.write_text(f"PYTHON_IMAGE={PYTHON_IMAGE}\n")
    stack.write_yaml({"project": project, "compose": {"files": ["docker-compose.yml"]}, "env_file": ".env",
                      "health": [{"name": s, "service": s} for s in services]})
    return stack
