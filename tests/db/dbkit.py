"""A real PostgreSQL 15 for the db tests, and contexts built directly from the config models.

Used by conftest.py and by fixtures/migrate_once.py (a second process migrating
at the same time), so it imports nothing from pytest.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bootstrap.config import ComposeConfig, Config, DatabaseConfig, MigrateConfig, RoleConfig, SeedConfig
from bootstrap.context import Context, Options
from bootstrap.engine import Engine, StepResult
from bootstrap.runner import Command, Result, Runner
from bootstrap.secrets import Secret

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALEMBIC_DEMO = FIXTURES / "alembic_demo"


class ServerMissing(RuntimeError):
    pass


@dataclass
class PgServer:
    base: Path
    port: int
    password: str
    host: str = "127.0.0.1"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log_path(self) -> Path:
        return self.base / "server.log"

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{user}:{pw}@{self.host}:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(dbname), autocommit=True)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _as_postgres(argv: Sequence[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, text=True,
                          capture_output=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> PgServer:
    """initdb (scram-sha-256, superuser password from a file) and start on a free port."""
    missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).is_file()]
    if missing:
        raise ServerMissing(f"PostgreSQL 15 binaries missing in {PG_BIN}: {', '.join(missing)} "
                            "(run scripts/provision.sh)")
    user = pwd.getpwnam("postgres")
    base = Path(tempfile.mkdtemp(prefix="bootstrap-pg-"))
    os.chown(base, user.pw_uid, user.pw_gid)
    password = "su-" + secrets.token_urlsafe(12)
    pwfile = base / "pwfile"
    pwfile.write_text(password)
    os.chown(pwfile, user.pw_uid, user.pw_gid)
    server = PgServer(base, free_port(), password)
    (base / "sock").mkdir()
    os.chown(base / "sock", user.pw_uid, user.pw_gid)
    _as_postgres([str(PG_BIN / "initdb"), "-D", str(server.data), "-U", "postgres", "-A", "scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale", "--no-sync"])
    pwfile.unlink()
    options = " ".join([
        f"-p {server.port}", f"-k {base / 'sock'}", "-c listen_addresses=127.0.0.1",
        "-c log_statement=all", "-c log_destination=stderr", "-c logging_collector=off",
        "-c max_prepared_transactions=10", "-c fsync=off", "-c max_connections=100",
    ])
    _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-l", str(server.log_path), "-o", options,
                  "-w", "-t", "60", "start"])
    return server


def stop_server(server: PgServer) -> None:
    try:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(server.base, ignore_errors=True)


class HostServiceRunner:
    """ServiceRunner for tests: runs argv on the host, cwd = workdir, with the app's env."""

    def __init__(self, runner: Runner, root: Path, env: Mapping[str, str | Secret]) -> None:
        self.runner = runner
        self.root = root
        self.env = dict(env)
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def run(self, service: str, argv: Sequence[str], *, workdir: str | None = None, timeout_s: float = 600.0,
            log_name: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        self.calls.append((service, tuple(argv)))
        cwd = Path(workdir) if workdir and Path(workdir).is_absolute() else self.root / (workdir or ".")
        return self.runner.run(Command(tuple(argv), env={**self.env, **(env or {})}, cwd=cwd,
                                       timeout_s=timeout_s, log_name=log_name))


@dataclass
class DbEnv:
    """One test's database on the shared server, its roles, and contexts over them."""

    server: PgServer
    database: str
    suffix: str
    root: Path
    schema: str = "public"
    echoed: list[str] = field(default_factory=list)  # every command line the runners were given

    def role(self, access: str, password: str | None = None, name: str | None = None) -> RoleConfig:
        name = name or f"app_{access}_{self.suffix}"
        pw = password or f"pw-{access}-{secrets.token_urlsafe(12)}"
        env = f"{name.upper()}_PASSWORD"
        return RoleConfig(name=name, password_env=env, access=access,  # type: ignore[arg-type]
                          password=Secret(pw, f"env {env}"))

    def config(self, *, roles: Sequence[RoleConfig] = (), migrate: MigrateConfig | None = None,
               seeds: Sequence[SeedConfig] = (), superuser_url: str | None = None,
               ready_timeout_s: float = 10.0, lock_timeout_s: float = 5.0, backup_keep: int = 5) -> Config:
        url = superuser_url or self.server.url("postgres")
        database = DatabaseConfig(
            service=None, superuser_url_env="BOOTSTRAP_SUPERUSER_URL",
            superuser_url=Secret(url, "env BOOTSTRAP_SUPERUSER_URL"), name=self.database, schema=self.schema,
            roles=tuple(roles), ready_timeout_s=ready_timeout_s, backup_keep=backup_keep,
            lock_timeout_s=lock_timeout_s)
        return Config(source=self.root / "bootstrap.yaml", root=self.root, project="demo",
                      compose=ComposeConfig(files=(Path("docker-compose.yml"),)), database=database,
                      migrate=migrate, seed=tuple(seeds))

    def migrate_config(self, *, ini: Path | None = None, lock_timeout_s: float = 60.0) -> MigrateConfig:
        ini = ini or ALEMBIC_DEMO / "alembic.ini"
        return MigrateConfig(service="api", command=(sys.executable, "-m", "alembic", "-c", str(ini),
                                                     "upgrade", "head"),
                             workdir=str(ini.parent), alembic_ini=ini, lock_timeout_s=lock_timeout_s,
                             timeout_s=120)

    def app_env(self, config: Config, extra: Mapping[str, str] | None = None) -> dict[str, str | Secret]:
        """What the api service would see: DATABASE_URL for the owner role (a Secret, in env only)."""
        assert config.database is not None
        owner = next((r for r in config.database.roles if r.access == "owner"), None)
        env: dict[str, str | Secret] = dict(extra or {})
        if owner and owner.password:
            env["DATABASE_URL"] = Secret(
                f"postgresql+psycopg://{owner.name}:{owner.password.reveal()}@{self.server.host}:"
                f"{self.server.port}/{self.database}")
        return env

    def context(self, config: Config, *, options: Options | None = None,
                app_env: Mapping[str, str] | None = None) -> Context:
        runner = Runner(self.root / ".bootstrap" / "logs", dict(os.environ), config.secrets(),
                        echo=self.echoed.append)
        return Context(config=config, runner=runner, options=options or Options(),
                       service_runner_override=HostServiceRunner(runner, self.root, self.app_env(config, app_env)))

    def run(self, steps: Sequence[Any], ctx: Context, **engine_kw: Any) -> dict[str, StepResult]:
        results = Engine(ctx, **engine_kw).run(steps)
        return {r.name: r for r in results}

    def connect(self, user: str = "postgres", password: str | None = None,
                dbname: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server.url(dbname or self.database, user, password), autocommit=True,
                               connect_timeout=5)

    def connect_role(self, role: RoleConfig, password: str | None = None) -> psycopg.Connection[Any]:
        assert role.password is not None
        return self.connect(role.name, password or role.password.reveal())


def wait_for(predicate: Any, timeout_s: float = 10.0, step_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return False
