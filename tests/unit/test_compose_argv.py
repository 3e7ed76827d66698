"""Compose commands are data: exact argv, no I/O. Plus the model parser over `config --format json`."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.compose import describe_state
from bootstrap.compose_commands import (
    COMPOSE_V1, COMPOSE_V2, base_argv, build_argv, config_argv, config_hash_argv, down_argv, exec_argv,
    logs_argv, ps_argv, rm_argv, run_argv, up_argv,
)
from bootstrap.compose_model import parse_config_output, parse_model

pytestmark = pytest.mark.unit

BASE = ("docker", "compose", "-p", "demo", "--project-directory", "/srv/app", "--env-file", "/srv/app/.env",
        "-f", "/srv/app/docker-compose.yml", "-f", "/srv/app/docker-compose.prod.yml")


def test_base_argv_names_project_directory_env_file_and_every_file() -> None:
    files = [Path("/srv/app/docker-compose.yml"), Path("/srv/app/docker-compose.prod.yml")]
    argv = base_argv(COMPOSE_V2, "demo", files, Path("/srv/app/.env"), Path("/srv/app"))
    assert argv == BASE


def test_base_argv_without_env_file_still_passes_one() -> None:
    # so compose never silently reads a committed .env from the project directory
    assert base_argv(COMPOSE_V2, "p", ["c.yml"], None) == (
        "docker", "compose", "-p", "p", "--env-file", "/dev/null", "-f", "c.yml")


def test_v1_cli() -> None:
    assert base_argv(COMPOSE_V1, "p", ["c.yml"], "e")[:3] == ("docker-compose", "-p", "p")
    assert config_argv(("docker-compose",), v1=True) == ("docker-compose", "config")
    assert rm_argv(COMPOSE_V1, "x") == ("docker", "rm", "-f", "x")


def test_config_build_up_down() -> None:
    assert config_argv(BASE) == (*BASE, "config", "--format", "json")
    assert config_hash_argv(BASE) == (*BASE, "config", "--hash", "*")
    assert build_argv(BASE, ["api"]) == (*BASE, "build", "--no-cache", "api")
    assert build_argv(BASE, ["api", "web"], no_cache=False) == (*BASE, "build", "api", "web")
    assert up_argv(BASE) == (*BASE, "up", "-d")
    assert up_argv(BASE, ["api"], no_deps=True) == (*BASE, "up", "-d", "--no-deps", "api")
    assert down_argv(BASE) == (*BASE, "down", "--remove-orphans")
    assert down_argv(BASE, volumes=True) == (*BASE, "down", "-v", "--remove-orphans")


def test_run_passes_env_keys_never_values() -> None:
    argv = run_argv(BASE, "api", ["alembic", "upgrade", "head"], name="demo-api-run-1", workdir="/app",
                    env_keys=["DATABASE_URL", "X"])
    assert argv == (*BASE, "run", "--rm", "--no-deps", "-T", "--name", "demo-api-run-1", "-w", "/app",
                    "-e", "DATABASE_URL", "-e", "X", "api", "alembic", "upgrade", "head")
    assert run_argv(BASE, "api", ["true"], name="n") == (
        *BASE, "run", "--rm", "--no-deps", "-T", "--name", "n", "api", "true")


def test_exec_ps_logs_rm() -> None:
    assert exec_argv(BASE, "db", ["pg_isready"], env_keys=["PGPASSWORD"]) == (
        *BASE, "exec", "-T", "-e", "PGPASSWORD", "db", "pg_isready")
    assert ps_argv(BASE) == (*BASE, "ps", "-a", "--format", "json")
    assert logs_argv(BASE, "api", tail=20) == (*BASE, "logs", "--no-color", "--tail", "20", "api")
    assert rm_argv(COMPOSE_V2, "demo-api-run-1") == ("docker", "rm", "-f", "demo-api-run-1")


MODEL = """WARN[0000] The "FOO" variable is not set. Defaulting to a blank string.
{
  "name": "demo",
  "networks": {"default": {"name": "demo_default", "ipam": {}}, "back": {"name": "custom-back"}},
  "services": {
    "api": {
      "build": {"context": "/srv/app/api", "dockerfile": "Dockerfile",
                "args": {"PYTHON_IMAGE": "py", "UNSET": null}, "target": "final"},
      "environment": {"A": "1", "B": null},
      "working_dir": "/app",
      "ports": [{"mode": "ingress", "target": 8000, "published": "18000", "protocol": "tcp"}],
      "healthcheck": {"test": ["CMD", "true"], "interval": "1s"},
      "networks": {"default": null, "back": null}
    },
    "web": {"build": {"context": "/srv/app/web", "dockerfile": "/srv/app/docker/web.Dockerfile"},
            "networks": {"default": null}},
    "db": {"image": "postgres:16", "environment": {"POSTGRES_DB": "demo"},
           "healthcheck": {"disable": true}, "ports": [{"target": 5432}]}
  }
}
"""


def test_parse_model_from_config_output() -> None:
    data = parse_config_output(MODEL)
    assert data is not None
    services = parse_model(data, "demo", Path("/srv/app"))
    api, web, db = services["api"], services["web"], services["db"]
    assert api.image == "demo-api" and db.image == "postgres:16"
    assert api.build is not None and api.build.dockerfile == Path("/srv/app/api/Dockerfile")
    assert api.build.args == {"PYTHON_IMAGE": "py"} and api.build.target == "final"
    assert web.build is not None and web.build.dockerfile == Path("/srv/app/docker/web.Dockerfile")
    assert db.build is None
    assert api.environment == {"A": "1"} and api.working_dir == "/app"
    assert api.ports[0].target == 8000 and api.ports[0].published == 18000
    assert db.ports[0].published is None
    assert api.healthcheck == ("CMD", "true") and db.healthcheck is None
    assert api.networks == ("demo_default", "custom-back") and db.networks == ("demo_default",)


def test_parse_config_output_of_a_dry_run_is_none() -> None:
    assert parse_config_output("") is None


def test_describe_state() -> None:
    state = {"service": "api", "status": "exited", "exit_code": 3, "oom_killed": True, "restart_count": 2,
             "health": None}
    assert describe_state(state) == "api container: exited (exit code 3, OOM-killed, 2 restarts)"
    assert describe_state({"service": "db", "status": "running", "exit_code": 0, "health": "healthy"}) == \
        "db container: running (healthy)"
