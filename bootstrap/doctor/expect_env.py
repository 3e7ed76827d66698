"""Checks expect-env and expect-env-running (seed 000 issue 7): per-mode environment expectations.

bootstrap.yaml declares what each service's environment must hold in each mode:

    doctor:
      expect_env:
        local: {api: {RATE_LIMIT_ENABLED: "false"}}
        prod: {api: {RATE_LIMIT_ENABLED: "true"}}

expect-env (static, in preflight) compares with the compose model (environment
and env_file, interpolated, overlays merged); expect-env-running compares with
the environment of the running containers, which may predate the last change.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from .finding import Verdict, fail, ok, skip
from .locate import locate, shown
from .model import doctor_config

if TYPE_CHECKING:
    from ..context import Context

_BOOLEAN = {"true": "true", "1": "true", "yes": "true", "on": "true",
            "false": "false", "0": "false", "no": "false", "off": "false"}


def mode(ctx: Context) -> str:
    return "prod" if ctx.prod else "local"


def expectations(ctx: Context) -> Iterator[tuple[str, str, str | None]]:
    for service, env in sorted(doctor_config(ctx.config).expect_env.get(mode(ctx), {}).items()):  # type: ignore[call-overload]
        for var, value in sorted(env.items()):
            yield service, var, value


def matches(actual: str | None, expected: str | None) -> bool:
    """Exact, except that boolean spellings compare as booleans ("False" == "false" == "0")."""
    if expected is None or actual is None:
        return actual is expected
    if actual == expected:
        return True
    a, e = _BOOLEAN.get(actual.strip().lower()), _BOOLEAN.get(expected.strip().lower())
    return a is not None and a == e


def _show(value: str | None) -> str:
    return "unset" if value is None else repr(value)


def check_expect_env_static(ctx: Context) -> Iterable[Verdict]:
    wanted = list(expectations(ctx))
    if not wanted:
        return [ok(f"no expectations declared for {mode(ctx)} runs (doctor.expect_env.{mode(ctx)})")]
    cfg = ctx.config
    services = ctx.compose.services
    files = cfg.compose_files()
    out: list[Verdict] = []
    for service, var, expected in wanted:
        key = f"doctor.expect_env.{mode(ctx)}.{service}"
        if service not in services:
            out.append(fail(f"{shown(cfg.source, cfg.root)}: {key}: {service!r} is not a compose service",
                            f"fix the service name; services: {', '.join(sorted(services))}"))
            continue
        actual = services[service].environment.get(var)
        if matches(actual, expected):
            continue
        where = locate(files, service, ("environment",), var, cfg.root)
        target = shown(files[-1], cfg.root)
        at = f" ({where})" if where else ""
        change = (f"remove {var} from services.{service}.environment" if expected is None else
                  f'set {var}: "{expected}" under services.{service}.environment')
        out.append(fail(f"service {service}: {var} is {_show(actual)}{at}; bootstrap.yaml expects "
                        f"{_show(expected)} for {mode(ctx)} runs",
                        f"{change} in {where.rsplit(':', 1)[0] if where else target}"))
    if not out:
        out.append(ok(f"{len(wanted)} expectation(s) for {mode(ctx)} runs hold in the compose model"))
    return out


def container_env(container: object) -> dict[str, str]:
    attrs: Mapping[str, object] = getattr(container, "attrs", {}) or {}
    config = attrs.get("Config") or {}
    env = config.get("Env") if isinstance(config, Mapping) else None
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in (env or []))


def check_expect_env_running(ctx: Context) -> Iterable[Verdict]:
    wanted = list(expectations(ctx))
    if not wanted:
        return [ok(f"no expectations declared for {mode(ctx)} runs")]
    from .running import running_containers

    running = running_containers(ctx)
    out: list[Verdict] = []
    checked, stopped = 0, set()
    for service, var, expected in wanted:
        container = running.get(service)
        if container is None:
            stopped.add(service)
            continue
        checked += 1
        actual = container_env(container).get(var)
        if not matches(actual, expected):
            out.append(fail(f"container {service} runs with {var}={_show(actual)}; bootstrap.yaml expects "
                            f"{_show(expected)} for {mode(ctx)} runs",
                            "fix the compose file if expect-env fails too, then recreate the container: "
                            "invoke restart" + (" --prod" if ctx.prod else "")))
    if out:
        return out
    if not checked:
        return [skip(f"not running: {', '.join(sorted(stopped))}")]
    rest = f"; not running: {', '.join(sorted(stopped))}" if stopped else ""
    return [ok(f"{checked} expectation(s) hold in the running containers{rest}")]


__all__ = ["check_expect_env_running", "check_expect_env_static", "matches"]
