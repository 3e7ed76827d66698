"""Checks env-vars and prod-secrets: the variables the stack needs are set, and strong.

env-vars: `.env` (or, in CI, the process environment) defines every variable
`.env.example` declares, every variable bootstrap.yaml names (`*_env` keys) and
every `${VAR}` a compose file uses without a default (compose would silently
substitute an empty string). A declared variable that is missing while every
compose use of it has a default (`${API_START_DELAY_S:-0}`) only warns: compose
falls back to a value someone chose.

prod-secrets (--prod): no secret-looking variable (PASSWORD, SECRET, TOKEN, KEY)
and no password inside a URL is empty, short, a well-known default (the seeds
log in with admin/admin123) or still the `.env.example` placeholder. The config
loader already refuses weak database role and superuser passwords; this covers
the rest with the same rule (`config_loader.password_problem`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .finding import Verdict, fail, ok, warn
from .registry import is_secret_name

if TYPE_CHECKING:
    from ..config import Config
    from ..context import Context

_DECL = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]")
_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?|([A-Za-z_][A-Za-z0-9_]*))")
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
COMPOSE_PROVIDED = frozenset({"COMPOSE_PROJECT_NAME"})  # compose sets it from -p


@dataclass(frozen=True)
class Declared:
    name: str
    file: str  # as shown, relative to the project root
    line: int


def example_path(config: Config) -> Path:
    env_file = config.env_file or (config.root / ".env")
    return env_file.with_name(env_file.name + ".example")


def env_file_shown(config: Config) -> str:
    return rel(config.env_file or (config.root / ".env"), config.root)


def declared_in(path: Path, root: Path) -> list[Declared]:
    """KEY=... lines of an env file, with their line numbers (values are never read)."""
    out: list[Declared] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        match = _DECL.match(line)
        if match and not line.lstrip().startswith("#"):
            out.append(Declared(match.group(1), rel(path, root), number))
    return out


def env_file_values(config: Config) -> dict[str, str]:
    """What the env file itself defines (without the process environment on top)."""
    from ..envfile import read_env_file

    if config.env_file is None or not config.env_file.is_file():
        return {}
    return read_env_file(config.env_file, config.env)


def compose_refs(config: Config) -> Iterator[tuple[Declared, bool]]:
    """Each `${VAR}` / `$VAR` in the compose files, and whether it has a default (`:-`, `-`, `:+`, `+`)."""
    for path in config.compose_files():
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = line.replace("$$", "")
            if text.lstrip().startswith("#"):
                continue
            for match in _REF.finditer(text):
                name = match.group(1) or match.group(3)
                if name not in COMPOSE_PROVIDED:
                    yield (Declared(name, rel(path, config.root), number),
                           match.group(2) in (":-", "-", ":+", "+"))


def yaml_refs(config: Config) -> list[Declared]:
    db = config.database
    if db is None:
        return []
    where = rel(config.source, config.root)
    refs = [Declared(db.superuser_url_env, where, 0)]
    return refs + [Declared(r.password_env, where, 0) for r in db.roles]


def check_env_defined(ctx: Context) -> Iterable[Verdict]:
    cfg = ctx.config
    in_file = env_file_values(cfg)
    env_shown = env_file_shown(cfg)
    example = example_path(cfg)
    declared = declared_in(example, cfg.root) if example.is_file() else []
    documented = {d.name for d in declared}
    refs = list(compose_refs(cfg))
    yaml = yaml_refs(cfg)
    undefaulted = [ref for ref, defaulted in refs if not defaulted]
    defaults_only: dict[str, Declared] = {}  # variables every compose use of which has a default
    for ref, defaulted in refs:
        if defaulted:
            defaults_only.setdefault(ref.name, ref)
    for ref in (*yaml, *undefaulted):
        defaults_only.pop(ref.name, None)
    out: list[Verdict] = []
    seen: set[str] = set()
    for verb, items in (("declares", declared), ("references", yaml), ("uses without a default", undefaulted)):
        for item in items:
            if item.name in seen:
                continue
            seen.add(item.name)
            if item.name in in_file or item.name in cfg.env:
                continue
            where = f"{item.file}:{item.line}" if item.line else item.file
            fix = f"add {item.name}=... to {env_shown}" + \
                (f" (documented in {rel(example, cfg.root)})" if item.name in documented else "")
            use = defaults_only.get(item.name)
            if use is not None:
                out.append(warn(f"{where} declares {item.name}; {env_shown} does not set it, so compose uses "
                                f"the default at {use.file}:{use.line}", fix))
            else:
                out.append(fail(f"{where} {verb} {item.name}; neither {env_shown} nor the environment sets it",
                                fix))
    if out:
        return out
    from_env = [n for n in seen if n not in in_file]
    note = f", {len(from_env)} from the process environment" if from_env else ""
    what = f"{len(declared)} declared in {rel(example, cfg.root)}" if example.is_file() else \
        f"no {rel(example, cfg.root)}"
    return [ok(f"{len(seen)} variables set ({what}; the rest named by bootstrap.yaml or used by the compose "
               f"files{note})")]


def url_password(value: str) -> str | None:
    if not _URL_PASSWORD.match(value):
        return None
    try:
        password = urlsplit(value).password
    except ValueError:
        return None
    return unquote(password) if password is not None else None


def check_prod_secrets(ctx: Context) -> Iterable[Verdict]:
    from ..config_loader import password_problem

    cfg = ctx.config
    example = example_path(cfg)
    declared = {d.name: d for d in declared_in(example, cfg.root)} if example.is_file() else {}
    placeholders = _example_values(example) if example.is_file() else {}
    in_file = env_file_values(cfg)
    names = sorted(set(declared) | set(in_file))
    env_shown = env_file_shown(cfg)
    out: list[Verdict] = []
    checked = 0
    for name in names:
        value = in_file.get(name, cfg.env.get(name, ""))
        if is_secret_name(name):
            problem, what = password_problem(value, None), name
        elif (password := url_password(value)) is not None:
            problem, what = password_problem(password, None), f"the password in {name}"
        else:
            continue
        checked += 1
        if problem is None and name in placeholders and value and value == placeholders[name]:
            problem = f"is still the placeholder from {rel(example, cfg.root)}"
        if problem:
            out.append(fail(f"{what} {problem} ({env_shown})",
                            f"set a strong value for {name} in {env_shown}: "
                            "python -c 'import secrets; print(secrets.token_urlsafe(24))'"))
    if not out:
        out.append(ok(f"{checked} secret(s) in {env_shown} are set, long and not well-known defaults"))
    return out


def _example_values(example: Path) -> dict[str, str]:
    from ..envfile import read_env_file

    try:
        return read_env_file(example, {})
    except Exception:  # noqa: BLE001 - a malformed example only loses the placeholder comparison
        return {}


def rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
