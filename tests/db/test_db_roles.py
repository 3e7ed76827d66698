"""roles against a real server: access levels, idempotence, rotation, no plaintext anywhere."""
from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql

from bootstrap.config import RoleConfig
from bootstrap.engine import Status
from bootstrap.secrets import Secret
from bootstrap.steps.database import DatabaseReady, Roles
from dbkit import DbEnv

pytestmark = pytest.mark.postgres


@pytest.fixture
def trio(dbenv: DbEnv) -> tuple[RoleConfig, RoleConfig, RoleConfig]:
    return dbenv.role("owner"), dbenv.role("readwrite"), dbenv.role("readonly")


def converge(dbenv: DbEnv, roles: list[RoleConfig] | tuple[RoleConfig, ...]) -> dict:
    return dbenv.run([DatabaseReady(), Roles()], dbenv.context(dbenv.config(roles=roles)))


def test_access_levels(dbenv: DbEnv, trio) -> None:
    owner, rw, ro = trio
    first = converge(dbenv, trio)["roles"]
    assert first.status is Status.CHANGED
    assert first.detail == f"{owner.name}: created; {rw.name}: created; {ro.name}: created"

    with dbenv.connect_role(owner) as conn:  # like a migration: the owner creates a table later
        conn.execute("CREATE TABLE items (id serial PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items (name) VALUES ('from owner')")
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql")  # CREATE on the database is granted
    with dbenv.connect_role(rw) as conn:
        conn.execute("INSERT INTO items (name) VALUES ('from rw')")  # sequence usage included
        conn.execute("UPDATE items SET name = name || '!' WHERE name = 'from rw'")
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)
        conn.execute("DELETE FROM items WHERE name = 'from rw!'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE rw_table (id int)")
    with dbenv.connect_role(ro) as conn:
        assert conn.execute("SELECT name FROM items").fetchall() == [("from owner",)]
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO items (name) VALUES ('from ro')")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE ro_table (id int)")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("TRUNCATE items")

    second = converge(dbenv, trio)["roles"]  # the owner's new table is covered: nothing to do
    assert second.status is Status.OK, second.detail
    assert second.detail == f"{owner.name} (owner), {rw.name} (readwrite), {ro.name} (readonly): as configured"


def test_rotation_changes_only_that_role(dbenv: DbEnv, trio) -> None:
    owner, rw, ro = trio
    converge(dbenv, trio)
    assert rw.password is not None
    old = rw.password.reveal()
    rotated = replace_password(rw, "rotated-" + old)
    result = converge(dbenv, (owner, rotated, ro))["roles"]
    assert result.status is Status.CHANGED and result.detail == f"{rw.name}: password rotated"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        dbenv.connect_role(rw, old)
    dbenv.connect_role(rotated).close()
    assert converge(dbenv, (owner, rotated, ro))["roles"].status is Status.OK


def replace_password(role: RoleConfig, password: str) -> RoleConfig:
    return role.model_copy(update={"password": Secret(password, "env rotated")})


def test_broken_grants_and_extra_privileges_are_repaired(dbenv: DbEnv, trio) -> None:
    owner, rw, ro = trio
    converge(dbenv, trio)
    with dbenv.connect_role(owner) as conn:
        conn.execute("CREATE TABLE t (id int)")
    assert converge(dbenv, trio)["roles"].status is Status.OK

    with dbenv.connect() as conn:
        conn.execute(sql.SQL("REVOKE SELECT ON t FROM {}").format(sql.Identifier(ro.name)))
    result = converge(dbenv, trio)["roles"]
    assert result.status is Status.CHANGED and result.detail == f"{ro.name}: grants added"

    with dbenv.connect() as conn:
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public REVOKE INSERT ON TABLES "
                             "FROM {}").format(sql.Identifier(owner.name), sql.Identifier(rw.name)))
        conn.execute(sql.SQL("GRANT INSERT ON t TO {}").format(sql.Identifier(ro.name)))
        conn.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO PUBLIC"))
        conn.execute(sql.SQL("ALTER ROLE {} CREATEDB").format(sql.Identifier(rw.name)))
    result = converge(dbenv, trio)["roles"]
    assert result.status is Status.CHANGED
    assert result.detail == (f"{rw.name}: attributes fixed, grants added; {ro.name}: grants revoked; "
                             "PUBLIC: CREATE on schema revoked")
    with dbenv.connect_role(owner) as conn:
        conn.execute("CREATE TABLE later (id int)")
    with dbenv.connect_role(rw) as conn:
        conn.execute("INSERT INTO later VALUES (1)")
    with dbenv.connect_role(ro) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("INSERT INTO t VALUES (1)")
    assert converge(dbenv, trio)["roles"].status is Status.OK


def test_tables_made_before_the_owner_existed_are_handed_over(dbenv: DbEnv, trio) -> None:
    owner, rw, ro = trio
    with dbenv.connect() as conn:  # e.g. migrations run as postgres by an older setup script
        conn.execute("CREATE TABLE legacy (id serial PRIMARY KEY)")
    result = converge(dbenv, trio)["roles"]
    assert result.status is Status.CHANGED
    with dbenv.connect() as conn:
        owners = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname IN "
                              "('legacy', 'legacy_id_seq')").fetchall()
        schema_owner = conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace "
                                    "WHERE nspname = 'public'").fetchone()
    assert set(owners) == {(owner.name,)} and schema_owner == (owner.name,)
    with dbenv.connect_role(ro) as conn:
        conn.execute("SELECT * FROM legacy")
    assert converge(dbenv, trio)["roles"].status is Status.OK


def test_no_plaintext_password_in_server_log_or_argv(dbenv: DbEnv, trio) -> None:
    owner, rw, ro = trio
    converge(dbenv, trio)
    rotated = replace_password(ro, "second-" + (ro.password.reveal() if ro.password else ""))
    assert converge(dbenv, (owner, rw, rotated))["roles"].status is Status.CHANGED
    for role in (owner, rw, rotated):  # every role can log in with what the config says
        dbenv.connect_role(role).close()
    log = dbenv.server.log_text()
    assert "log_statement = 'none'" in log  # log_statement=all was on: the quiet switch itself is logged
    assert "set_config('bootstrap.role_verifier'" not in log  # ...and nothing after it in that transaction
    assert "SCRAM-SHA-256$" not in log  # not even the verifiers
    for password in (owner.password, rw.password, ro.password, rotated.password):
        assert password is not None
        assert password.reveal() not in log
        assert all(password.reveal() not in line for line in dbenv.echoed)
    assert dbenv.server.password not in log


def test_plan_lists_sql_files_and_no_secret(dbenv: DbEnv, trio) -> None:
    lines = Roles().plan(dbenv.context(dbenv.config(roles=trio)))
    text = "\n".join(lines)
    assert "sql/role_ensure.sql" in text and "sql/privileges.sql" in text
    assert all(r.password is not None and r.password.reveal() not in text for r in trio)


def test_invalid_role_name_fails_before_any_change(dbenv: DbEnv) -> None:
    bad = dbenv.role("readonly", name="pg_bad")
    result = converge(dbenv, [bad])["roles"]
    assert result.status is Status.FAILED and "reserved role name" in result.detail
