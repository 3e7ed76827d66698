"""seed:<name>: run a seed command once per definition, recorded in the seed ledger.

The ledger (`<schema>.bootstrap_seed_ledger`, created by the superuser) holds one
row per seed that ran to the end, with the fingerprint of its definition. A seed
runs when it has no row, when its definition changed, or when its name is in
ctx.options.reseed. Its row is deleted before the command runs and written after
it succeeded, so a failed or interrupted seed leaves none and runs again next time.
A schema reset drops the ledger with everything else. Runs of the same seed are
serialised with an advisory lock; the ledger is re-read under it.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..db import sql_path
from ..db.connect import connect, sql_errors, superuser_conninfo
from ..engine import BaseStep, Check
from ..errors import CommandFailed, StepError
from .database import database_config

if TYPE_CHECKING:
    from ..config import SeedConfig
    from ..context import Context

SEED_LOCK_TIMEOUT_S = 600.0


class Seed(BaseStep):
    verify_by_check = False  # a reseed request keeps check "not done" after a successful run

    def __init__(self, seed: SeedConfig) -> None:
        self.seed = seed
        self.name = f"seed:{seed.name}"

    def check(self, ctx: Context) -> Check:
        from ..db import ledger

        db = database_config(ctx)
        with connect(superuser_conninfo(ctx), dbname=db.name) as conn, sql_errors("reading the seed ledger"):
            entry = ledger.get(conn, db.schema_name, self.seed.name)
        if self.seed.name in ctx.options.reseed:
            return Check(False, "reseed requested")
        if entry is None:
            return Check(False, "not applied yet")
        if entry.fingerprint != ledger.fingerprint(self.seed):
            return Check(False, f"definition changed since it was applied on {entry.applied_at:%Y-%m-%d %H:%M}")
        return Check(True, f"applied {entry.applied_at:%Y-%m-%d %H:%M:%S %Z} in {entry.duration_s:.1f}s")

    def apply(self, ctx: Context) -> str:
        from ..db import ledger
        from ..db.locks import AdvisoryLock

        db = database_config(ctx)
        schema, name = db.schema_name, self.seed.name
        fingerprint = ledger.fingerprint(self.seed)
        lock = AdvisoryLock(superuser_conninfo(ctx), db.name,
                            f"bootstrap:seed:{ctx.config.project}:{db.name}:{name}",
                            timeout_s=max(SEED_LOCK_TIMEOUT_S, self.seed.timeout_s),
                            what=f"the lock of seed {name}", setting="seed timeout_s", on_wait=ctx.info)
        with lock as conn:
            with sql_errors("preparing the seed ledger"):
                entry = ledger.get(conn, schema, name)
                if (entry is not None and entry.fingerprint == fingerprint
                        and name not in ctx.options.reseed):
                    return "already applied by another run while this one waited"
                ledger.ensure(conn, schema)
                ledger.forget(conn, schema, name)
            started = time.monotonic()
            try:
                ctx.service_runner.run(self.seed.service, list(self.seed.command), workdir=self.seed.workdir,
                                       timeout_s=self.seed.timeout_s, log_name=f"seed-{name}")
            except CommandFailed as exc:
                raise StepError(f"seed {name} failed: {exc.message}",
                                "fix it and rerun: it has no ledger row, so the next run runs it again",
                                output_tail=exc.output_tail, log_path=exc.log_path) from None
            duration = time.monotonic() - started
            with sql_errors("recording the seed in the ledger"):
                ledger.record(conn, schema, name, fingerprint, duration)
        return f"ran {' '.join(self.seed.command)} in service {self.seed.service} ({duration:.1f}s)"

    def verify(self, ctx: Context) -> None:
        from ..db import ledger

        db = database_config(ctx)
        with connect(superuser_conninfo(ctx), dbname=db.name) as conn:
            entry = ledger.get(conn, db.schema_name, self.seed.name)
        if entry is None or entry.fingerprint != ledger.fingerprint(self.seed):
            raise StepError(f"seed {self.seed.name} ran but the ledger has no row for its definition")

    def plan(self, ctx: Context) -> list[str]:
        db = database_config(ctx)
        ledger_table = f"{db.schema_name}.bootstrap_seed_ledger"
        return [
            f"{sql_path('seed_ledger_get.sql')}: {ledger_table} row for {self.seed.name}",
            f"unless applied with this definition: {sql_path('seed_ledger_create.sql')}, "
            f"{sql_path('seed_ledger_delete.sql')}; in service {self.seed.service}: {' '.join(self.seed.command)}"
            + (f" (workdir {self.seed.workdir})" if self.seed.workdir else "")
            + f"; {sql_path('seed_ledger_put.sql')}",
        ]


__all__ = ["Seed"]
