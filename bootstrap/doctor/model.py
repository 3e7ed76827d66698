"""The `doctor:` section of bootstrap.yaml.

    doctor:
      sql_files: ["sql/**/*.sql"]            # check psql-vars; default: every *.sql under the project
      continuum:
        property_mod_tracker: true           # check continuum-mod: versioned columns need <col>_mod
      api_base:
        build_args: [NEXT_PUBLIC_API_URL]    # build args holding the API base URL the frontend calls
        probe: /api/v1/items                 # path appended to it for the redirect check
      expect_env:                            # check expect-env: per mode, per service
        local: {api: {RATE_LIMIT_ENABLED: "false"}}
        prod: {api: {RATE_LIMIT_ENABLED: "true"}}

Add it to `Config` as `doctor: DoctorConfig = DoctorConfig()`; until then
`doctor_config(cfg)` reads it defensively.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

Mode = Literal["local", "prod"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContinuumConfig(_Frozen):
    property_mod_tracker: bool = False  # the project uses SQLAlchemy-Continuum's PropertyModTrackerPlugin
    table_suffix: str = "_version"  # Continuum's table_name option ('%s_version')


class ApiBaseConfig(_Frozen):
    build_args: tuple[str, ...] = ("NEXT_PUBLIC_API_URL",)
    probe: str = ""


def _as_env_value(value: Any) -> Any:
    """YAML `false` / `3` in expect_env mean the strings compose would set: "false" / "3"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


class DoctorConfig(_Frozen):
    sql_files: tuple[str, ...] = ("**/*.sql",)
    continuum: ContinuumConfig = ContinuumConfig()
    api_base: ApiBaseConfig = ApiBaseConfig()
    # mode -> service -> variable -> expected value (null: must not be set)
    expect_env: dict[Mode, dict[str, dict[str, str | None]]] = {}

    @field_validator("expect_env", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {mode: ({svc: ({k: _as_env_value(v) for k, v in env.items()} if isinstance(env, dict) else env)
                        for svc, env in services.items()} if isinstance(services, dict) else services)
                for mode, services in value.items()}


def doctor_config(config: object) -> DoctorConfig:
    """`config.doctor` once Config has the field; the defaults until then."""
    found = getattr(config, "doctor", None)
    return found if isinstance(found, DoctorConfig) else DoctorConfig()
