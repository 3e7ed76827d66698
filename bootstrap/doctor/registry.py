"""The checks, in the order doctor prints them, and the one place they are run.

A check is a `CheckSpec`: an id, a title, a function `ctx -> Iterable[Verdict]`,
whether it is static (reads files only: no engine, database or network) and
whether preflight runs it. `run_check` is where "a check never raises" holds:
`Unavailable` becomes `skip`, any other exception `warn`, and every evidence and
fix is scrubbed of secrets before it leaves.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..secrets import MASK, Secret, redact
from .finding import Finding, Status, Unavailable, Verdict

if TYPE_CHECKING:
    from ..context import Context

CheckFn = Callable[["Context"], Iterable[Verdict]]
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|(?:^|_)KEY(?:$|_)|CREDENTIAL", re.I)
_NOT_SECRET = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
_URL_CREDS = re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@'\"]*):[^\s@/'\"]+@", re.I)


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    run: CheckFn
    static: bool = False  # needs no engine, database or network
    preflight: bool = False  # part of static_problems (first-time / restart stop on it)
    prod_only: bool = False


def is_secret_name(name: str) -> bool:
    """Does this variable hold a secret? NEXT_PUBLIC_* never does: it ships to every browser."""
    return bool(SECRET_NAME.search(name)) and not name.upper().startswith("NEXT_PUBLIC_")


def secret_values(ctx: Context) -> list[Secret | str]:
    """Everything that must never be printed: configured secrets and secret-looking env values."""
    values: list[Secret | str] = list(ctx.config.secrets())
    values += [v for k, v in ctx.config.env.items()
               if len(v) >= 4 and v.lower() not in _NOT_SECRET and is_secret_name(k)]
    return values


def scrub(text: str, secrets: Sequence[Secret | str]) -> str:
    return _URL_CREDS.sub(rf"\1:{MASK}@", redact(text, secrets))


def run_check(spec: CheckSpec, ctx: Context) -> list[Finding]:
    """Run one check; never raises (except KeyboardInterrupt)."""
    if spec.prod_only and not ctx.prod:
        verdicts: list[Verdict] = [Verdict(Status.SKIP, "runs with --prod only")]
    else:
        try:
            verdicts = list(spec.run(ctx))
        except Unavailable as exc:
            verdicts = [Verdict(Status.SKIP, exc.reason, exc.fix)]
        except Exception as exc:  # noqa: BLE001 - a check never raises; its error is the finding
            message = getattr(exc, "message", None) or str(exc)
            verdicts = [Verdict(Status.WARN, f"the check could not run: {type(exc).__name__}: {message}",
                                "fix what the error names, or report it if it looks like a bug in doctor")]
        if not verdicts:
            verdicts = [Verdict(Status.PASS, "nothing to check")]
    try:
        secrets = secret_values(ctx)
    except Exception:  # noqa: BLE001 - scrubbing must not be the thing that raises
        secrets = []
    return [Finding(spec.id, spec.title, v.status, scrub(v.evidence, secrets), scrub(v.fix, secrets),
                    spec.static, tuple(scrub(d, secrets) for d in v.details)) for v in verdicts]


def all_checks() -> tuple[CheckSpec, ...]:
    """Every check, in issue order (1-10). Imported lazily so `import bootstrap.doctor` is cheap."""
    from .continuum import check_mod_columns, check_version_tables
    from .dockerfiles import check_dockerfiles
    from .envvars import check_env_defined, check_prod_secrets
    from .expect_env import check_expect_env_running, check_expect_env_static
    from .migrations import check_db_revision, check_heads, check_schema_drift
    from .nextpublic import check_next_public_localhost, check_next_public_runtime
    from .psqlvars import check_psql_vars
    from .roles import check_roles
    from .routing import check_api_base, check_health
    from .stale import check_stale_images

    return (
        CheckSpec("env-vars", "every variable .env.example and bootstrap.yaml name is set",
                  check_env_defined, static=True, preflight=True),
        CheckSpec("prod-secrets", "no secret is empty, short or a well-known default",
                  check_prod_secrets, static=True, preflight=True, prod_only=True),
        CheckSpec("next-public-build-args", "NEXT_PUBLIC_* reach the build as build args",
                  check_next_public_runtime, static=True, preflight=True),
        CheckSpec("next-public-localhost", "no NEXT_PUBLIC_* points at localhost in production",
                  check_next_public_localhost, static=True, preflight=True, prod_only=True),
        CheckSpec("dockerfile-sources", "every COPY/ADD source exists in the build context",
                  check_dockerfiles, static=True),
        CheckSpec("psql-vars", "no psql variable inside a dollar-quoted body",
                  check_psql_vars, static=True, preflight=True),
        CheckSpec("stale-images", "each image was built from the working tree",
                  check_stale_images),
        CheckSpec("alembic-heads", "the migration scripts have one head",
                  check_heads, static=True),
        CheckSpec("db-revision", "the database is at the scripts' head",
                  check_db_revision),
        CheckSpec("schema-drift", "every model column has a migration",
                  check_schema_drift),
        CheckSpec("continuum-tables", "each *_version table has its base table",
                  check_version_tables),
        CheckSpec("continuum-mod", "versioned columns have their *_mod column",
                  check_mod_columns),
        CheckSpec("roles", "each role exists, logs in and has exactly its access",
                  check_roles),
        CheckSpec("health", "each health URL answers 2xx without a redirect",
                  check_health),
        CheckSpec("api-base", "the API base URL the frontend was built with does not redirect",
                  check_api_base),
        CheckSpec("expect-env", "each service's environment matches bootstrap.yaml's expectations",
                  check_expect_env_static, static=True, preflight=True),
        CheckSpec("expect-env-running", "each running container has the expected environment",
                  check_expect_env_running),
    )


def run_checks(ctx: Context, checks: Iterable[CheckSpec] | None = None) -> list[Finding]:
    return [f for spec in (all_checks() if checks is None else checks) for f in run_check(spec, ctx)]


def static_problems(ctx: Context) -> list[str]:
    """One line per failing static check, for preflight. No engine, database or network.

    Dockerfile sources are left out on purpose: preflight already runs the Docker
    side's `preflight_problems`.
    """
    findings = run_checks(ctx, [c for c in all_checks() if c.preflight])
    return [f"{f.check_id}: {f.evidence} -> {f.fix}" for f in findings if f.status is Status.FAIL]
