"""database-ready against a real server: waits only for what can get better."""
from __future__ import annotations

import time

import pytest

from bootstrap.engine import Status
from bootstrap.secrets import Secret
from bootstrap.steps.database import DatabaseReady, Roles
from dbkit import DbEnv, free_port

pytestmark = pytest.mark.postgres


def test_missing_database_is_created_then_ok(dbenv: DbEnv) -> None:
    dbenv.database = f"{dbenv.database}_created"
    ctx = dbenv.context(dbenv.config())
    first = dbenv.run([DatabaseReady()], ctx)["database-ready"]
    assert first.status is Status.CHANGED, first
    assert first.detail.startswith(f"created database {dbenv.database};")
    assert isinstance(ctx.facts["superuser_conninfo"], Secret)
    with dbenv.connect() as conn:  # it exists and takes connections
        assert conn.execute("SELECT current_database()").fetchone() == (dbenv.database,)
    again = dbenv.run([DatabaseReady()], dbenv.context(dbenv.config()))["database-ready"]
    assert again.status is Status.OK and f"database {dbenv.database} exists" in again.detail
    assert dbenv.server.password not in first.detail + again.detail


def test_authentication_failure_is_not_retried_and_says_why(dbenv: DbEnv) -> None:
    sleeps: list[float] = []
    config = dbenv.config(superuser_url=dbenv.server.url("postgres", password="wrong-password"),
                          ready_timeout_s=30)
    started = time.monotonic()
    result = dbenv.run([DatabaseReady(sleep=sleeps.append)], dbenv.context(config))["database-ready"]
    assert result.status is Status.FAILED
    assert 'password authentication failed for user "postgres"' in result.detail
    assert sleeps == [] and time.monotonic() - started < 5  # failed at once, never waited
    assert "wrong-password" not in result.detail and "wrong-password" not in (result.hint or "")


def test_missing_maintenance_database_is_permanent(dbenv: DbEnv) -> None:
    sleeps: list[float] = []
    config = dbenv.config(superuser_url=dbenv.server.url("no_such_db"))
    result = dbenv.run([DatabaseReady(sleep=sleeps.append)], dbenv.context(config))["database-ready"]
    assert result.status is Status.FAILED and 'database "no_such_db" does not exist' in result.detail
    assert sleeps == []


def test_connection_refused_is_retried_until_the_deadline(dbenv: DbEnv) -> None:
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        time.sleep(s)

    url = f"postgresql://postgres:pw@127.0.0.1:{free_port()}/postgres"
    started = time.monotonic()
    result = dbenv.run([DatabaseReady(sleep=sleep)], dbenv.context(dbenv.config(superuser_url=url,
                                                                                  ready_timeout_s=1.5)))
    r = result["database-ready"]
    assert r.status is Status.FAILED and r.detail.startswith("not ready after 1.5s")
    assert "Connection refused" in r.detail
    assert len(sleeps) >= 2 and 1.4 < time.monotonic() - started < 6


def test_an_application_role_is_refused_as_superuser(dbenv: DbEnv) -> None:
    rw = dbenv.role("readwrite")
    dbenv.run([DatabaseReady(), Roles()], dbenv.context(dbenv.config(roles=[rw])))
    assert rw.password is not None
    as_app_role = dbenv.server.url(dbenv.database, rw.name, rw.password.reveal())
    config = dbenv.config(roles=[rw], superuser_url=as_app_role)
    result = dbenv.run([DatabaseReady()], dbenv.context(config))["database-ready"]
    assert result.status is Status.FAILED and "not the postgres superuser" in result.detail


def test_plan_shows_no_password(dbenv: DbEnv) -> None:
    lines = DatabaseReady().plan(dbenv.context(dbenv.config()))
    assert any("postgresql://postgres@127.0.0.1" in line for line in lines)
    assert all(dbenv.server.password not in line for line in lines)


class ComposeStandIn:
    """Just the part of bootstrap.compose that database-ready uses; the server behind it is real."""

    def __init__(self, port: int | None, state: dict, password: str) -> None:
        self.port, self._state, self.password = port, state, password
        self.up_calls: list[list[str]] = []

    def up(self, services: list[str]) -> None:
        self.up_calls.append(list(services))

    def published_port(self, service: str, port: int) -> int | None:
        return self.port

    def address(self, service: str) -> str | None:
        return None

    def service_env(self, service: str) -> dict[str, str]:
        return {"POSTGRES_PASSWORD": self.password}

    def state(self, service: str) -> dict:
        return self._state

    def logs_tail(self, service: str, n: int) -> list[str]:
        return ["FATAL:  data directory has invalid permissions"][-n:]


def service_context(dbenv: DbEnv, compose: ComposeStandIn, **config_kw):
    config = dbenv.config(**config_kw)
    assert config.database is not None
    database = config.database.model_copy(update={"service": "db"})
    ctx = dbenv.context(config.model_copy(update={"database": database}))
    ctx._compose = compose  # the compose layer stand-in, in front of the real server
    return ctx


def test_compose_service_is_started_and_reached_on_its_published_port(dbenv: DbEnv) -> None:
    dbenv.database = f"{dbenv.database}_created"
    compose = ComposeStandIn(dbenv.server.port, {"status": "running"}, dbenv.server.password)
    url = f"postgresql://postgres:{dbenv.server.password}@db:5432/postgres"  # the in-network URL
    ctx = service_context(dbenv, compose, superuser_url=url)
    result = dbenv.run([DatabaseReady()], ctx)["database-ready"]
    assert result.status is Status.CHANGED, result
    assert compose.up_calls == [["db"]]
    assert f"postgresql://postgres@127.0.0.1:{dbenv.server.port}/postgres" in result.detail


def test_exited_container_fails_at_once_with_its_logs(dbenv: DbEnv) -> None:
    compose = ComposeStandIn(free_port(), {"status": "exited", "exit_code": 1}, "pw")
    sleeps: list[float] = []
    ctx = service_context(dbenv, compose, ready_timeout_s=30)
    result = dbenv.run([DatabaseReady(sleep=sleeps.append)], ctx)["database-ready"]
    assert result.status is Status.FAILED and result.detail.startswith("the db container is exited (exit code 1")
    assert result.output_tail == ["FATAL:  data directory has invalid permissions"]
    assert sleeps == []
