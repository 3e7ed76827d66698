"""migrate against a real server with a real Alembic project (tests/db/fixtures/alembic_demo)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bootstrap.engine import Status
from bootstrap.db.locks import AdvisoryLock
from bootstrap.steps.database import DatabaseReady, Roles
from bootstrap.steps.migrate import Migrate
from dbkit import FIXTURES, DbEnv

pytestmark = pytest.mark.postgres


@pytest.fixture
def roles(dbenv: DbEnv) -> list:
    return [dbenv.role("owner"), dbenv.role("readwrite"), dbenv.role("readonly")]


def prepare(dbenv: DbEnv, roles: list) -> None:
    result = dbenv.run([DatabaseReady(), Roles()], dbenv.context(dbenv.config(roles=roles)))
    assert all(r.status is not Status.FAILED for r in result.values())


def log_rows(dbenv: DbEnv) -> list[str]:
    with dbenv.connect() as conn:
        return [r[0] for r in conn.execute("SELECT revision FROM migration_log ORDER BY revision")]


def test_migrates_from_base_then_ok(dbenv: DbEnv, roles: list) -> None:
    prepare(dbenv, roles)
    config = dbenv.config(roles=roles, migrate=dbenv.migrate_config())
    first = dbenv.run([Migrate()], dbenv.context(config))["migrate"]
    assert (first.status, first.detail) == (Status.CHANGED, "base -> 0002: applied 0001, 0002")
    second = dbenv.run([Migrate()], dbenv.context(config))["migrate"]
    assert (second.status, second.detail) == (Status.OK, "at head 0002")
    assert log_rows(dbenv) == ["0001", "0002"]
    rw = roles[1]
    with dbenv.connect_role(rw) as conn:  # tables made by the owner through Alembic: default privileges
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
    assert dbenv.run([Roles()], dbenv.context(config))["roles"].status is Status.OK


def test_two_processes_migrate_once(dbenv: DbEnv, roles: list) -> None:
    prepare(dbenv, roles)
    spec = {"base": str(dbenv.server.base), "port": dbenv.server.port, "password": dbenv.server.password,
            "database": dbenv.database, "suffix": dbenv.suffix, "root": str(dbenv.root),
            "roles": [[r.access, r.password.reveal()] for r in roles]}
    env = {**os.environ, "BOOTSTRAP_TEST_SPEC": json.dumps(spec)}
    script = FIXTURES / "migrate_once.py"
    procs = [subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert sorted(r["status"] for r in results) == ["changed", "ok"], results
    assert {r["detail"] for r in results} == {"base -> 0002: applied 0001, 0002", "at head 0002"}
    assert log_rows(dbenv) == ["0001", "0002"]  # each revision applied exactly once


def test_unknown_database_revision_fails_before_running(dbenv: DbEnv, roles: list) -> None:
    prepare(dbenv, roles)
    with dbenv.connect() as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('9f3e_from_the_future')")
    ctx = dbenv.context(dbenv.config(roles=roles, migrate=dbenv.migrate_config()))
    result = dbenv.run([Migrate()], ctx)["migrate"]
    assert result.status is Status.FAILED
    assert "9f3e_from_the_future" in result.detail and "do not know" in result.detail
    assert ctx.service_runner.calls == []  # nothing ran


def test_multiple_heads_fail_naming_the_files(dbenv: DbEnv, roles: list, tmp_path: Path) -> None:
    project = tmp_path / "branched"
    versions = project / "migrations" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (project / "migrations" / "env.py").write_text("")
    for rev in ("aaa1", "bbb2"):
        (versions / f"{rev}_head.py").write_text(f"revision = {rev!r}\ndown_revision = None\n"
                                                 "def upgrade():\n    pass\n")
    prepare(dbenv, roles)
    ctx = dbenv.context(dbenv.config(roles=roles, migrate=dbenv.migrate_config(ini=project / "alembic.ini")))
    result = dbenv.run([Migrate()], ctx)["migrate"]
    assert result.status is Status.FAILED and "2 heads" in result.detail
    assert str(versions / "aaa1_head.py") in result.detail and str(versions / "bbb2_head.py") in result.detail
    assert "merge" in (result.hint or "") and ctx.service_runner.calls == []


def test_failing_revision_is_named_with_its_file(dbenv: DbEnv, roles: list) -> None:
    prepare(dbenv, roles)
    config = dbenv.config(roles=roles, migrate=dbenv.migrate_config())
    ctx = dbenv.context(config, app_env={"DEMO_FAIL_0002": "1"})
    result = dbenv.run([Migrate()], ctx)["migrate"]
    assert result.status is Status.FAILED
    assert result.detail.startswith("migration failed at revision 0002 (")
    assert str(FIXTURES / "alembic_demo" / "migrations" / "versions" / "0002_notes.py") in result.detail
    assert any("DEMO_FAIL_0002" in line for line in result.output_tail) and result.log_path
    assert roles[0].password.reveal() not in "\n".join(result.output_tail)
    # fixed: the next run migrates
    assert dbenv.run([Migrate()], dbenv.context(config))["migrate"].status is Status.CHANGED


def test_lock_wait_is_bounded(dbenv: DbEnv, roles: list) -> None:
    prepare(dbenv, roles)
    config = dbenv.config(roles=roles, migrate=dbenv.migrate_config(lock_timeout_s=1))
    ctx = dbenv.context(config)
    held = AdvisoryLock(ctx.facts.get("superuser_conninfo") or config.database.superuser_url, dbenv.database,
                        f"bootstrap:migrate:demo:{dbenv.database}", timeout_s=1)
    with held:
        result = dbenv.run([Migrate()], ctx)["migrate"]
    assert result.status is Status.FAILED
    assert "migrate.lock_timeout_s=1s" in result.detail and "bootstrap-lock" in result.detail
    assert ctx.service_runner.calls == []
