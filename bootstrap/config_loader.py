"""Load bootstrap.yaml (and the env file compose will see) into a frozen `Config`.

Checks run in this order, each failing with a one-line ConfigError that names
the file, the key path, what is wrong and the fix: YAML syntax; literal secrets;
unknown keys; types (pydantic); names and value rules; compose services;
host files; the env file; referenced variables; and with --prod, password strength.

The env file rule: an `env_file` set in bootstrap.yaml must exist. The default
`.env` is optional as long as the process environment alone sets every
variable bootstrap.yaml references (CI exports them); otherwise its absence is
the error reported. A missing default `.env` leaves `Config.env_file` None, so
compose is not handed a file that does not exist.
"""
from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import BaseModel, ValidationError

from .config import Config, DatabaseConfig, RoleConfig
from .envfile import effective_env
from .errors import ConfigError
from .secrets import Secret

CONFIG_ENV = "BOOTSTRAP_CONFIG"
DEFAULT_NAME = "bootstrap.yaml"
DEFAULT_ENV_FILE = ".env"
MIN_PROD_PASSWORD = 16
WELL_KNOWN_PASSWORDS = frozenset({"admin", "admin123", "changeme", "password", "postgres", "secret",
                                  "root", "test", "123456", "letmein", "qwerty"})
GENERATE_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(24))'"

_PROJECT = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")
_SEED = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@]*:[^\s/@]+@", re.I)
_SECRET_KEYS = {"password": "password_env", "passwd": "password_env", "secret": "password_env",
                "superuser_url": "superuser_url_env"}
_DERIVED = {Config: {"source", "root", "env", "prod"}, RoleConfig: {"password"},
            DatabaseConfig: {"superuser_url"}}
_EXPECTED = {"float_parsing": "a number", "float_type": "a number", "finite_number": "a number",
             "int_parsing": "a whole number", "int_type": "a whole number",
             "int_from_float": "a whole number", "string_type": "a string", "tuple_type": "a list",
             "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
             "model_attributes_type": "a mapping", "path_type": "a path",
             "bool_type": "true or false", "bool_parsing": "true or false"}


def load(path: Path | None, environ: Mapping[str, str], *, prod: bool = False,
         project: str | None = None) -> Config:
    """Find, read and validate bootstrap.yaml: explicit `path` > $BOOTSTRAP_CONFIG > ./bootstrap.yaml."""
    return _Loader(locate(path, environ), environ, prod).load(project)


def locate(path: Path | None, environ: Mapping[str, str]) -> Path:
    """The bootstrap.yaml to load, as an absolute path; ConfigError when it does not exist."""
    candidate = Path(path) if path is not None else Path(environ.get(CONFIG_ENV) or DEFAULT_NAME)
    candidate = Path(os.path.normpath(Path.cwd() / candidate))
    if candidate.is_dir():
        candidate = candidate / DEFAULT_NAME
    if not candidate.is_file():
        raise ConfigError(f"{DEFAULT_NAME} not found at {candidate}; "
                          f"pass --config PATH or set {CONFIG_ENV}")
    return candidate


def password_problem(value: str, role: str | None) -> str | None:
    """Why `value` is too weak for production, or None. Never includes the value."""
    if not value:
        return "is empty"
    if value.lower() in WELL_KNOWN_PASSWORDS:
        return "is a well-known default password"
    if role and value.lower() == role.lower():
        return "is the same as the role name"
    if len(value) < MIN_PROD_PASSWORD:
        return f"is too short ({len(value)} characters, need {MIN_PROD_PASSWORD})"
    return None


def show(path: Path) -> str:
    """`path` relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _key(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else str(part)


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _nearest(word: str, choices: list[str], fallback: str) -> str:
    best = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {best[0]!r}?" if best else f"{fallback}: {', '.join(sorted(choices))}"


class _StrictYaml(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


class _ComposeYaml(yaml.SafeLoader):
    """Compose files may use tags such as !reset and !override: read them as plain values."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_ComposeYaml.add_multi_constructor("!", _untagged)


def _read_yaml(path: Path, loader: type[yaml.SafeLoader], label: str) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=loader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{label}: {line}invalid YAML: {problem}; fix the syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read ({type(exc).__name__})") from None


class _Loader:
    def __init__(self, source: Path, environ: Mapping[str, str], prod: bool) -> None:
        self.source, self.root, self.environ, self.prod = source, source.parent, environ, prod
        self.file = show(source)

    def fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key}: {what}" if key else f"{self.file}: {what}")

    def load(self, project: str | None) -> Config:
        raw = _read_yaml(self.source, _StrictYaml, self.file)
        if raw is None:
            raise self.fail("", "the file is empty; add at least project and compose")
        if not isinstance(raw, dict):
            raise self.fail("", f"expected a mapping of keys (project, compose, ...), got {_describe(raw)}")
        env_name = raw["env_file"] if isinstance(raw.get("env_file"), str) else DEFAULT_ENV_FILE
        self._refuse_secrets(raw, "", env_name)
        self._check_keys(raw, Config, "")
        config = self._validate(self._prepare(raw, project))
        self._check_names(config, project)
        self._check_services(config)
        if config.migrate and not config.migrate.alembic_ini.is_file():
            rel = raw["migrate"]["alembic_ini"]
            raise self.fail("migrate.alembic_ini", f"{rel} not found at {config.migrate.alembic_ini}; "
                            f"fix the path (relative to the directory of {self.file})")
        env, env_file = self._environment(config, explicit="env_file" in raw)
        database = self._resolve_secrets(config.database, env, env_file)
        if self.prod and database:
            self._check_prod(database)
        return config.model_copy(update={"env": env, "env_file": env_file, "database": database})

    def _refuse_secrets(self, node: Any, path: str, env_name: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = _key(path, str(key))
                ref = _SECRET_KEYS.get(str(key).lower()) if path != "images" else None  # service names
                if ref:
                    raise self.fail(here, f"literal secrets are not allowed in {self.source.name}; "
                                    f"put it in {env_name} and reference it with {ref}")
                self._refuse_secrets(value, here, env_name)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                self._refuse_secrets(item, _key(path, i), env_name)
        elif isinstance(node, str) and _CREDENTIAL_URL.search(node):
            raise self.fail(path, f"looks like a URL with credentials; literal secrets are not allowed "
                            f"in {self.source.name}; put it in {env_name} and reference it by "
                            "variable name (e.g. superuser_url_env)")

    def _check_keys(self, node: Any, model: type[BaseModel], path: str) -> None:
        """Unknown keys (with the nearest valid one) and simple value rules, before pydantic."""
        if not isinstance(node, dict):
            return  # pydantic reports the wrong type
        fields = {(f.alias or name): f for name, f in model.model_fields.items()
                  if name not in _DERIVED.get(model, set())}
        for key, value in node.items():
            here = _key(path, str(key))
            if not isinstance(key, str) or key not in fields:
                raise self.fail(here, "unknown key; " + _nearest(str(key), list(fields), "valid keys"))
            self._check_value(key, value, here)
            self._walk(value, fields[key].annotation, here)

    def _walk(self, value: Any, annotation: Any, path: str) -> None:
        """Descend into `value` along its field's annotation (model, X | None, tuple, dict)."""
        origin, args = get_origin(annotation), get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self._check_keys(value, annotation, path)
        elif origin in (Union, UnionType):
            for arg in args:
                self._walk(value, arg, path)
        elif origin is tuple and isinstance(value, list):
            for i, item in enumerate(value):
                self._walk(item, args[0], _key(path, i))
        elif origin is dict and isinstance(value, dict):
            for name, item in value.items():
                self._walk(item, args[1], _key(path, str(name)))

    def _check_value(self, key: str, value: Any, path: str) -> None:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key.endswith("_s") and number and value <= 0:
            raise self.fail(path, f"must be a number of seconds greater than 0, got {value}")
        if key == "backup_keep" and number and value < 0:
            raise self.fail(path, f"must be 0 or more, got {value}")
        if key in ("command", "files") and value == []:
            raise self.fail(path, "must not be empty; list at least one item")

    def _prepare(self, raw: dict[str, Any], project: str | None) -> dict[str, Any]:
        """Relative paths made absolute (when they are strings), derived fields added."""
        data = copy.deepcopy(raw)

        def absolute(value: Any) -> Any:
            return os.path.normpath(self.root / value) if isinstance(value, str) else value

        compose = data.get("compose")
        if isinstance(compose, dict):
            for key in ("files", "prod_files"):
                if isinstance(compose.get(key), list):
                    compose[key] = [absolute(item) for item in compose[key]]
        data["env_file"] = absolute(data.get("env_file", DEFAULT_ENV_FILE))
        if isinstance(data.get("migrate"), dict) and "alembic_ini" in data["migrate"]:
            data["migrate"]["alembic_ini"] = absolute(data["migrate"]["alembic_ini"])
        if project is not None:
            data["project"] = project
        data.update(source=self.source, root=self.root, prod=self.prod)
        return data

    def _validate(self, data: dict[str, Any]) -> Config:
        try:
            return Config.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
        loc = [part for part in error["loc"] if part != "[key]"]
        path = ""
        for part in loc:
            path = _key(path, part)
        kind, got = error["type"], _describe(error.get("input"))
        if kind == "missing":
            parent = path[: -len(str(loc[-1]))].rstrip(".")
            raise self.fail(path, f"required key is missing; add {loc[-1]}:"
                            + (f" under {parent}" if parent else " at the top level"))
        if kind == "literal_error":
            raise self.fail(path, f"expected one of {error['ctx']['expected']}, got {got}")
        if kind in _EXPECTED:
            raise self.fail(path, f"expected {_EXPECTED[kind]}, got {got}")
        raise self.fail(path, f"{error['msg']}, got {got}")

    def _check_names(self, config: Config, project: str | None) -> None:
        if not _PROJECT.match(config.project):
            what = (f"{config.project!r} is not a valid compose project name; use lowercase letters, "
                    "digits, '-' and '_', starting with a letter or digit")
            raise ConfigError(f"--project: {what}") if project is not None else self.fail("project", what)
        roles = config.database.roles if config.database else ()
        for i, role in enumerate(roles):
            if not _ROLE.match(role.name) or role.name.startswith("pg_"):
                raise self.fail(f"database.roles[{i}].name", f"{role.name!r} is not a valid role name; use "
                                "lowercase letters, digits and '_' (at most 63, not starting with a digit "
                                "or pg_)")
            self._unique(role.name, [r.name for r in roles[:i]], f"database.roles[{i}].name", "role")
        for key, var in self._env_refs(config):
            if not _ENV_NAME.match(var):
                raise self.fail(key, "expected the name of an environment variable (letters, digits, '_'),"
                                " not a value; put the value in the env file and name it here")
        for i, seed in enumerate(config.seed):
            if not _SEED.match(seed.name):
                raise self.fail(f"seed[{i}].name", f"{seed.name!r} is not a valid seed name; use lowercase"
                                " letters, digits, '.', '_' and '-', starting with a letter or digit")
            self._unique(seed.name, [s.name for s in config.seed[:i]], f"seed[{i}].name", "seed")
        for i, check in enumerate(config.health):
            if (check.url is None) == (check.service is None):
                got = "both" if check.url is not None else "neither"
                raise self.fail(f"health[{i}]", f"set exactly one of url or service, got {got}")
            self._unique(check.name, [h.name for h in config.health[:i]], f"health[{i}].name", "health check")

    def _unique(self, name: str, earlier: list[str], key: str, what: str) -> None:
        if name in earlier:
            raise self.fail(key, f"duplicate {what} name {name!r}; give each {what} a unique name")

    @staticmethod
    def _env_refs(config: Config) -> list[tuple[str, str]]:
        db = config.database
        if db is None:
            return []
        return [("database.superuser_url_env", db.superuser_url_env)] + [
            (f"database.roles[{i}].password_env", r.password_env) for i, r in enumerate(db.roles)]

    def _check_services(self, config: Config) -> None:
        services: set[str] = set()
        files = config.compose_files()
        for i, path in enumerate(files):
            listed = "compose.files" if i < len(config.compose.files) else "compose.prod_files"
            index = i if i < len(config.compose.files) else i - len(config.compose.files)
            if not path.is_file():
                raise self.fail(f"{listed}[{index}]", f"{show(path)} not found; fix the path "
                                f"(relative to the directory of {self.file})")
            doc = _read_yaml(path, _ComposeYaml, show(path))
            found = doc.get("services") if isinstance(doc, dict) else None
            services |= {str(name) for name in found} if isinstance(found, dict) else set()
        refs = [("database.service", config.database.service if config.database else None),
                ("migrate.service", config.migrate.service if config.migrate else None)]
        refs += [(f"images.{name}", name) for name in config.images]
        refs += [(f"seed[{i}].service", s.service) for i, s in enumerate(config.seed)]
        refs += [(f"health[{i}].service", h.service) for i, h in enumerate(config.health)]
        names = ", ".join(os.path.relpath(p, self.root) for p in files)
        for key, service in refs:
            if service is not None and service not in services:
                hint = _nearest(service, sorted(services), "services defined") if services else \
                    "it defines no services"
                raise self.fail(key, f"{service!r} is not a service in {names}; {hint}")

    def _environment(self, config: Config, explicit: bool) -> tuple[dict[str, str], Path | None]:
        env_file = config.env_file
        if env_file is None:
            return dict(self.environ), None
        if env_file.is_file():
            return effective_env(env_file, self.environ, label=show(env_file)), env_file
        example = env_file.with_name(env_file.name + ".example")
        fix = (f"copy {show(example)} to {show(env_file)} and fill it in" if example.is_file()
               else f"create it with one KEY=value line per variable {self.file} references")
        if explicit:
            raise self.fail("env_file", f"{show(env_file)} not found; {fix}")
        unset = [var for _, var in self._env_refs(config) if not self.environ.get(var)]
        if unset:
            raise self.fail("env_file", f"{show(env_file)} (the default) not found and {unset[0]} is "
                            f"not set in the environment; {fix}")
        return dict(self.environ), None

    def _resolve_secrets(self, db: DatabaseConfig | None, env: Mapping[str, str],
                         env_file: Path | None) -> DatabaseConfig | None:
        if db is None:
            return None

        def secret(key: str, var: str) -> Secret:
            value = env.get(var)
            if value:
                return Secret(value, f"env {var}")
            state = "is empty" if value == "" else "is not set"
            if env_file is None:
                raise self.fail(key, f"{var} {state} in the environment; export {var}=... "
                                f"or set env_file in {self.source.name}")
            example = env_file.with_name(env_file.name + ".example")
            see = f" (see {show(example)})" if example.is_file() else ""
            raise self.fail(key, f"{var} {state} in {show(env_file)} or the environment; "
                            f"add {var}=... to {show(env_file)}{see}")

        url = secret("database.superuser_url_env", db.superuser_url_env)
        try:
            scheme = urlsplit(url.reveal()).scheme
        except ValueError:
            scheme = ""
        if not scheme.startswith("postgres"):
            raise self.fail("database.superuser_url_env", f"{db.superuser_url_env} is not a PostgreSQL URL; "
                            "expected postgresql://USER:PASSWORD@HOST:5432/postgres")
        roles = tuple(role.model_copy(update={"password": secret(f"database.roles[{i}].password_env",
                                                                 role.password_env)})
                      for i, role in enumerate(db.roles))
        return db.model_copy(update={"superuser_url": url, "roles": roles})

    def _check_prod(self, db: DatabaseConfig) -> None:
        assert db.superuser_url is not None
        parts = urlsplit(db.superuser_url.reveal())
        problem = password_problem(unquote(parts.password or ""), unquote(parts.username or ""))
        if problem:
            raise self.fail("database.superuser_url_env", f"the password in {db.superuser_url_env} "
                            f"{problem}; --prod needs a strong password: {GENERATE_HINT}")
        for i, role in enumerate(db.roles):
            problem = password_problem(role.password.reveal() if role.password else "", role.name)
            if problem:
                raise self.fail(f"database.roles[{i}].password_env", f"{role.password_env} {problem}; "
                                f"--prod needs a strong password: {GENERATE_HINT}")
