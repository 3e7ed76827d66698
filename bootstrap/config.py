"""bootstrap.yaml and the environment, loaded and validated once, into frozen objects.

Nothing below this layer reads os.environ: the values compose will see (the
env_file read with compose's rules, then the process environment on top) are
resolved here into `Config.env`, and secrets into `Secret` values.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .doctor.model import DoctorConfig  # pydantic only: no import cycle
from .secrets import Secret

Access = Literal["owner", "readwrite", "readonly"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class RoleConfig(_Frozen):
    name: str
    password_env: str
    access: Access
    password: Secret | None = None  # resolved from password_env at load time


class DatabaseConfig(_Frozen):
    service: str | None = None  # compose service; None for an external server
    superuser_url_env: str
    superuser_url: Secret | None = None  # resolved from superuser_url_env
    name: str
    schema_name: str = Field("public", alias="schema")
    roles: tuple[RoleConfig, ...] = ()
    ready_timeout_s: float = 60.0
    backup_keep: int = 5
    lock_timeout_s: float = 10.0


class ForbidStrings(_Frozen):
    path: str
    strings: tuple[str, ...]


class ImageConfig(_Frozen):
    verify_imports: tuple[str, ...] = ()
    forbid_strings: ForbidStrings | None = None


class CommandConfig(_Frozen):
    service: str
    command: tuple[str, ...]
    workdir: str | None = None
    timeout_s: float = 600.0


class MigrateConfig(CommandConfig):
    alembic_ini: Path
    lock_timeout_s: float = 300.0
    drift_command: tuple[str, ...] | None = None  # e.g. ["alembic", "check"], used by doctor


class SeedConfig(CommandConfig):
    name: str


class HealthConfig(_Frozen):
    name: str
    url: str | None = None
    service: str | None = None
    timeout_s: float = 60.0


class ComposeConfig(_Frozen):
    files: tuple[Path, ...]
    prod_files: tuple[Path, ...] = ()


class Config(_Frozen):
    source: Path  # the bootstrap.yaml this came from
    root: Path  # its directory; relative paths resolve against it
    project: str
    compose: ComposeConfig
    env_file: Path | None = None
    database: DatabaseConfig | None = None
    images: dict[str, ImageConfig] = {}
    migrate: MigrateConfig | None = None
    seed: tuple[SeedConfig, ...] = ()
    health: tuple[HealthConfig, ...] = ()
    # what compose sees: env_file values, the process env on top; holds passwords, so kept out of repr
    env: dict[str, str] = Field(default_factory=dict, repr=False)
    prod: bool = False
    doctor: DoctorConfig = DoctorConfig()

    def compose_files(self) -> tuple[Path, ...]:
        return self.compose.files + (self.compose.prod_files if self.prod else ())

    def secrets(self) -> list[Secret]:
        out: list[Secret] = []
        if self.database:
            if self.database.superuser_url:
                out.append(self.database.superuser_url)
            out += [r.password for r in self.database.roles if r.password]
        return out


def load_config(path: Path | None, environ: dict[str, str], *, prod: bool = False,
                project: str | None = None) -> Config:
    """Load and validate. Raises ConfigError with a one-line message naming file, key and fix."""
    from .config_loader import load

    return load(path, environ, prod=prod, project=project)
