"""Checks next-public-build-args and next-public-localhost (seed 004 issue 6).

Next.js inlines every `process.env.NEXT_PUBLIC_*` into the client bundle at
`next build`: set at run time (`environment:`) it changes nothing, and the
bundle keeps whatever the build saw (in the seed, `http://localhost:3000`). So:

- a NEXT_PUBLIC_* in a service's run-time environment fails, with the compose
  snippet that passes it as a build arg instead;
- a NEXT_PUBLIC_* build arg the Dockerfile never declares (`ARG`) fails: the
  builder drops it silently;
- with --prod, a NEXT_PUBLIC_* value (build arg, Dockerfile ARG default or
  run-time value) pointing at localhost / 127.0.0.1 fails.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .finding import Verdict, fail, ok, warn
from .locate import locate, shown

if TYPE_CHECKING:
    from ..compose_model import BuildSpec, ServiceSpec
    from ..context import Context

PREFIX = "NEXT_PUBLIC_"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"})


@dataclass(frozen=True)
class DockerfileArg:
    name: str
    default: str | None
    line: int


def stage_args(dockerfile: Path) -> dict[str, DockerfileArg]:
    """ARGs declared inside a stage (after the first FROM): the ones a RUN can see."""
    from ..dockerfile import instructions

    out: dict[str, DockerfileArg] = {}
    seen_from = False
    for inst in instructions(dockerfile.read_text(errors="replace")):
        if inst.keyword == "FROM":
            seen_from = True
        elif inst.keyword == "ARG" and seen_from:
            for word in inst.args.split():
                name, eq, default = word.partition("=")
                out.setdefault(name, DockerfileArg(name, default.strip("\"'") if eq else None, inst.line))
    return out


def snippet(service: str, var: str) -> str:
    """The compose change, as one line of valid YAML (flow style)."""
    return f'services: {{{service}: {{build: {{args: {{{var}: "${{{var}}}"}}}}}}}}'


def check_next_public_runtime(ctx: Context) -> Iterable[Verdict]:
    cfg, compose = ctx.config, ctx.compose
    files, root = cfg.compose_files(), cfg.root
    out: list[Verdict] = []
    seen = 0
    for name, svc in sorted(compose.services.items()):
        for var in sorted(k for k in svc.environment if k.startswith(PREFIX)):
            seen += 1
            where = locate(files, name, ("environment",), var, root) or _files(files, root)
            dockerfile = f" and `ARG {var}` + `ENV {var}=${var}` before the build step in " \
                         f"{shown(svc.build.dockerfile, root)}" if svc.build and not svc.build.remote else ""
            out.append(fail(
                f"{where}: service {name} sets {var} in `environment:` (run time); NEXT_PUBLIC_* is inlined "
                "into the client bundle at build time, so the browser never sees this value",
                f"remove it from environment and pass it as a build arg: {snippet(name, var)}{dockerfile}"))
        if svc.build is None or svc.build.remote or not svc.build.dockerfile.is_file():
            continue
        declared = stage_args(svc.build.dockerfile)
        df_shown = shown(svc.build.dockerfile, root)
        for var in sorted(k for k in svc.build.args if k.startswith(PREFIX)):
            seen += 1
            if var not in declared:
                where = locate(files, name, ("build", "args"), var, root) or _files(files, root)
                out.append(fail(f"{where}: service {name} passes build arg {var} but {df_shown} has no "
                                f"`ARG {var}` in a stage, so the build never sees it",
                                f"add `ARG {var}` and `ENV {var}=${var}` before the build step in {df_shown}"))
        for var, arg in sorted(declared.items()):
            if var.startswith(PREFIX) and var not in svc.build.args and not arg.default:
                seen += 1
                out.append(warn(f"{df_shown}:{arg.line}: service {name} declares ARG {var} but compose passes "
                                "no value: the bundle is built with an empty value",
                                f"pass it: {snippet(name, var)}"))
    if not out:
        out.append(ok(f"{seen} NEXT_PUBLIC_* variable(s), all passed as build args and declared with ARG"
                      if seen else "no NEXT_PUBLIC_* variable in any service"))
    return out


def public_values(ctx: Context) -> Iterator[tuple[str, str, str, str]]:
    """(service, variable, value, where) for every NEXT_PUBLIC_* a build or container sees."""
    cfg, root = ctx.config, ctx.config.root
    files = cfg.compose_files()
    for name, svc in sorted(ctx.compose.services.items()):
        build: BuildSpec | None = svc.build
        for var, value in sorted(_build_values(svc).items()):
            where = locate(files, name, ("build", "args"), var, root) if var in (build.args if build else {}) \
                else None
            if where is None and build is not None:
                arg = stage_args(build.dockerfile).get(var)
                where = f"{shown(build.dockerfile, root)}:{arg.line} (ARG default)" if arg else None
            yield name, var, value, where or _files(files, root)
        for var in sorted(k for k in svc.environment if k.startswith(PREFIX)):
            yield (name, var, svc.environment[var],
                   locate(files, name, ("environment",), var, root) or _files(files, root))


def _build_values(svc: ServiceSpec) -> dict[str, str]:
    build = svc.build
    if build is None or build.remote:
        return {}
    values = {k: v for k, v in build.args.items() if k.startswith(PREFIX)}
    if build.dockerfile.is_file():
        for var, arg in stage_args(build.dockerfile).items():
            if var.startswith(PREFIX) and var not in values and arg.default:
                values[var] = arg.default
    return values


def points_at_loopback(value: str) -> bool:
    try:
        host = urlsplit(value if "://" in value else f"//{value}").hostname
    except ValueError:
        host = None
    return (host or "").lower() in LOOPBACK or any(h in value for h in ("localhost", "127.0.0.1"))


def check_next_public_localhost(ctx: Context) -> Iterable[Verdict]:
    out: list[Verdict] = []
    count = 0
    for service, var, value, where in public_values(ctx):
        count += 1
        if points_at_loopback(value):
            out.append(fail(f"{where}: service {service}: {var}={value} points at the browser's own machine "
                            "in production (inlined into the bundle at build time)",
                            f"set {var} to the public URL (e.g. https://api.example.com) in the env file or "
                            "the prod compose file, then rebuild the image"))
    if not out:
        out.append(ok(f"{count} NEXT_PUBLIC_* value(s), none points at localhost" if count
                      else "no NEXT_PUBLIC_* variable in any service"))
    return out


def _files(files: Iterable[Path], root: Path) -> str:
    return ", ".join(shown(f, root) for f in files)
