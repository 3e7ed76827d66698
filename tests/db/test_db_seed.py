"""seed:<name> against a real server: once per definition, again after a reset, never half-recorded."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bootstrap.config import SeedConfig
from bootstrap.context import Options
from bootstrap.engine import Status
from bootstrap.steps.database import Backup, DatabaseReady, ResetSchema
from bootstrap.steps.seed import Seed
from dbkit import DbEnv

pytestmark = pytest.mark.postgres

APPEND = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"


def seed(counter: Path, tag: str = "run") -> SeedConfig:
    """A seed whose every run leaves one line in `counter` (outside the database, survives resets)."""
    return SeedConfig(name="demo", service="api", command=(sys.executable, "-c", APPEND, str(counter), tag))


def run_seed(dbenv: DbEnv, s: SeedConfig, options: Options | None = None):
    ctx = dbenv.context(dbenv.config(seeds=[s]), options=options)
    return dbenv.run([DatabaseReady(), Seed(s)], ctx)["seed:demo"]


def ledger(dbenv: DbEnv) -> list[tuple]:
    with dbenv.connect() as conn:
        if conn.execute("SELECT to_regclass('public.bootstrap_seed_ledger')").fetchone() == (None,):
            return []
        return conn.execute("SELECT name, fingerprint FROM bootstrap_seed_ledger").fetchall()


def runs(counter: Path) -> list[str]:
    return counter.read_text().splitlines() if counter.exists() else []


def test_seed_runs_once_then_again_when_asked_changed_or_reset(dbenv: DbEnv, tmp_path: Path) -> None:
    counter = tmp_path / "runs.txt"
    first = run_seed(dbenv, seed(counter))
    assert first.status is Status.CHANGED and first.detail.startswith("ran ")
    for _ in range(2):
        again = run_seed(dbenv, seed(counter))
        assert again.status is Status.OK and again.detail.startswith("applied ")
    assert runs(counter) == ["run"]
    assert [name for name, _ in ledger(dbenv)] == ["demo"]

    assert run_seed(dbenv, seed(counter), Options(reseed=("demo",))).status is Status.CHANGED
    assert runs(counter) == ["run", "run"]

    assert run_seed(dbenv, seed(counter, "v2")).status is Status.CHANGED  # the definition changed
    assert run_seed(dbenv, seed(counter, "v2")).status is Status.OK
    assert runs(counter) == ["run", "run", "v2"]

    reset = dbenv.run([DatabaseReady(), Backup(), ResetSchema()],
                      dbenv.context(dbenv.config(), options=Options(destructive=True)))
    assert reset["reset-schema"].status is Status.CHANGED and ledger(dbenv) == []
    assert run_seed(dbenv, seed(counter, "v2")).status is Status.CHANGED
    assert runs(counter) == ["run", "run", "v2", "v2"]


def test_failing_seed_leaves_no_ledger_row(dbenv: DbEnv, tmp_path: Path) -> None:
    counter = tmp_path / "runs.txt"
    assert run_seed(dbenv, seed(counter)).status is Status.CHANGED
    failing = SeedConfig(name="demo", service="api",
                         command=(sys.executable, "-c", "import sys; print('seed exploded'); sys.exit(3)"))
    result = run_seed(dbenv, failing)
    assert result.status is Status.FAILED and result.detail.startswith("seed demo failed: exit 3")
    assert "seed exploded" in result.output_tail and "next run runs it again" in (result.hint or "")
    assert ledger(dbenv) == []  # the old row went before the command ran
    again = run_seed(dbenv, failing)
    assert again.status is Status.FAILED and ledger(dbenv) == []


def test_plan_names_ledger_and_command(dbenv: DbEnv, tmp_path: Path) -> None:
    s = seed(tmp_path / "runs.txt")
    lines = Seed(s).plan(dbenv.context(dbenv.config(seeds=[s])))
    assert "public.bootstrap_seed_ledger" in lines[0] and "in service api" in lines[1]
