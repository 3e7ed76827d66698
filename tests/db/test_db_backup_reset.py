"""backup and reset-schema against a real server; pg_dump / pg_restore run on the host."""
from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from psycopg import errors

from bootstrap.context import Options
from bootstrap.engine import Status
from bootstrap.runner import Command
from bootstrap.steps.database import Backup, DatabaseReady, ResetSchema, Roles
from dbkit import DbEnv

pytestmark = pytest.mark.postgres

DESTRUCTIVE = Options(destructive=True)


def seed_rows(dbenv: DbEnv, items: int = 3, notes: int = 2) -> None:
    with dbenv.connect() as conn:
        conn.execute("CREATE TABLE items (id serial PRIMARY KEY, name text)")
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
        conn.execute("INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, %s) g", (items,))
        conn.execute("INSERT INTO notes (body) SELECT repeat('x', 200) FROM generate_series(1, %s) g", (notes,))


def counts(dbenv: DbEnv, dbname: str) -> dict[str, int]:
    with dbenv.connect(dbname=dbname) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "notes")}


class CmdlineWatcher:
    """Reads every /proc/*/cmdline in a loop while a backup runs."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    try:
                        raw = Path(entry.path, "cmdline").read_bytes()
                    except OSError:
                        continue
                    if raw:
                        self.seen.add(raw.replace(b"\0", b" ").decode(errors="replace"))

    def __enter__(self) -> CmdlineWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_backup_restores_with_the_same_rows_and_no_password_in_argv(dbenv: DbEnv) -> None:
    owner, rw = dbenv.role("owner"), dbenv.role("readwrite")
    seed_rows(dbenv, items=50_000, notes=2_000)  # big enough for the dump to be seen running
    config = dbenv.config(roles=[owner, rw])
    ctx = dbenv.context(config, options=DESTRUCTIVE)
    with CmdlineWatcher() as watcher:
        results = dbenv.run([DatabaseReady(), Backup(), ResetSchema(), Roles()], ctx)
    assert [r.status for r in results.values()] == [Status.OK, Status.CHANGED, Status.CHANGED, Status.CHANGED]
    path = ctx.facts["backup_path"]
    assert path.parent == dbenv.root / ".bootstrap" / "backups" and path.name.startswith("demo-")
    assert path.read_bytes()[:5] == b"PGDMP" and not list(path.parent.glob("*.partial"))
    detail = results["backup"].detail
    assert f"pg_restore --clean --if-exists -d postgresql://postgres@127.0.0.1:{dbenv.server.port}/" in detail
    assert dbenv.server.password not in detail

    secrets = [dbenv.server.password] + [r.password.reveal() for r in (owner, rw) if r.password]
    assert any("pg_dump" in line and "--format=custom" in line for line in watcher.seen), "pg_dump not observed"
    assert not [line for line in watcher.seen if any(s in line for s in secrets)]
    assert not [line for line in dbenv.echoed if any(s in line for s in secrets)]

    with dbenv.connect() as conn:  # the reset emptied the schema
        assert conn.execute("SELECT to_regclass('public.items')").fetchone() == (None,)
    restored = f"{dbenv.database}_restored"
    with dbenv.connect(dbname="postgres") as conn:
        conn.execute(f'CREATE DATABASE "{restored}"')
    url = f"postgresql://postgres@127.0.0.1:{dbenv.server.port}/{restored}"
    ctx.runner.run(Command(("pg_restore", "--clean", "--if-exists", "-d", url, str(path)),
                           env={"PGPASSWORD": dbenv.server.password}))
    assert counts(dbenv, restored) == {"items": 50_000, "notes": 2_000}


def test_empty_schema_and_no_backup_are_ok_and_reset_still_runs(dbenv: DbEnv) -> None:
    results = dbenv.run([DatabaseReady(), Backup(), ResetSchema()],
                        dbenv.context(dbenv.config(), options=DESTRUCTIVE))
    assert results["backup"].status is Status.OK
    assert results["backup"].detail == "nothing to back up: no table in schema public holds rows"
    assert results["reset-schema"].status is Status.CHANGED

    seed_rows(dbenv)
    ctx = dbenv.context(dbenv.config(), options=Options(destructive=True, no_backup=True))
    results = dbenv.run([DatabaseReady(), Backup(), ResetSchema()], ctx)
    assert (results["backup"].status, results["backup"].detail) == (Status.OK, "skipped: --no-backup")
    assert results["reset-schema"].status is Status.CHANGED
    assert not (dbenv.root / ".bootstrap" / "backups").exists()


def test_failed_dump_means_no_reset(dbenv: DbEnv, tmp_path: Path) -> None:
    seed_rows(dbenv)
    fake = tmp_path / "pg_dump"  # the real pg_dump, pointed at a port where nothing listens
    fake.write_text(f"""#!{sys.executable}
import os, re, sys
args = [re.sub(r"port=\\d+", "port=1", a) for a in sys.argv[1:]]
os.execvp("pg_dump", ["pg_dump", *args])
""")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    results = dbenv.run([DatabaseReady(), Backup(pg_dump=str(fake)), ResetSchema()],
                        dbenv.context(dbenv.config(), options=DESTRUCTIVE))
    backup, reset = results["backup"], results["reset-schema"]
    assert backup.status is Status.FAILED and backup.detail.startswith("backup failed, so nothing was reset")
    assert any("port 1 failed" in line for line in backup.output_tail)
    assert reset.status is Status.SKIPPED
    assert counts(dbenv, dbenv.database) == {"items": 3, "notes": 2}
    assert not list((dbenv.root / ".bootstrap" / "backups").iterdir())  # no partial dump left behind


def test_retention_keeps_the_newest(dbenv: DbEnv) -> None:
    seed_rows(dbenv)
    config = dbenv.config(backup_keep=2)
    paths = []
    for _ in range(3):
        ctx = dbenv.context(config, options=DESTRUCTIVE)
        assert dbenv.run([DatabaseReady(), Backup()], ctx)["backup"].status is Status.CHANGED
        paths.append(ctx.facts["backup_path"])
    left = sorted((dbenv.root / ".bootstrap" / "backups").glob("*.dump"))
    assert left == sorted(paths[1:])


def test_reset_converges_to_the_same_private_empty_schema(dbenv: DbEnv) -> None:
    owner = dbenv.role("owner")
    dbenv.run([DatabaseReady(), Roles()], dbenv.context(dbenv.config(roles=[owner])))
    seed_rows(dbenv)
    for _ in range(2):
        ctx = dbenv.context(dbenv.config(roles=[owner]), options=Options(destructive=True, no_backup=True))
        result = dbenv.run([DatabaseReady(), Backup(), ResetSchema()], ctx)["reset-schema"]
        assert result.status is Status.CHANGED
        assert result.detail.startswith(f"schema public dropped and recreated, owned by {owner.name}")
        with dbenv.connect() as conn:
            assert conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = 'public'").fetchone() == (0,)
            assert conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace "
                                "WHERE nspname = 'public'").fetchone() == (owner.name,)
            assert conn.execute("SELECT has_schema_privilege('public', 'public', 'CREATE')").fetchone() == (False,)


def test_reset_ends_other_sessions(dbenv: DbEnv) -> None:
    seed_rows(dbenv)
    other = dbenv.connect()
    other.autocommit = False
    other.execute("SELECT * FROM items")  # holds a lock on items in an open transaction
    ctx = dbenv.context(dbenv.config(), options=Options(destructive=True, no_backup=True))
    result = dbenv.run([DatabaseReady(), Backup(), ResetSchema()], ctx)["reset-schema"]
    assert result.status is Status.CHANGED and "ended 1 other session(s)" in result.detail
    with pytest.raises(Exception):
        other.execute("SELECT 1")
    other.close()


def test_stuck_lock_fails_naming_lock_timeout(dbenv: DbEnv) -> None:
    seed_rows(dbenv)
    with dbenv.connect() as conn:  # a prepared transaction holds its locks with no session to end
        conn.autocommit = False
        conn.execute("LOCK TABLE items IN ACCESS SHARE MODE")
        conn.execute("PREPARE TRANSACTION 'stuck_reset'")
        conn.autocommit = True
    ctx = dbenv.context(dbenv.config(lock_timeout_s=1), options=Options(destructive=True, no_backup=True))
    result = dbenv.run([DatabaseReady(), Backup(), ResetSchema()], ctx)["reset-schema"]
    assert result.status is Status.FAILED
    assert "lock_timeout=1s" in result.detail and "stuck_reset" in (result.hint or "")
    assert result.duration_s < 10
    assert counts(dbenv, dbenv.database) == {"items": 3, "notes": 2}


def test_reset_refuses_without_a_backup_step_and_skips_when_not_destructive(dbenv: DbEnv) -> None:
    seed_rows(dbenv)
    refused = dbenv.run([DatabaseReady(), ResetSchema()],
                        dbenv.context(dbenv.config(), options=DESTRUCTIVE))["reset-schema"]
    assert refused.status is Status.FAILED and "no backup step ran" in refused.detail
    kept = dbenv.run([DatabaseReady(), ResetSchema()], dbenv.context(dbenv.config()))["reset-schema"]
    assert (kept.status, kept.detail) == (Status.OK, "skipped: not a destructive run")
    assert counts(dbenv, dbenv.database) == {"items": 3, "notes": 2}
    with dbenv.connect() as conn, pytest.raises(errors.DuplicateTable):
        conn.execute("CREATE TABLE items (id int)")
