"""Compose as the single source of truth: the project, its containers and images.

Argv builders live in `compose_commands` (commands are data), the model in
`compose_model`; `ComposeProject` runs the commands through the context's runner
and reads containers through the Docker SDK. The model comes from `compose config`
once, so build args, environment, ports and networks are exactly what compose
itself will use. Generated overrides (fingerprint labels; ci's unpublished ports)
live in `<state_dir>/projects/<project>/`; user files are never touched.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compose_commands import (COMPOSE_V1, COMPOSE_V2, ComposeCli, base_argv, build_argv, config_argv,
                               config_hash_argv, down_argv, rm_argv, run_argv, up_argv)
from .compose_model import ServiceSpec, parse_config_output, parse_model
from .errors import CommandFailed, ConfigError, StepError
from .fingerprint import LABEL, fingerprint
from .runner import Command, Result, Runner
from .secrets import redact

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

    from .context import Context

OVERRIDE_FILE = "compose.override.yml"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
HASH_LABEL = "com.docker.compose.config-hash"
IMAGE_LABEL = "com.docker.compose.image"
ENGINE_HINT = ("start it: `bash scripts/provision.sh` on this machine, or `sudo systemctl start docker`; "
               "set DOCKER_HOST if the engine listens elsewhere")


def detect_cli(runner: Runner, warn: Any = None) -> ComposeCli:
    """`docker compose` (v2) first, `docker-compose` (v1) with a warning, else a clear error."""
    for cli in (COMPOSE_V2, COMPOSE_V1):
        try:
            result = runner.run(Command((*cli.argv, "version"), timeout_s=30), check=False)
        except OSError:
            continue
        if result.returncode == 0:
            if cli.v1 and warn:
                warn("warning: using docker-compose v1 (unmaintained); install the compose v2 plugin")
            return cli
    raise StepError("no compose CLI found: neither `docker compose` (v2) nor `docker-compose` (v1) runs",
                    hint="install the compose v2 plugin (`bash scripts/provision.sh` on this machine)")


def docker_client(env: Mapping[str, str]) -> docker.DockerClient:
    """An SDK client for the engine compose uses (DOCKER_HOST from `env`), checked with a ping."""
    import docker
    import requests

    host = env.get("DOCKER_HOST")
    where = f"DOCKER_HOST={host}" if host else "unix:///var/run/docker.sock"
    environment = {k: v for k, v in env.items() if k in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")}
    try:
        client = docker.from_env(environment=environment, timeout=120)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise StepError(f"cannot reach the Docker engine at {where}: {reason}", hint=ENGINE_HINT) from exc
    return client


# --- the project -------------------------------------------------------------------------------

class ComposeProject:
    """One compose project as configured: what it declares, and its containers."""

    def __init__(self, ctx: Context, cli: ComposeCli, project: str, services: Mapping[str, ServiceSpec],
                 extra_files: Sequence[Path] = ()) -> None:
        self.ctx = ctx
        self.cli = cli
        self.project = project
        self.services = dict(services)
        config = ctx.config
        self.root = config.root
        self.files = tuple(f if f.is_absolute() else config.root / f for f in config.compose_files())
        self.files += tuple(extra_files)
        env_file = config.env_file
        self.env_file = None if env_file is None else env_file if env_file.is_absolute() else config.root / env_file
        self.base = base_argv(cli, project, self.files, self.env_file, self.root)
        self._fingerprints: dict[str, str] = {}

    @classmethod
    def load(cls, ctx: Context) -> ComposeProject:
        reader = _reader(ctx.runner)
        cli = detect_cli(reader, ctx.info)
        project = ctx.config.project
        probe = cls(ctx, cli, project, {})
        try:
            result = reader.run(probe.command(config_argv(probe.base, v1=cli.v1), timeout_s=60))
        except CommandFailed as exc:  # compose's own words: e.g. a required variable without a value
            said = next((ln for ln in reversed(exc.output_tail) if ln.strip()), "no output")
            raise ConfigError(f"compose config failed: {said}",
                              f"fix {', '.join(str(f) for f in probe.files)} or the variables it needs") from exc
        for line in result.output.splitlines():
            if line.startswith("WARN"):  # e.g. a variable that is not set: compose's own words
                ctx.info(f"compose: {line}")
        data = parse_config_output(result.output, v1=cli.v1)
        if data is None:  # nothing ran (a dry run's recorder)
            return probe
        loaded = cls(ctx, cli, project, parse_model(data, project, ctx.config.root, v1=cli.v1))
        if ctx.options.isolated and any(svc.ports for svc in loaded.services.values()):
            extra = loaded.write_isolation()
            again = reader.run(loaded.command(config_argv(base_argv(cli, project, (*loaded.files, extra),
                                                                    loaded.env_file, loaded.root),
                                                          v1=cli.v1), timeout_s=60))
            data = parse_config_output(again.output, v1=cli.v1) or data
            loaded = cls(ctx, cli, project, parse_model(data, project, ctx.config.root, v1=cli.v1), (extra,))
        return loaded

    def write_isolation(self) -> Path:
        """ci: publish no host ports, so parallel projects on one engine never collide.

        Health checks and the database reach containers by their address on the
        project network, so nothing needs a published port.
        """
        lines = ["# generated by bootstrap for an isolated (ci) project: no published ports", "services:"]
        lines += [f"  {name}:\n    ports: !reset []" for name, svc in sorted(self.services.items()) if svc.ports]
        return _write_if_changed(self.project_state / "isolated.override.yml", "\n".join(lines) + "\n")

    @property
    def project_state(self) -> Path:
        """Generated files of this compose project: parallel projects on one tree never share them."""
        return self.ctx.state_dir / "projects" / self.project

    # commands -----------------------------------------------------------------------------------

    def command(self, argv: Sequence[str], *, timeout_s: float = 600.0, log_name: str | None = None,
                env: Mapping[str, Any] | None = None, cleanup: tuple[tuple[str, ...], ...] = ()) -> Command:
        return Command(tuple(argv), env={**self.ctx.config.env, **(env or {})}, cwd=self.root,
                       timeout_s=timeout_s, log_name=log_name, cleanup=cleanup)

    @property
    def override_path(self) -> Path:
        return self.project_state / OVERRIDE_FILE

    @property
    def build_base(self) -> tuple[str, ...]:
        return base_argv(self.cli, self.project, (*self.files, self.override_path), self.env_file, self.root)

    def build_command(self, services: Sequence[str], *, log_name: str | None = None) -> Command:
        return self.command(build_argv(self.build_base, services), timeout_s=1800, log_name=log_name)

    def build(self, services: Sequence[str], *, log_name: str | None = None) -> Result:
        """`compose build --no-cache` with the fingerprint labels; the caller reads the exit code."""
        self.write_override()
        return self.ctx.runner.run(self.build_command(services, log_name=log_name), check=False)

    def up(self, services: Sequence[str] = (), *, no_deps: bool = False) -> Result:
        return self.ctx.runner.run(self.command(up_argv(self.base, services, no_deps=no_deps), log_name="up"))

    def down(self, volumes: bool = False) -> list[str]:
        """`compose down [-v] --remove-orphans`; returns what still carries the project label (empty: clean)."""
        self.ctx.runner.run(self.command(down_argv(self.base, volumes=volumes), log_name="down"))
        return [] if self.ctx.runner.dry_run else self.leftovers(volumes=volumes)

    def leftovers(self, *, volumes: bool = True) -> list[str]:
        labelled = {"label": [f"{PROJECT_LABEL}={self.project}"]}
        client = self.ctx.docker
        out = [f"container {c.name}" for c in client.containers.list(all=True, filters=labelled)]
        out += [f"network {n.name}" for n in client.networks.list(filters=labelled)]
        if volumes:
            out += [f"volume {v.name}" for v in client.volumes.list(filters=labelled)]
        return out

    def run(self, service: str, argv: Sequence[str], *, workdir: str | None = None, timeout_s: float = 600.0,
            log_name: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        """A one-off command in a fresh `service` container, removed even after a timeout or Ctrl-C."""
        name = f"{self.project}-{service}-run-{uuid.uuid4().hex[:10]}"
        argv_ = run_argv(self.base, service, argv, name=name, workdir=workdir, env_keys=sorted(env or {}))
        return self.ctx.runner.run(self.command(argv_, timeout_s=timeout_s, log_name=log_name, env=env,
                                                cleanup=(rm_argv(self.cli, name),)))

    @cached_property
    def config_hashes(self) -> dict[str, str]:
        """What compose labels each service's container with (com.docker.compose.config-hash)."""
        out = _reader(self.ctx.runner).run(self.command(config_hash_argv(self.base), timeout_s=60)).output
        pairs = (line.split() for line in out.splitlines())
        return {p[0]: p[1] for p in pairs if len(p) == 2 and p[0] in self.services}

    # images and the override file ----------------------------------------------------------------

    def fingerprint(self, service: str) -> str | None:
        build = self.services[service].build
        if build is None or build.remote:
            return None
        if service not in self._fingerprints:
            self._fingerprints[service] = fingerprint(build.context, build.dockerfile, build.args, build.target,
                                                      skip=(self.ctx.state_dir,))
        return self._fingerprints[service]

    def write_override(self) -> Path:
        import yaml

        labels = {s: {"build": {"labels": {LABEL: fp}}} for s in sorted(self.services)
                  if (fp := self.fingerprint(s)) is not None}
        text = "# generated by bootstrap: image fingerprints; do not edit\n" + yaml.safe_dump({"services": labels})
        return _write_if_changed(self.override_path, text)

    def image_labels(self, service: str) -> dict[str, str] | None:
        """The labels of the service's image, or None when there is no such image."""
        image = self._image(service)
        return None if image is None else dict(image.labels or {})

    def image_id(self, service: str) -> str | None:
        image = self._image(service)
        return None if image is None else image.id

    def _image(self, service: str) -> Any:
        import docker

        try:
            return self.ctx.docker.images.get(self.services[service].image)
        except docker.errors.ImageNotFound:
            return None

    # containers -----------------------------------------------------------------------------------

    def containers(self) -> dict[str, Container]:
        """service -> its (first) container, one-off `run` containers excluded."""
        found = self.ctx.docker.containers.list(all=True, filters={"label": [
            f"{PROJECT_LABEL}={self.project}", "com.docker.compose.oneoff=False"]})
        out: dict[str, Container] = {}
        for c in sorted(found, key=lambda c: c.labels.get("com.docker.compose.container-number", "")):
            out.setdefault(c.labels.get(SERVICE_LABEL, ""), c)
        return out

    def container(self, service: str) -> Container | None:
        found = self.ctx.docker.containers.list(all=True, filters={"label": [
            f"{PROJECT_LABEL}={self.project}", f"{SERVICE_LABEL}={service}", "com.docker.compose.oneoff=False"]})
        return min(found, key=lambda c: c.labels.get("com.docker.compose.container-number", ""), default=None)

    def address(self, service: str) -> str | None:
        c = self.container(service)
        if c is None:
            return None
        nets = (c.attrs.get("NetworkSettings") or {}).get("Networks") or {}
        wanted = self.services[service].networks if service in self.services else ()
        for name in (*wanted, *nets):
            ip = (nets.get(name) or {}).get("IPAddress")
            if ip:
                return ip
        return None

    def service_env(self, service: str) -> dict[str, str]:
        return dict(self.services[service].environment)

    def published_port(self, service: str, container_port: int) -> int | None:
        c = self.container(service)
        if c is not None:
            bindings = ((c.attrs.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{container_port}/tcp")
            for b in bindings or ():
                if str(b.get("HostPort", "")).isdigit():
                    return int(b["HostPort"])
            return None  # a running container is the truth: e.g. a ci project publishes nothing
        spec = self.services.get(service)
        return next((p.published for p in spec.ports if p.target == container_port), None) if spec else None

    def logs_tail(self, service: str, n: int = 50) -> list[str]:
        c = self.container(service)
        if c is None:
            return []
        text = c.logs(tail=n, stdout=True, stderr=True).decode(errors="replace")
        return redact(text, self.ctx.runner.secrets).rstrip("\n").splitlines()[-n:]

    def state(self, service: str) -> dict[str, Any]:
        c = self.container(service)
        if c is None:
            return {"service": service, "status": "missing", "exit_code": None, "oom_killed": False,
                    "restart_count": 0, "health": None, "started_at": None, "id": None}
        st = c.attrs.get("State") or {}
        return {"service": service, "status": st.get("Status", c.status), "exit_code": st.get("ExitCode"),
                "oom_killed": bool(st.get("OOMKilled")), "restart_count": c.attrs.get("RestartCount", 0),
                "health": (st.get("Health") or {}).get("Status"), "started_at": st.get("StartedAt"),
                "error": st.get("Error") or None, "id": c.id}


def _write_if_changed(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.tmp")  # lanes write concurrently
        tmp.write_text(text)
        tmp.replace(path)
    return path


def describe_state(state: Mapping[str, Any]) -> str:
    """One line: `api container: exited (exit code 1, OOM-killed, 3 restarts, unhealthy)`."""
    parts = []
    if state.get("status") != "running" and state.get("exit_code") is not None:
        parts.append(f"exit code {state['exit_code']}")
    if state.get("oom_killed"):
        parts.append("OOM-killed")
    if state.get("restart_count"):
        parts.append(f"{state['restart_count']} restarts")
    if state.get("health"):
        parts.append(state["health"])
    if state.get("error"):
        parts.append(str(state["error"]))
    return f"{state['service']} container: {state.get('status')}" + (f" ({', '.join(parts)})" if parts else "")


def _reader(runner: Runner) -> Runner:
    """Read-only queries (version, config) run even in a dry run: they change nothing, plans need them."""
    if not runner.dry_run:
        return runner
    return Runner(runner.log_dir, runner.base_env, runner.secrets)
