"""Compose commands as data: pure functions that build argv, never run anything (kamal style).

`ComposeProject` (bootstrap.compose) runs them through the context's runner; the
tests assert the exact argv with no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

NO_ENV_FILE = "/dev/null"  # compose must never fall back to a committed .env in the project dir

@dataclass(frozen=True)
class ComposeCli:
    argv: tuple[str, ...]  # ("docker", "compose") or ("docker-compose",)
    v1: bool = False
    docker: str = "docker"


COMPOSE_V2 = ComposeCli(("docker", "compose"))
COMPOSE_V1 = ComposeCli(("docker-compose",), v1=True)


def base_argv(cli: ComposeCli, project: str, files: Sequence[Path | str], env_file: Path | str | None,
              project_dir: Path | str | None = None) -> tuple[str, ...]:
    argv = [*cli.argv, "-p", project]
    if project_dir is not None:
        argv += ["--project-directory", str(project_dir)]
    argv += ["--env-file", str(env_file or NO_ENV_FILE)]
    for f in files:
        argv += ["-f", str(f)]
    return tuple(argv)


def config_argv(base: Sequence[str], *, v1: bool = False) -> tuple[str, ...]:
    return (*base, "config") if v1 else (*base, "config", "--format", "json")


def config_hash_argv(base: Sequence[str]) -> tuple[str, ...]:
    return (*base, "config", "--hash", "*")


def build_argv(base: Sequence[str], services: Sequence[str] = (), *, no_cache: bool = True) -> tuple[str, ...]:
    return (*base, "build", *(("--no-cache",) if no_cache else ()), *services)


def up_argv(base: Sequence[str], services: Sequence[str] = (), *, no_deps: bool = False) -> tuple[str, ...]:
    return (*base, "up", "-d", *(("--no-deps",) if no_deps else ()), *services)


def _env_and_workdir(workdir: str | None, env_keys: Sequence[str]) -> list[str]:
    argv = ["-w", workdir] if workdir else []
    for key in env_keys:
        argv += ["-e", key]  # the value travels in the process env, never in argv
    return argv


def run_argv(base: Sequence[str], service: str, argv: Sequence[str], *, name: str,
             workdir: str | None = None, env_keys: Sequence[str] = ()) -> tuple[str, ...]:
    return (*base, "run", "--rm", "--no-deps", "-T", "--name", name,
            *_env_and_workdir(workdir, env_keys), service, *argv)


def exec_argv(base: Sequence[str], service: str, argv: Sequence[str], *, workdir: str | None = None,
              env_keys: Sequence[str] = ()) -> tuple[str, ...]:
    return (*base, "exec", "-T", *_env_and_workdir(workdir, env_keys), service, *argv)


def down_argv(base: Sequence[str], *, volumes: bool = False) -> tuple[str, ...]:
    return (*base, "down", *(("-v",) if volumes else ()), "--remove-orphans")


def ps_argv(base: Sequence[str]) -> tuple[str, ...]:
    return (*base, "ps", "-a", "--format", "json")


def logs_argv(base: Sequence[str], service: str, *, tail: int = 50) -> tuple[str, ...]:
    return (*base, "logs", "--no-color", "--tail", str(tail), service)


def rm_argv(cli: ComposeCli, container: str) -> tuple[str, ...]:
    return (cli.docker, "rm", "-f", container)
