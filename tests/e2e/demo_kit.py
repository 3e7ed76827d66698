"""Helpers for end-to-end tests: a private copy of the demo, and running bootstrap on it.

Each test module gets its own copy of examples/demo under a tmp dir, its own
compose project name and its own host ports, so modules never collide.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
BOOTSTRAP = [sys.executable, "-m", "bootstrap.cli"]
PYTHON_IMAGE = os.environ.get("PYTHON_IMAGE", "bootstrap-local/python:3-bookworm")
POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "bootstrap-local/postgres:15")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Run:
    rc: int
    out: str
    report: dict[str, Any]

    def status(self, step: str) -> str:
        return next(s["status"] for s in self.report["steps"] if s["name"] == step)

    def statuses(self) -> dict[str, str]:
        return {s["name"]: s["status"] for s in self.report["steps"]}

    def detail(self, step: str) -> str:
        return next(s["detail"] for s in self.report["steps"] if s["name"] == step)


@dataclass
class Demo:
    root: Path
    project: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "bootstrap.yaml"

    def run(self, *args: str, timeout: float = 900, env: dict[str, str] | None = None) -> Run:
        report = self.root / ".bootstrap" / f"report-{secrets.token_hex(4)}.json"
        argv = [*BOOTSTRAP, args[0], "--config", str(self.config)]
        if args[0] not in ("down",):
            argv += ["--report", str(report)]
        argv += list(args[1:])
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
        out = proc.stdout + proc.stderr
        data = json.loads(report.read_text()) if report.exists() else {}
        print(out)
        return Run(proc.returncode, out, data)

    def set_env(self, **values: str) -> None:
        path = self.root / ".env"
        lines = [ln for ln in path.read_text().splitlines() if ln.split("=", 1)[0] not in values]
        lines += [f"{k}={v}" for k, v in values.items()]
        path.write_text("\n".join(lines) + "\n")
        self.env.update(values)

    def edit_yaml(self, change: Any) -> None:
        data = yaml.safe_load(self.config.read_text())
        change(data)
        self.config.write_text(yaml.safe_dump(data, sort_keys=False))

    def compose(self, *args: str, prod: bool = False) -> subprocess.CompletedProcess[str]:
        files = ["-f", "docker-compose.yml"] + (["-f", "docker-compose.prod.yml"] if prod else [])
        return subprocess.run(["docker", "compose", "-p", self.project, "--env-file", ".env", *files, *args],
                              cwd=self.root, capture_output=True, text=True, timeout=300)

    def labelled(self, kind: str) -> list[str]:
        out = subprocess.run(["docker", kind, "ls", "-q", "--filter",
                              f"label=com.docker.compose.project={self.project}"]
                             + (["-a"] if kind == "container" else []),
                             capture_output=True, text=True, check=True).stdout
        return out.split()


def make_demo(base: Path, project: str) -> Demo:
    root = base / project
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".env", ".bootstrap", "__pycache__"))
    demo = Demo(root, project)
    data = yaml.safe_load(demo.config.read_text())
    data["project"] = project
    demo.config.write_text(yaml.safe_dump(data, sort_keys=False))
    (root / ".env").write_text("")
    db_port = free_port()
    pg_pw = secrets.token_urlsafe(24)
    demo.set_env(
        PYTHON_IMAGE=PYTHON_IMAGE, POSTGRES_IMAGE=POSTGRES_IMAGE,
        POSTGRES_PASSWORD=pg_pw, POSTGRES_DB="demo",
        APP_OWNER_PASSWORD=secrets.token_urlsafe(24), APP_RW_PASSWORD=secrets.token_urlsafe(24),
        APP_RO_PASSWORD=secrets.token_urlsafe(24),
        DB_PORT=str(db_port), API_PORT=str(free_port()), FRONTEND_PORT=str(free_port()),
        DATABASE_SUPERUSER_URL=f"postgresql://postgres:{pg_pw}@127.0.0.1:{db_port}/postgres",
        NEXT_PUBLIC_API_URL="https://api.demo.example", API_START_DELAY_S="0", API_CRASH_ON_START="0",
    )
    return demo


def remove_images(project: str) -> None:
    """Images the project built (`<project>-<service>`): keep a CI engine's disk from filling up."""
    names = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
                            "--filter", f"reference={project}-*"], capture_output=True, text=True).stdout.split()
    if names:
        subprocess.run(["docker", "rmi", "-f", *names], capture_output=True)
