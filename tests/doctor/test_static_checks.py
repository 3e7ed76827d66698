"""The static checks (no engine, database or network): one fixture project trips each,
the message names the file, line, service or variable; the demo passes each."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.doctor import static_problems
from bootstrap.doctor.finding import Status
from bootstrap.errors import ConfigError

from doctorkit import add_demo_doctor, context, demo_copy, failing, run, statuses, write_env

pytestmark = pytest.mark.unit


# --- 1. configuration and environment --------------------------------------------------------

def test_env_vars_names_the_declaring_line_and_the_compose_reference(fixture_project) -> None:
    ctx = context(fixture_project("env_missing"))
    fails = failing(run(ctx, "env-vars"))
    assert len(fails) == 2
    example, compose = fails
    assert example.evidence.startswith(".env.example:5 declares SECRET_TOKEN;")
    assert "neither .env nor the environment sets it" in example.evidence
    assert example.fix == "add SECRET_TOKEN=... to .env (documented in .env.example)"
    assert compose.evidence.startswith("docker-compose.yml:6 uses without a default MOTD")
    assert "GREETING" not in " ".join(f.evidence for f in fails)


def test_env_vars_only_warns_when_compose_has_a_default(fixture_project) -> None:
    ctx = context(fixture_project("env_missing"))
    [warning] = [f for f in run(ctx, "env-vars") if f.status is Status.WARN]
    assert warning.evidence == (".env.example:7 declares WORKERS; .env does not set it, so compose uses the "
                                "default at docker-compose.yml:7")
    assert warning.fix == "add WORKERS=... to .env (documented in .env.example)"
    assert all("WORKERS" not in p for p in static_problems(ctx))


def test_env_vars_accepts_a_value_from_the_process_environment(fixture_project) -> None:
    ctx = context(fixture_project("env_missing"), environ={"SECRET_TOKEN": "x" * 20, "MOTD": "hi", "WORKERS": "4"})
    [finding] = run(ctx, "env-vars")
    assert finding.status is Status.PASS
    assert "3 from the process environment" in finding.evidence


def test_prod_secrets_names_each_weak_secret_and_never_its_value(fixture_project) -> None:
    ctx = context(fixture_project("prod_secrets"), prod=True)
    findings = run(ctx, "prod-secrets")
    by_var = {f.evidence.split(" ")[0]: f for f in failing(findings)}
    assert set(by_var) == {"ADMIN_PASSWORD", "API_SECRET", "JWT_SECRET", "the"}
    assert "well-known default" in by_var["ADMIN_PASSWORD"].evidence  # the seeds' admin/admin123
    assert "too short (5 characters" in by_var["API_SECRET"].evidence
    assert "still the placeholder from .env.example" in by_var["JWT_SECRET"].evidence
    assert by_var["the"].evidence.startswith("the password in REDIS_URL is a well-known default")
    text = " ".join(f.line() for f in findings)
    for value in ("admin123", "change-me-jwt-signing-secret", "Zq8vK2pW7xN4rT9mB3cL"):
        assert value not in text
    assert "DB_PASSWORD" not in text


def test_prod_secrets_only_runs_with_prod(fixture_project) -> None:
    assert statuses(run(context(fixture_project("prod_secrets")), "prod-secrets")) == [Status.SKIP]


# --- 2. NEXT_PUBLIC_* --------------------------------------------------------------------------

def test_next_public_at_run_time_fails_with_the_compose_snippet(fixture_project) -> None:
    ctx = context(fixture_project("next_public"))
    fails = failing(run(ctx, "next-public-build-args"))
    runtime = next(f for f in fails if "environment:" in f.evidence)
    assert runtime.evidence.startswith("docker-compose.yml:8: service frontend sets NEXT_PUBLIC_API_URL in "
                                       "`environment:` (run time)")
    assert 'services: {frontend: {build: {args: {NEXT_PUBLIC_API_URL: "${NEXT_PUBLIC_API_URL}"}}}}' in runtime.fix
    assert "ARG NEXT_PUBLIC_API_URL" in runtime.fix and "frontend/Dockerfile" in runtime.fix
    undeclared = next(f for f in fails if "build arg" in f.evidence)
    assert undeclared.evidence.startswith("docker-compose.yml:6: service frontend passes build arg "
                                          "NEXT_PUBLIC_SITE_NAME but frontend/Dockerfile has no "
                                          "`ARG NEXT_PUBLIC_SITE_NAME`")
    assert len(fails) == 2


def test_next_public_build_arg_without_a_value_warns(fixture_project) -> None:
    ctx = context(fixture_project("next_public"))
    warns = [f for f in run(ctx, "next-public-build-args") if f.status is Status.WARN]
    # ARG NEXT_PUBLIC_AUTH_URL (line 3) has no default and only the prod overlay passes it;
    # NEXT_PUBLIC_BETTER_AUTH_URL (line 4) has a default: --prod checks where it points.
    assert [w.evidence.split(": ")[0] for w in warns] == ["frontend/Dockerfile:3"]
    assert "declares ARG NEXT_PUBLIC_AUTH_URL but compose passes no value" in warns[0].evidence


def test_next_public_localhost_in_prod_names_service_variable_and_source(fixture_project) -> None:
    ctx = context(fixture_project("next_public"), prod=True)
    fails = failing(run(ctx, "next-public-localhost"))
    evidence = sorted(f.evidence for f in fails)
    assert len(fails) == 2
    assert evidence[0].startswith("docker-compose.prod.yml:5: service frontend: "
                                  "NEXT_PUBLIC_AUTH_URL=http://127.0.0.1:3000 points at")
    assert evidence[1].startswith("frontend/Dockerfile:4 (ARG default): service frontend: "
                                  "NEXT_PUBLIC_BETTER_AUTH_URL=http://localhost:3000")
    assert "NEXT_PUBLIC_API_URL" not in " ".join(evidence)  # https://api.example.com is fine


# --- 3. Dockerfile sources ---------------------------------------------------------------------

def test_dockerfile_sources_names_the_missing_public_dir_and_file(fixture_project) -> None:
    ctx = context(fixture_project("dockerfile_public"))
    fails = failing(run(ctx, "dockerfile-sources"))
    evidence = [f.evidence for f in fails]
    assert any(e.startswith("service frontend: frontend/Dockerfile:10: COPY --from=builder /app/public ./public: "
                            "stage 'builder' never creates /app/public") for e in evidence), evidence
    assert any(e.startswith("service frontend: frontend/Dockerfile:11: COPY next.config.js ./:") for e in evidence)
    assert any("public/.gitkeep" in f.fix for f in fails)


# --- 4. psql variables in dollar quotes ------------------------------------------------------

def test_psql_vars_in_do_block_name_file_line_and_fix(fixture_project) -> None:
    ctx = context(fixture_project("psql_vars"))
    fails = failing(run(ctx, "psql-vars"))
    assert [f.evidence.split(": ")[0] for f in fails] == ["sql/grant-two-users.sql:5", "sql/grant-two-users.sql:7"]
    assert ":'admin_pass' inside the DO block opened on line 2" in fails[0].evidence
    assert fails[0].fix == ("before the block: SELECT set_config('var.admin_pass', :'admin_pass', false); "
                            "inside it: current_setting('var.admin_pass') instead of :'admin_pass'")
    assert "grant-fixed.sql" not in " ".join(f.evidence for f in fails)


def test_bootstraps_own_sql_passes_the_psql_vars_rule() -> None:
    from bootstrap.db import SQL_DIR
    from bootstrap.doctor.psqlvars import scan_sql

    files = sorted(SQL_DIR.glob("*.sql"))
    assert files
    assert [u for f in files for u in scan_sql(f)] == []


# --- 6. alembic heads (the static part of migrations) ------------------------------------------

def test_alembic_heads_lists_each_head_with_its_file(fixture_project) -> None:
    ctx = context(fixture_project("alembic_heads"))
    [finding] = run(ctx, "alembic-heads")
    assert finding.status is Status.FAIL
    assert finding.evidence.startswith("the migration scripts of alembic.ini have 2 heads: ")
    assert "0002a (migrations/versions/0002_add_score.py)" in finding.evidence
    assert "0002b (migrations/versions/0002_add_notes.py)" in finding.evidence
    assert "alembic merge" in finding.fix


# --- 10. environment expectations per mode -----------------------------------------------------

def test_expect_env_local_names_service_variable_and_line(fixture_project) -> None:
    ctx = context(fixture_project("expect_env"))
    fails = failing(run(ctx, "expect-env"))
    assert [f.evidence for f in fails] == [
        "service api: DEBUG_TOOLBAR is '1' (docker-compose.yml:10); bootstrap.yaml expects unset for local runs",
        "service api: RATE_LIMIT_ENABLED is 'true' (docker-compose.yml:2); bootstrap.yaml expects 'false' "
        "for local runs",
    ]
    assert fails[1].fix == 'set RATE_LIMIT_ENABLED: "false" under services.api.environment in docker-compose.yml'


def test_expect_env_prod_holds_with_the_overlay(fixture_project) -> None:
    ctx = context(fixture_project("expect_env"), prod=True)
    assert statuses(run(ctx, "expect-env")) == [Status.PASS]


def test_expect_env_compares_booleans_as_booleans() -> None:
    from bootstrap.doctor.expect_env import matches

    assert matches("False", "false") and matches("0", "false") and matches("yes", "true")
    assert not matches("true", "false") and not matches(None, "false") and matches(None, None)
    assert not matches("120", "60")


# --- preflight: the static subset stops a run before anything changes --------------------------

def test_static_problems_lists_each_failing_static_check(fixture_project) -> None:
    ctx = context(fixture_project("psql_vars"))
    problems = static_problems(ctx)
    assert problems == [p for p in problems if p.startswith("psql-vars: sql/grant-two-users.sql:")]
    assert len(problems) == 2
    assert all("\n" not in p for p in problems)


def test_preflight_step_fails_on_a_static_doctor_problem(fixture_project) -> None:
    from bootstrap.errors import EXIT_INVALID
    from bootstrap.steps.preflight import Preflight, PreflightFailed

    ctx = context(fixture_project("expect_env"))
    with pytest.raises(PreflightFailed) as caught:
        Preflight().check(ctx)
    assert caught.value.exit_code == EXIT_INVALID
    assert any(line.startswith("expect-env: service api: RATE_LIMIT_ENABLED is 'true'")
               for line in caught.value.output_tail)


def test_static_problems_leave_dockerfile_sources_to_the_docker_side(fixture_project) -> None:
    ctx = context(fixture_project("dockerfile_public"))
    assert static_problems(ctx) == []


# --- the demo passes every static check ------------------------------------------------------

STATIC = ["env-vars", "next-public-build-args", "dockerfile-sources", "psql-vars", "alembic-heads", "expect-env"]


@pytest.mark.parametrize("check_id", STATIC)
def test_demo_passes(tmp_path: Path, check_id: str) -> None:
    root = demo_copy(tmp_path, "demostatic")
    add_demo_doctor(root)
    ctx = context(root)
    assert statuses(run(ctx, check_id)) == [Status.PASS], run(ctx, check_id)


@pytest.mark.parametrize("check_id", [*STATIC, "prod-secrets", "next-public-localhost"])
def test_demo_passes_in_prod(tmp_path: Path, check_id: str) -> None:
    root = demo_copy(tmp_path, "demoprod")
    add_demo_doctor(root)
    ctx = context(root, prod=True)
    assert statuses(run(ctx, check_id)) == [Status.PASS], run(ctx, check_id)


def test_demo_without_the_optional_fault_injection_variables_still_starts(tmp_path: Path) -> None:
    root = demo_copy(tmp_path, "demooptional")
    env = root / ".env"
    env.write_text("".join(ln for ln in env.read_text().splitlines(keepends=True)
                           if not ln.startswith(("API_START_DELAY_S=", "API_CRASH_ON_START="))))
    ctx = context(root)
    assert statuses(run(ctx, "env-vars")) == [Status.WARN, Status.WARN]
    assert static_problems(ctx) == []


def test_demo_static_problems_are_none(tmp_path: Path) -> None:
    root = demo_copy(tmp_path, "demopre")
    add_demo_doctor(root)
    assert static_problems(context(root)) == []
    assert static_problems(context(root, prod=True)) == []


def test_demo_in_prod_with_a_localhost_api_url_fails(tmp_path: Path) -> None:
    root = demo_copy(tmp_path, "demolocal", public_url="http://localhost:18000")
    fails = failing(run(context(root, prod=True), "next-public-localhost"))
    assert len(fails) == 1
    assert fails[0].evidence.startswith("docker-compose.prod.yml:25: service frontend: "
                                        "NEXT_PUBLIC_API_URL=http://localhost:18000 points at")


def test_demo_with_weak_role_password_is_unusable_in_prod(tmp_path: Path) -> None:
    """The config loader already refuses it: doctor reports exit 2, not a check failure."""
    root = demo_copy(tmp_path, "demoweak")
    write_env(root, APP_RW_PASSWORD="admin123")
    with pytest.raises(ConfigError, match="APP_RW_PASSWORD is a well-known default"):
        context(root, prod=True)
