"""The checks that read the database (6, 7, 8), against a real PostgreSQL 15.

Configs are built from the models directly (tests/db/dbkit.py's DbEnv: an external
server, `database.service: null`); doctor opens read-only sessions only.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bootstrap.config import Config
from bootstrap.context import Context
from bootstrap.doctor.finding import Status
from bootstrap.doctor.model import ContinuumConfig, DoctorConfig
from bootstrap.doctor.task import ReadOnlyRunner
from bootstrap.engine import Engine, Status as StepStatus

from doctorkit import FIXTURES, failing, run, statuses, with_doctor

pytestmark = pytest.mark.postgres

ALEMBIC_DEMO = Path(__file__).resolve().parents[1] / "db" / "fixtures" / "alembic_demo" / "alembic.ini"
DRIFT = FIXTURES / "drift" / "alembic.ini"


def doctor_ctx(dbenv: Any, config: Config, app_env: dict[str, str] | None = None) -> Context:
    from dbkit import HostServiceRunner

    runner = ReadOnlyRunner(dbenv.root / ".bootstrap" / "logs", dict(os.environ), config.secrets())
    return Context(config=config, runner=runner,
                   service_runner_override=HostServiceRunner(runner, dbenv.root, app_env or {}))


def set_revision(dbenv: Any, *revisions: str) -> None:
    with dbenv.connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("DELETE FROM alembic_version")
        for rev in revisions:
            conn.execute("INSERT INTO alembic_version VALUES (%s)", (rev,))


# --- 6. migrations -------------------------------------------------------------------------------

def test_db_revision_never_migrated_unknown_behind_and_at_head(dbenv: Any) -> None:
    ctx = doctor_ctx(dbenv, dbenv.config(migrate=dbenv.migrate_config(ini=ALEMBIC_DEMO)))
    [never] = run(ctx, "db-revision")
    assert never.status is Status.FAIL and "was never migrated" in never.evidence

    set_revision(dbenv, "ffffffff")
    [unknown] = run(doctor_ctx(dbenv, ctx.config), "db-revision")
    assert unknown.status is Status.FAIL
    assert unknown.evidence.startswith("the database is at revision ffffffff, which the scripts of")
    assert str(ALEMBIC_DEMO) in unknown.evidence

    set_revision(dbenv, "0001")
    [behind] = run(doctor_ctx(dbenv, ctx.config), "db-revision")
    assert behind.status is Status.FAIL
    assert behind.evidence == "the database is at 0001, behind the head 0002: 1 migration(s) pending (0002)"
    assert behind.fix == "invoke migrate"

    set_revision(dbenv, "0002")
    [head] = run(doctor_ctx(dbenv, ctx.config), "db-revision")
    assert (head.status, head.evidence) == (Status.PASS, "the database is at the head, 0002")


def drift_config(dbenv: Any) -> Config:
    migrate = dbenv.migrate_config(ini=DRIFT).model_copy(update={
        "drift_command": (sys.executable, "-m", "alembic", "-c", str(DRIFT), "check")})
    return dbenv.config(migrate=migrate)


def migrate_drift_fixture(dbenv: Any) -> dict[str, str]:
    env = {"DATABASE_URL": dbenv.server.url(dbenv.database).replace("postgresql://", "postgresql+psycopg://")}
    subprocess.run([sys.executable, "-m", "alembic", "-c", str(DRIFT), "upgrade", "head"], check=True,
                   env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    return env


def test_schema_drift_names_model_columns_without_a_migration(dbenv: Any) -> None:
    env = migrate_drift_fixture(dbenv)
    ctx = doctor_ctx(dbenv, drift_config(dbenv), env)
    [finding] = run(ctx, "schema-drift")
    assert finding.status is Status.FAIL, finding
    assert "the models differ from the migrations: add_column assignments.explain_json, " \
           "add_column assignments.confidence" in finding.evidence
    assert "alembic revision --autogenerate" in finding.fix


def test_schema_drift_passes_when_models_match(dbenv: Any) -> None:
    env = migrate_drift_fixture(dbenv)
    ctx = doctor_ctx(dbenv, drift_config(dbenv), {**env, "DOCTOR_MODELS": "migrated"})
    [finding] = run(ctx, "schema-drift")
    assert finding.status is Status.PASS, finding
    assert "No new upgrade operations detected" in finding.evidence


def test_database_checks_skip_when_the_server_is_down(dbenv: Any) -> None:
    from doctorkit import free_port

    url = f"postgresql://postgres:pw@127.0.0.1:{free_port()}/postgres"
    ctx = doctor_ctx(dbenv, dbenv.config(migrate=dbenv.migrate_config(ini=ALEMBIC_DEMO), superuser_url=url,
                                         roles=[dbenv.role("readonly")]))
    for check in ("db-revision", "continuum-tables", "roles"):
        [finding] = run(ctx, check)
        assert finding.status is Status.SKIP, (check, finding)
        assert finding.evidence.startswith("database not reachable: ")
        assert "pw@" not in finding.evidence


# --- 7. SQLAlchemy-Continuum -----------------------------------------------------------------------

CONTINUUM_SCHEMA = """
CREATE TABLE schedule_runs (id int PRIMARY KEY, start_date date, status text);
CREATE TABLE schedule_run_version (id int, transaction_id bigint, end_transaction_id bigint,
  operation_type smallint, start_date date, status text, PRIMARY KEY (id, transaction_id));
CREATE TABLE assignments (id int PRIMARY KEY, person text, score float);
CREATE TABLE assignments_version (id int, transaction_id bigint, end_transaction_id bigint,
  operation_type smallint, person text, score float, person_mod boolean NOT NULL DEFAULT false,
  PRIMARY KEY (id, transaction_id));
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
"""


def continuum_ctx(dbenv: Any, tracker: bool) -> Context:
    doctor = DoctorConfig(continuum=ContinuumConfig(property_mod_tracker=tracker))
    return doctor_ctx(dbenv, with_doctor(dbenv.config(), doctor))


def test_continuum_version_table_beside_a_near_name(dbenv: Any) -> None:
    with dbenv.connect() as conn:
        conn.execute(CONTINUUM_SCHEMA)
    fails = failing(run(continuum_ctx(dbenv, False), "continuum-tables"))
    assert len(fails) == 1
    assert fails[0].evidence.startswith("schedule_run_version has no base table schedule_run, while "
                                        "schedule_runs exists: Continuum looks for schedule_runs_version")
    assert fails[0].fix == "rename it in a migration: ALTER TABLE schedule_run_version RENAME TO schedule_runs_version;"


def test_continuum_mod_columns_when_the_plugin_is_declared(dbenv: Any) -> None:
    with dbenv.connect() as conn:
        conn.execute(CONTINUUM_SCHEMA)
    fails = failing(run(continuum_ctx(dbenv, True), "continuum-mod"))
    assert len(fails) == 1
    assert fails[0].evidence.startswith("assignments_version: no _mod column for score ")
    assert "ADD COLUMN score_mod boolean NOT NULL DEFAULT false" in fails[0].fix
    assert statuses(run(continuum_ctx(dbenv, False), "continuum-mod")) == [Status.SKIP]


def test_continuum_passes_once_fixed(dbenv: Any) -> None:
    with dbenv.connect() as conn:
        conn.execute(CONTINUUM_SCHEMA)
        conn.execute("ALTER TABLE schedule_run_version RENAME TO schedule_runs_version")
        conn.execute("ALTER TABLE assignments_version ADD COLUMN score_mod boolean NOT NULL DEFAULT false")
        conn.execute("ALTER TABLE schedule_runs_version ADD COLUMN start_date_mod boolean, "
                     "ADD COLUMN status_mod boolean")
    ctx = continuum_ctx(dbenv, True)
    assert statuses(run(ctx, "continuum-tables")) == [Status.PASS]
    assert statuses(run(ctx, "continuum-mod")) == [Status.PASS]


# --- 8. roles ----------------------------------------------------------------------------------------

def converge_roles(dbenv: Any, config: Config) -> None:
    from bootstrap.steps.database import Roles

    results = Engine(dbenv.context(config)).run([Roles()])
    assert results[0].status is not StepStatus.FAILED, results[0]


def test_roles_pass_after_the_roles_step_then_name_each_drift(dbenv: Any) -> None:
    owner, rw, ro = dbenv.role("owner"), dbenv.role("readwrite"), dbenv.role("readonly")
    config = dbenv.config(roles=[owner, rw, ro])
    with dbenv.connect() as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
    converge_roles(dbenv, config)
    findings = run(doctor_ctx(dbenv, config), "roles")
    assert statuses(findings) == [Status.PASS] * 3, findings
    assert findings[1].evidence == f"{rw.name} (readwrite): exists, logs in, has exactly readwrite access"

    with dbenv.connect() as conn:
        conn.execute(f"ALTER ROLE {rw.name} PASSWORD 'not-the-configured-one'")
        conn.execute(f"GRANT INSERT ON items TO {ro.name}")
    findings = run(doctor_ctx(dbenv, config), "roles")
    assert statuses(findings) == [Status.PASS, Status.FAIL, Status.FAIL]
    assert f"its stored password is not the value of {rw.password_env}" in findings[1].evidence
    assert f"logging in with {rw.password_env} fails: " in findings[1].evidence
    assert "password authentication failed" in findings[1].evidence
    assert findings[2].evidence == f"{ro.name} (readonly): more than readonly: INSERT on table items"
    assert findings[1].fix.startswith("invoke roles")


def test_roles_missing_role_and_missing_grant(dbenv: Any) -> None:
    owner, rw, ro = dbenv.role("owner"), dbenv.role("readwrite"), dbenv.role("readonly")
    config = dbenv.config(roles=[owner, rw])
    with dbenv.connect() as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
    converge_roles(dbenv, config)
    with dbenv.connect() as conn:
        conn.execute(f"REVOKE SELECT ON items FROM {rw.name}")
    findings = run(doctor_ctx(dbenv, dbenv.config(roles=[owner, rw, ro])), "roles")
    assert statuses(findings) == [Status.PASS, Status.FAIL, Status.FAIL]
    assert findings[1].evidence == f"{rw.name} (readwrite): missing SELECT on table items"
    assert findings[2].evidence == f"role {ro.name} does not exist in {dbenv.database}"
    text = " ".join(f.line() for f in findings)
    for role in (owner, rw, ro):
        assert role.password.reveal() not in text
