"""The normalized compose model: what `compose config --format json` says, as frozen dataclasses."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

@dataclass(frozen=True)
class BuildSpec:
    context: Path
    dockerfile: Path  # absolute
    args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    remote: bool = False  # a git/URL context: nothing local to check or hash


@dataclass(frozen=True)
class PortSpec:
    target: int
    published: int | None = None
    protocol: str = "tcp"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    image: str
    build: BuildSpec | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    working_dir: str | None = None
    ports: tuple[PortSpec, ...] = ()
    healthcheck: tuple[str, ...] | None = None  # the test; None when there is none or it is disabled
    networks: tuple[str, ...] = ()  # engine network names, e.g. myproj_default


def parse_model(data: Mapping[str, Any], project: str, root: Path, *, v1: bool = False) -> dict[str, ServiceSpec]:
    """`compose config` output -> services. Pure: no I/O."""
    network_names = {k: (v or {}).get("name") or f"{project}_{k}" for k, v in (data.get("networks") or {}).items()}
    services: dict[str, ServiceSpec] = {}
    for name, svc in (data.get("services") or {}).items():
        build = _build(svc.get("build"), root)
        image = svc.get("image") or (f"{project}_{name}" if v1 else f"{project}-{name}")
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
        nets = svc.get("networks") or ({} if svc.get("network_mode") else {"default": None})
        hc = svc.get("healthcheck") or {}
        test = hc.get("test")
        services[name] = ServiceSpec(
            name=name, image=image, build=build,
            environment={k: str(v) for k, v in env.items() if v is not None},
            working_dir=svc.get("working_dir"),
            ports=tuple(_port(p) for p in svc.get("ports") or ()),
            healthcheck=None if hc.get("disable") or not test or test == ["NONE"] else
            (tuple(test) if isinstance(test, list) else ("CMD-SHELL", str(test))),
            networks=tuple(network_names.get(n, f"{project}_{n}") for n in nets),
        )
    return services


def parse_config_output(output: str, *, v1: bool = False) -> dict[str, Any] | None:
    """The model in `compose config` output, skipping the WARN lines compose mixes in."""
    lines = output.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("{" if not v1 else "services:")
                  or (v1 and line[:1].isalpha() and not line.startswith("WARN"))), None)
    if start is None:
        return None
    text = "".join(lines[start:])
    if v1:
        import yaml
        return yaml.safe_load(text) or {}
    data, _end = json.JSONDecoder().raw_decode(text)
    return data


def _build(build: Any, root: Path) -> BuildSpec | None:
    if not build:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = str(build.get("context") or ".")
    remote = "://" in context or context.startswith("git@")
    ctx_path = Path(context) if remote or Path(context).is_absolute() else root / context
    dockerfile = Path(build.get("dockerfile") or "Dockerfile")
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(a.split("=", 1) if "=" in a else (a, None) for a in args)
    return BuildSpec(ctx_path, dockerfile if dockerfile.is_absolute() else ctx_path / dockerfile,
                     {k: str(v) for k, v in args.items() if v is not None}, build.get("target"), remote)


def _port(p: Any) -> PortSpec:
    if isinstance(p, Mapping):
        published = p.get("published")
        return PortSpec(int(p["target"]), int(published) if str(published or "").isdigit() else None,
                        p.get("protocol") or "tcp")
    text, _, proto = str(p).partition("/")
    parts = text.split(":")
    published = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else None
    return PortSpec(int(parts[-1].split("-")[0]), int(published) if published else None, proto or "tcp")
