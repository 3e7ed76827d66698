"""Pure functions of bootstrap.db: connection resolution, commands as data, privilege diffs."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from bootstrap.config import RoleConfig, SeedConfig
from bootstrap.db import SQL_DIR, sql_named, sql_text
from bootstrap.db import backup as dumps
from bootstrap.db.connect import (classify, container_failure, describe, maintenance_database,
                                  resolve_superuser_conninfo)
from bootstrap.db.ledger import fingerprint
from bootstrap.db.locks import lock_key
from bootstrap.db.migrations import Revision, failing_revision
from bootstrap.db.privileges import Grant, Relation, difference, owner_of, validate_role_name, wanted
from bootstrap.db.roles import RoleAction, RolesPlan, password_change
from bootstrap.errors import ConfigError, StepError, TransientError
from bootstrap.secrets import Secret

pytestmark = pytest.mark.unit

URL = Secret("postgresql://postgres:s3cret-pw@db:5432/app", "env SUPERUSER_URL")


# -- where the superuser connects ---------------------------------------------------------

def test_external_server_uses_the_url_as_is() -> None:
    assert resolve_superuser_conninfo(URL, service=None).reveal() == URL.reveal()


def test_external_server_without_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        resolve_superuser_conninfo(None, service=None)


def test_published_port_keeps_url_credentials_on_localhost() -> None:
    got = conninfo_to_dict(resolve_superuser_conninfo(URL, service="db", published_port=55432).reveal())
    assert got == {"user": "postgres", "password": "s3cret-pw", "dbname": "app", "host": "127.0.0.1",
                   "port": "55432"}


def test_unpublished_port_uses_container_address_and_service_env() -> None:
    got = conninfo_to_dict(resolve_superuser_conninfo(
        URL, service="db", published_port=None, address="172.20.0.3",
        service_env={"POSTGRES_PASSWORD": "from-compose", "POSTGRES_USER": "root"}).reveal())
    assert got["host"] == "172.20.0.3" and got["port"] == "5432"
    assert got["user"] == "root" and got["password"] == "from-compose" and got["dbname"] == "app"


def test_unpublished_port_defaults_to_postgres_user() -> None:
    got = conninfo_to_dict(resolve_superuser_conninfo(
        None, service="db", address="10.0.0.2", service_env={"POSTGRES_PASSWORD": "pw"}).reveal())
    assert got == {"user": "postgres", "password": "pw", "host": "10.0.0.2", "port": "5432"}


def test_container_without_address_yet_is_transient() -> None:
    with pytest.raises(TransientError):
        resolve_superuser_conninfo(URL, service="db", published_port=None, address=None, service_env={})


def test_describe_and_str_never_show_the_password() -> None:
    conninfo = resolve_superuser_conninfo(URL, service="db", published_port=5433)
    assert "s3cret-pw" not in describe(conninfo) and "s3cret-pw" not in str(conninfo)
    assert describe(conninfo) == "postgresql://postgres@127.0.0.1:5433/app"


def test_maintenance_database_is_never_the_target() -> None:
    assert maintenance_database(URL, "app") == "postgres"
    assert maintenance_database(URL, "other") == "app"


@pytest.mark.parametrize("message,kind", [
    ('connection to server at "127.0.0.1", port 5432 failed: Connection refused', TransientError),
    ("FATAL:  the database system is starting up", TransientError),
    ('FATAL:  password authentication failed for user "postgres"', StepError),
    ('FATAL:  database "nope" does not exist', StepError),
])
def test_classify_connection_errors(message: str, kind: type) -> None:
    err = classify(Exception(message), URL)
    assert type(err) is kind
    assert message.split(":")[-1].strip() in err.message and "s3cret-pw" not in err.message


def test_unknown_host_is_transient_only_for_a_compose_service() -> None:
    exc = Exception('could not translate host name "db" to address: Name or service not known')
    assert type(classify(exc, URL, service="db")) is TransientError
    assert type(classify(exc, URL)) is StepError


def test_exited_container_stops_the_wait() -> None:
    assert container_failure("db", {"status": "running", "health": "starting"}) is None
    assert container_failure("db", {}) is None
    assert container_failure("db", {"status": "exited", "exit_code": 1, "oom_killed": True,
                                    "restart_count": 0}) == (
        "the db container is exited (exit code 1, killed for lack of memory, 0 restarts)")
    assert "restarting" in (container_failure("db", {"status": "restarting", "restart_count": 3}) or "")


# -- backups as data --------------------------------------------------------------------

def test_host_dump_keeps_the_password_out_of_argv() -> None:
    cmd = dumps.host_dump("pg_dump", URL, "app", Path("/b/demo-x.dump"))
    assert "s3cret-pw" not in " ".join(cmd.argv)
    assert cmd.env["PGPASSWORD"] == Secret("s3cret-pw")
    assert cmd.argv[:4] == ("pg_dump", "--format=custom", "--file", "/b/demo-x.dump.partial")
    assert conninfo_to_dict(cmd.argv[-1]) == {"user": "postgres", "dbname": "app", "host": "db", "port": "5432"}


def test_container_dump_execs_pg_dump_with_password_from_env() -> None:
    base = ("docker", "compose", "-p", "demo", "-f", "/p/docker-compose.yml")
    dump, copy, remove = dumps.container_dump(base, "db", URL, "app", Path("/b/demo-1.dump"), container="c0ffee")
    assert dump.argv[len(base):len(base) + 5] == ("exec", "-T", "-e", "PGPASSWORD", "db")
    assert dump.argv[len(base) + 5:len(base) + 9] == ("pg_dump", "--format=custom", "--file", "/tmp/demo-1.dump")
    assert all("s3cret-pw" not in " ".join(c.argv) for c in (dump, copy, remove))
    assert dump.env["PGPASSWORD"] == Secret("s3cret-pw")
    assert copy.argv == ("docker", "cp", "c0ffee:/tmp/demo-1.dump", "/b/demo-1.dump.partial")
    assert remove.argv[-3:] == ("rm", "-f", "/tmp/demo-1.dump") and dump.cleanup == (remove.argv,)
    restore = dumps.restore_command(Path("/b/demo-1.dump"), URL, "app", base=base, service="db")
    assert restore.startswith("docker compose -p demo -f /p/docker-compose.yml exec -T -e PGPASSWORD db "
                              "pg_restore --clean --if-exists") and restore.endswith("< /b/demo-1.dump")


def test_restore_command_omits_the_password() -> None:
    text = dumps.restore_command(Path("/b/demo-1.dump"), URL, "app")
    assert text == "pg_restore --clean --if-exists -d postgresql://postgres@db:5432/app /b/demo-1.dump"


def test_dump_names_and_retention(tmp_path: Path) -> None:
    now = datetime(2026, 11, 22, 3, 4, 5, tzinfo=timezone.utc)
    first = dumps.dump_path(tmp_path, "demo", now)
    assert first.name == "demo-20261122T030405Z.dump"
    first.write_bytes(b"PGDMP")
    assert dumps.dump_path(tmp_path, "demo", now).name == "demo-20261122T030405Z-1.dump"
    names = [f"demo-2026112{d}T000000Z.dump" for d in range(1, 8)]
    for n in names:
        (tmp_path / n).write_bytes(b"PGDMP")
    (tmp_path / "demo-20261120T000000Z.dump.partial").write_bytes(b"")
    (tmp_path / "other-20261101T000000Z.dump").write_bytes(b"PGDMP")
    pruned = {p.name for p in dumps.to_prune(tmp_path, "demo", 3)}
    assert pruned == set(names[:4]) | {first.name}  # the newest three by stamp: the 25th, 26th, 27th
    assert dumps.is_dump(first) and not dumps.is_dump(tmp_path / "demo-20261120T000000Z.dump.partial")


def test_pg_dump_version_parsing() -> None:
    assert dumps.pg_dump_major("pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)") == 15
    assert dumps.pg_dump_major("garbage") is None


# -- privileges as data -----------------------------------------------------------------

def _role(name: str, access: str) -> RoleConfig:
    return RoleConfig(name=name, password_env="X", access=access, password=Secret("pw"))  # type: ignore[arg-type]


ROLES = (_role("own", "owner"), _role("rw", "readwrite"), _role("ro", "readonly"))
RELS = [Relation("items", "table", "own"), Relation("items_id_seq", "sequence", "own", True)]


def test_wanted_privileges_by_access_level() -> None:
    want = wanted(ROLES, database="app", schema="public", owner="own", relations=RELS)
    by_role = lambda r: {(g.kind, g.obj, g.privilege) for g in want if g.grantee == r}  # noqa: E731
    assert by_role("own") == {("database", "app", "CONNECT"), ("database", "app", "CREATE")}
    assert ("table", "items", "DELETE") in by_role("rw")
    assert ("sequence", "items_id_seq", "UPDATE") in by_role("rw")
    assert ("default:tables", "own", "INSERT") in by_role("rw")
    assert {p for k, o, p in by_role("ro") if k == "table"} == {"SELECT"}
    assert not any(p == "CREATE" for k, o, p in by_role("rw") | by_role("ro"))


def test_difference_adds_missing_and_revokes_extra_but_leaves_unmanaged() -> None:
    want = wanted(ROLES, database="app", schema="public", owner="own", relations=RELS)
    found = set(want) - {Grant("table", "items", "ro", "SELECT")}
    found |= {Grant("table", "items", "ro", "INSERT"), Grant("schema", "public", "PUBLIC", "CREATE"),
              Grant("schema", "public", "own", "CREATE"), Grant("database", "app", "rw", "TEMPORARY"),
              Grant("default:tables", "someone_else", "rw", "SELECT")}
    missing, extra = difference(want, found, ROLES, owner="own")
    assert missing == [Grant("table", "items", "ro", "SELECT")]
    assert extra == [Grant("schema", "public", "PUBLIC", "CREATE"), Grant("table", "items", "ro", "INSERT")]


def test_role_name_validation() -> None:
    validate_role_name("app_rw")
    for bad in ("1abc", "pg_app", "public", "a-b", "x" * 64, 'a"b'):
        with pytest.raises(ConfigError):
            validate_role_name(bad)
    with pytest.raises(ConfigError):
        validate_role_name("postgres", superuser="postgres")
    with pytest.raises(ConfigError):
        owner_of((_role("a", "owner"), _role("b", "owner")))


def test_plan_description() -> None:
    plan = RolesPlan((RoleAction("rw", create=True, password="set"), RoleAction("own", password="rotated"),
                      RoleAction("ro")), missing=(Grant("table", "t", "ro", "SELECT"),), owner="own",
                     role_names=("rw", "own", "ro"))
    assert plan.describe() == "rw: created; own: password rotated; ro: grants added"
    assert RolesPlan((RoleAction("x"),), role_names=("x",)).empty


def test_password_change_decision() -> None:
    verifier = ("SCRAM-SHA-256$4096:yYkdI1duTCl3vvldmIWh6A==$M8BGQEWRACaWkMP1AcixmXv0cSCOrWFsreZjg0fhqeU="
                ":9w8M2+IGzdQ4BQJhMrY1OhL60x01OOqviMwNaIeh2yE=")
    assert password_change(verifier, "correct horse battery staple", None) is None
    assert password_change(verifier, "another", None) == "rotated"
    assert password_change(None, "x", None) == "set"
    assert password_change("md5" + "0" * 32, "x", None) == "re-hashed as SCRAM"
    assert password_change(None, "x", lambda: True) is None  # pg_authid unreadable: logging in decides
    assert password_change(None, "x", lambda: False) == "rotated"


def test_ledger_fingerprint_covers_the_definition() -> None:
    a = SeedConfig(name="demo", service="api", command=("python", "seed.py"))
    assert fingerprint(a) == fingerprint(SeedConfig(name="other", service="api", command=("python", "seed.py")))
    assert fingerprint(a) != fingerprint(SeedConfig(name="demo", service="api", command=("python", "seed2.py")))
    assert fingerprint(a) != fingerprint(SeedConfig(name="demo", service="api", command=("python", "seed.py"),
                                                    workdir="/app"))


def test_lock_keys_are_stable_signed_64_bit() -> None:
    k = lock_key("bootstrap:migrate:demo:app")
    assert k == lock_key("bootstrap:migrate:demo:app") and -(2**63) <= k < 2**63
    assert k != lock_key("bootstrap:migrate:demo:other")


def test_failing_revision_from_alembic_output_or_position() -> None:
    pending = [Revision("0001", "/m/0001.py"), Revision("0002", "/m/0002.py")]
    out = "INFO  [alembic.runtime.migration] Running upgrade 0001 -> 0002, second\nTraceback..."
    assert failing_revision(out, pending, []) == pending[1]
    assert failing_revision("boom", pending, ["0001"]) == pending[1]
    assert failing_revision("boom", pending, []) == pending[0]


def test_every_sql_file_loads_and_templates_are_named() -> None:
    names = sorted(p.name for p in SQL_DIR.glob("*.sql"))
    assert "role_ensure.sql" in names and all(sql_text(n).strip() for n in names)
    named = set(sql_named("privilege_statements.sql"))
    assert {"grant_table", "revoke_default_sequences", "owner_schema"} <= named
    assert os.path.basename(SQL_DIR) == "sql"
