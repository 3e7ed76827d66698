"""database-ready, backup, reset-schema, roles: the PostgreSQL steps that run as the superuser.

Facts (ctx.facts) these steps share:
- "superuser_conninfo" (Secret): the conninfo database-ready connected with; later
  steps reuse it, or resolve it the same way when it is absent.
- "backup_path" (Path | None): set by backup whenever it succeeded, None when no dump
  was needed (--no-backup, empty schema). reset-schema refuses to run without it.
- "schema_reset" (bool): set by reset-schema.

Nothing here imports psycopg at module level: `bootstrap.db` imports it on first use.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..db import backup as dumps
from ..db import sql_path
from ..db.connect import (FACT_CONNINFO, connect, container_failure, describe, maintenance_database,
                          sql_errors, superuser_conninfo, wait_until_ready)
from ..engine import BaseStep, Check
from ..errors import CommandFailed, ConfigError, StepError
from ..runner import Command

if TYPE_CHECKING:
    from ..config import DatabaseConfig, RoleConfig
    from ..context import Context

FACT_BACKUP = "backup_path"
FACT_RESET = "schema_reset"
LOG_LINES = 30


def database_config(ctx: Context) -> DatabaseConfig:
    if ctx.config.database is None:
        raise ConfigError("no database section in the configuration")
    return ctx.config.database


def _shown(ctx: Context, dbname: str | None = None) -> str:
    """The superuser URL as a plan may show it (never the password), optionally for another database."""
    from ..db.connect import with_database

    db = database_config(ctx)
    if db.superuser_url is None:
        return f"service {db.service} (POSTGRES_USER / POSTGRES_PASSWORD)" if db.service else "(unset)"
    try:
        return describe(with_database(db.superuser_url, dbname) if dbname else db.superuser_url)
    except Exception:
        return f"(the URL in {db.superuser_url_env})"


class DatabaseReady(BaseStep):
    """The server answers the superuser, and the configured database exists."""

    name = "database-ready"

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    def check(self, ctx: Context) -> Check:
        from ..db.server import database_exists, identify, version_text

        db = database_config(ctx)
        try:
            conninfo = superuser_conninfo(ctx)
            with connect(conninfo, dbname=maintenance_database(conninfo, db.name), connect_timeout=3,
                         service=db.service) as conn:
                _, version = identify(conn, {r.name for r in db.roles})
                if not database_exists(conn, db.name):
                    return Check(False, f"database {db.name} does not exist")
        except Exception as exc:  # a check answers, never raises: apply waits and reports properly
            return Check(False, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
        ctx.facts[FACT_CONNINFO] = conninfo
        return Check(True, f"PostgreSQL {version_text(version)} at {describe(conninfo)}; "
                           f"database {db.name} exists")

    def apply(self, ctx: Context) -> str:
        from ..db.server import create_database, identify, version_text

        db = database_config(ctx)
        if db.service:
            ctx.info(f"starting service {db.service}")
            ctx.compose.up([db.service])
        ctx.facts.pop(FACT_CONNINFO, None)

        def attempt() -> tuple[Any, Any]:
            if db.service and (why := container_failure(db.service, ctx.compose.state(db.service) or {})):
                raise StepError(why, f"its last log lines are below; fix the cause and rerun "
                                f"(docker compose logs {db.service})",
                                output_tail=ctx.compose.logs_tail(db.service, LOG_LINES))
            conninfo = superuser_conninfo(ctx)
            return conninfo, connect(conninfo, dbname=maintenance_database(conninfo, db.name),
                                     connect_timeout=5, service=db.service)

        def waiting(n: int, exc: BaseException) -> None:
            ctx.info(f"waiting for PostgreSQL (attempt {n}): {getattr(exc, 'message', exc)}")

        conninfo, conn = wait_until_ready(attempt, deadline_s=db.ready_timeout_s, sleep=self.sleep,
                                          on_retry=waiting)
        with conn:
            _, version = identify(conn, {r.name for r in db.roles})
            created = create_database(conn, db.name)
        ctx.facts[FACT_CONNINFO] = conninfo
        what = f"created database {db.name}" if created else f"database {db.name} exists"
        return f"{what}; PostgreSQL {version_text(version)} at {describe(conninfo)}"

    def plan(self, ctx: Context) -> list[str]:
        db = database_config(ctx)
        out = [f"docker compose up {db.service}"] if db.service else []
        return out + [
            f"connect as the superuser: {_shown(ctx)} (wait up to {db.ready_timeout_s:g}s)",
            f"{sql_path('server_identity.sql')}, {sql_path('database_exists.sql')}; "
            f"{sql_path('create_database.sql')} if database {db.name} is missing",
        ]


class Backup(BaseStep):
    """Dump the database before a reset, when its schema holds any row.

    --no-backup reports ok with "skipped: --no-backup" (the engine has no skip hook;
    ok means "nothing to do", which is what the operator asked for).
    """

    name = "backup"
    verify_by_check = False  # after a dump the rows are still there: verify the file instead

    def __init__(self, *, pg_dump: str | None = None) -> None:
        self.pg_dump = pg_dump  # host pg_dump to use; default: the one on PATH

    def check(self, ctx: Context) -> Check:
        db = database_config(ctx)
        if ctx.options.no_backup:
            ctx.facts[FACT_BACKUP] = None
            return Check(True, "skipped: --no-backup")
        from ..db.schema import tables_with_rows

        conninfo = superuser_conninfo(ctx)
        with connect(conninfo, dbname=db.name) as conn, sql_errors("looking for rows to back up"):
            tables = tables_with_rows(conn, db.schema_name)
        if not tables:
            ctx.facts[FACT_BACKUP] = None
            return Check(True, f"nothing to back up: no table in schema {db.schema_name} holds rows")
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        return Check(False, f"{len(tables)} table(s) hold rows ({shown})")

    def apply(self, ctx: Context) -> str:
        db = database_config(ctx)
        conninfo = superuser_conninfo(ctx)
        with connect(conninfo, dbname=db.name) as conn:
            server_major = conn.info.server_version // 10000
        backups_dir = ctx.state_dir / "backups"
        backups_dir.mkdir(parents=True, exist_ok=True)
        path = dumps.dump_path(backups_dir, ctx.config.project)
        host_pg_dump = self._host_pg_dump(ctx, server_major)
        base: tuple[str, ...] | None = None
        if host_pg_dump:
            commands = [dumps.host_dump(host_pg_dump, conninfo, db.name, path)]
        elif db.service:
            compose = ctx.compose
            container = compose.container(db.service)
            if container is None:
                raise StepError(f"no {db.service} container to run pg_dump in, and no pg_dump "
                                f"{server_major} or newer on this host",
                                f"install postgresql-client-{server_major}, or rerun with --no-backup")
            base = compose.base
            commands = [compose.command(c.argv, timeout_s=c.timeout_s, log_name=c.log_name, env=c.env,
                                        cleanup=c.cleanup)
                        for c in dumps.container_dump(base, db.service, conninfo, db.name, path,
                                                      container=container.id, docker=compose.cli.docker)]
        else:
            raise StepError(f"no pg_dump {server_major} or newer on PATH to back up the external server",
                            f"install postgresql-client-{server_major}, or rerun with --no-backup")
        try:
            for cmd in commands:
                ctx.runner.run(cmd)
        except CommandFailed as exc:
            dumps.partial(path).unlink(missing_ok=True)
            raise StepError(f"backup failed, so nothing was reset: {exc.message}",
                            "fix the cause and rerun, or rerun with --no-backup to reset without a backup",
                            output_tail=exc.output_tail, log_path=exc.log_path) from None
        dumps.partial(path).rename(path)
        removed = [p for p in dumps.to_prune(backups_dir, ctx.config.project, db.backup_keep) if p != path]
        for old in removed:
            old.unlink(missing_ok=True)
        ctx.facts[FACT_BACKUP] = path
        restore = dumps.restore_command(path, conninfo, db.name, base=base, service=db.service)
        kept = f"; removed {len(removed)} older dump(s)" if removed else ""
        return (f"{path} ({path.stat().st_size} bytes){kept}; restore with (password in PGPASSWORD): "
                f"{restore}")

    def verify(self, ctx: Context) -> None:
        path = ctx.facts.get(FACT_BACKUP)
        if path is None or not dumps.is_dump(path):
            raise StepError(f"backup did not produce a dump file ({path})")

    def _host_pg_dump(self, ctx: Context, server_major: int) -> str | None:
        """The host's pg_dump when it is at least the server's major version."""
        found = self.pg_dump or shutil.which("pg_dump")
        if not found:
            return None
        result = ctx.runner.run(Command((found, "--version"), timeout_s=30), check=False)
        major = dumps.pg_dump_major(result.output)
        return found if result.returncode == 0 and major is not None and major >= server_major else None

    def plan(self, ctx: Context) -> list[str]:
        db = database_config(ctx)
        if ctx.options.no_backup:
            return ["skipped: --no-backup"]
        return [
            f"{sql_path('schema_tables.sql')}, {sql_path('table_has_rows.sql')}: "
            f"any row in schema {db.schema_name}?",
            f"pg_dump --format=custom --file {ctx.state_dir / 'backups'}/{ctx.config.project}-<UTC>.dump "
            f"--dbname {_shown(ctx, db.name)} (PGPASSWORD in the environment; in the {db.service or 'database'} "
            "container when the host has no compatible pg_dump)",
            f"keep the newest {db.backup_keep} dumps",
        ]


class ResetSchema(BaseStep):
    """DROP SCHEMA ... CASCADE and CREATE it again, as the superuser, after a backup."""

    name = "reset-schema"
    verify_by_check = False  # the check always says "not reset yet"

    def check(self, ctx: Context) -> Check:
        db = database_config(ctx)
        if not ctx.options.destructive:
            return Check(True, "skipped: not a destructive run")
        return Check(False, f"schema {db.schema_name} of {db.name} is to be dropped and recreated")

    def apply(self, ctx: Context) -> str:
        from ..db.privileges import owner_of
        from ..db.schema import reset, role_exists

        db = database_config(ctx)
        if FACT_BACKUP not in ctx.facts:
            raise StepError("refusing to reset the schema: no backup step ran before it in this run",
                            "reset through first-time/ci, which back up first, or pass --no-backup")
        owner = owner_of(db.roles)
        with connect(superuser_conninfo(ctx), dbname=db.name) as conn:
            schema_owner = owner.name if owner and role_exists(conn, owner.name) else conn.info.user
            ended = reset(conn, database=db.name, schema=db.schema_name, owner=schema_owner,
                          lock_timeout_s=db.lock_timeout_s)
        ctx.facts[FACT_RESET] = True
        sessions = f"; ended {ended} other session(s)" if ended else ""
        return f"schema {db.schema_name} dropped and recreated, owned by {schema_owner}{sessions}"

    def verify(self, ctx: Context) -> None:
        from ..db.schema import state

        db = database_config(ctx)
        with connect(superuser_conninfo(ctx), dbname=db.name) as conn:
            st = state(conn, db.schema_name)
        if not st.exists or st.relations or st.public_create:
            raise StepError(f"schema {db.schema_name} is not empty and private after the reset ({st})")

    def plan(self, ctx: Context) -> list[str]:
        db = database_config(ctx)
        return [f"{sql_path('terminate_sessions.sql')} on {db.name}",
                f"{sql_path('reset_schema.sql')}: lock_timeout {db.lock_timeout_s:g}s, DROP SCHEMA IF EXISTS "
                f"{db.schema_name} CASCADE, CREATE SCHEMA {db.schema_name}, REVOKE CREATE FROM PUBLIC"]


class Roles(BaseStep):
    """Application roles exist with their passwords and exactly their access level."""

    name = "roles"

    def check(self, ctx: Context) -> Check:
        db = database_config(ctx)
        if not db.roles:
            return Check(True, "no roles configured")
        plan = self._inspect(ctx)
        if plan.empty:
            return Check(True, ", ".join(f"{r.name} ({r.access})" for r in db.roles) + ": as configured")
        return Check(False, plan.describe())

    def apply(self, ctx: Context) -> str:
        from ..db import roles

        db = database_config(ctx)
        conninfo = superuser_conninfo(ctx)
        with connect(conninfo, dbname=db.name) as conn, sql_errors("changing roles"):
            plan = self._inspect(ctx, conn)
            roles.apply(conn, plan, db.roles, database=db.name, schema=db.schema_name)
        return plan.describe() or "nothing to change"

    def _inspect(self, ctx: Context, conn: Any = None) -> Any:
        from ..db import roles
        from ..db.connect import conninfo_params
        from ..db.privileges import owner_of, validate_roles

        db = database_config(ctx)
        conninfo = superuser_conninfo(ctx)
        validate_roles(db.roles, superuser=conninfo_params(conninfo).get("user"))
        owner = owner_of(db.roles)

        def login_ok(role: RoleConfig) -> bool:
            from ..db.connect import with_database

            assert role.password is not None
            target = with_database(conninfo, db.name, user=role.name, password=role.password.reveal())
            try:
                connect(target, connect_timeout=5).close()
                return True
            except StepError:
                return False

        def run(c: Any) -> Any:
            with sql_errors("reading roles and privileges"):
                return roles.inspect(c, db.roles, database=db.name, schema=db.schema_name,
                                     owner=owner.name if owner else c.info.user, login_ok=login_ok)

        if conn is not None:
            return run(conn)
        with connect(conninfo, dbname=db.name) as own:
            return run(own)

    def plan(self, ctx: Context) -> list[str]:
        db = database_config(ctx)
        names = ", ".join(f"{r.name} ({r.access})" for r in db.roles) or "none"
        files = ", ".join(sql_path(f) for f in ("roles_inspect.sql", "role_verifiers.sql",
                                                "schema_relations.sql", "privileges.sql"))
        return [
            f"roles: {names}",
            f"read: {files}",
            f"per role to create or fix, one transaction: {sql_path('quiet_logging.sql')}, "
            f"{sql_path('role_vars.sql')} (role name, SCRAM verifier computed on the client: ******), "
            f"{sql_path('role_ensure.sql')}",
            f"{sql_path('privilege_statements.sql')}: GRANT / REVOKE / ALTER DEFAULT PRIVILEGES for the "
            f"differences found, in schema {db.schema_name} of {db.name}",
        ]


__all__ = ["Backup", "DatabaseReady", "ResetSchema", "Roles"]
